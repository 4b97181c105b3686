// Applying a block's transactions to a coin set, and taking them off again. The two
// functions are exact inverses over any coin view:
//  - connectBlockTxs validates the transactions against the view and returns what to
//    apply: the pre-existing coins spent (`spentOutpoints`, with their coins as `undo`)
//    and the coins created that are still unspent at the block's end (`created`);
//  - disconnectBlockTxs, given the block and that undo data, returns what to apply to go
//    back: the created coins to remove and the spent coins to restore.
// Which outputs become coins is outputCoin's rule (outputs.ts); which outpoints a block
// creates and spends (leaving out those created and spent inside it) is blockCoinChanges.
// Neither function mutates the view.
import { type Block, type OutPoint, outpointKey, outpointMapKey } from '../primitives/index.js';
import { blockSubsidy } from './block.js';
import { RuleError, UndoError, rethrowAtTx } from './errors.js';
import { outputCoin } from './outputs.js';
import type { ConsensusParams } from './params.js';
import { checkTxInputs, moneyRange, taprootSigChecks, type Coin, type CoinView, type SigCheck } from './tx.js';

export interface CreatedCoin {
  readonly outpoint: OutPoint;
  readonly coin: Coin;
}

export interface ConnectResult {
  /** Sum of the fees of the block's non-coinbase transactions. */
  readonly fees: bigint;
  /**
   * Coins this block takes out of the pre-existing UTXO set, in input order, parallel to
   * spentOutpoints. Coins both created and spent inside the block appear in neither list
   * nor in `created`, so applying (delete spentOutpoints, add created) and undoing
   * (delete created, restore undo) are exact inverses.
   */
  readonly undo: Coin[];
  readonly spentOutpoints: OutPoint[];
  /** outpointMapKey of each of spentOutpoints (computed here once for every map that holds them) */
  readonly spentKeys: string[];
  /** Coins the block adds that are still unspent at its end, in creation order. */
  readonly created: CreatedCoin[];
  /** outpointMapKey of each of created */
  readonly createdKeys: string[];
  /** Signatures still to verify (none when params.cairnRules is off: no script engine). */
  readonly sigChecks: SigCheck[];
}

/**
 * Validates the block's transactions against `view` (plus outputs created earlier in the
 * same block) at `height`, and the coinbase amount. Expects checkBlockSanity to have
 * passed. Never mutates `view`; signatures are returned, not verified. `onSigChecks`, if
 * given, also receives each transaction's checks as soon as they exist, so a caller can
 * start verifying before the whole block is processed (it must still treat the block as
 * invalid if this function throws later).
 */
export function connectBlockTxs(
  block: Block,
  height: number,
  view: CoinView,
  params: ConsensusParams,
  onSigChecks?: (checks: readonly SigCheck[]) => void,
): ConnectResult {
  const overlay = new Map<string, Coin | null>();
  const createdHere = new Map<string, CreatedCoin>();
  const local: CoinView = {
    getCoin(prevout) {
      const k = outpointMapKey(prevout);
      const c = overlay.get(k);
      if (c === null) return undefined;
      return c ?? view.getCoin(prevout);
    },
  };
  const undo: Coin[] = [];
  const spentOutpoints: OutPoint[] = [];
  const spentKeys: string[] = [];
  const sigChecks: SigCheck[] = [];
  let fees = 0n;

  const addOutputs = (txIndex: number): void => {
    const tx = block.txs[txIndex]!;
    const txid = tx.txid();
    const outputs = tx.outputs;
    for (let vout = 0; vout < outputs.length; vout++) {
      const coin = outputCoin(outputs[vout], height, txIndex === 0);
      if (!coin) continue;
      const outpoint = { txid, vout };
      const k = outpointMapKey(outpoint);
      overlay.set(k, coin);
      createdHere.set(k, { outpoint, coin });
    }
  };

  addOutputs(0);
  for (let t = 1; t < block.txs.length; t++) {
    const tx = block.txs[t]!;
    let fee: bigint;
    let spent: Coin[];
    try {
      ({ fee, spent } = checkTxInputs(tx, local, height, params));
      if (params.cairnRules) {
        const checks = taprootSigChecks(tx, spent, t);
        for (const c of checks) sigChecks.push(c);
        onSigChecks?.(checks);
      }
    } catch (e) {
      rethrowAtTx(e, t);
    }
    fees += fee;
    if (!moneyRange(fees, params)) throw new RuleError('bad-txns-accumulated-fee-outofrange', undefined, { txIndex: t });
    for (let j = 0; j < tx.inputs.length; j++) {
      const prevout = tx.inputs[j]!.prevout;
      const k = outpointMapKey(prevout);
      if (!createdHere.delete(k)) {
        undo.push(spent[j]!);
        spentOutpoints.push(prevout);
        spentKeys.push(k);
      }
      overlay.set(k, null);
    }
    addOutputs(t);
  }

  let coinbaseOut = 0n;
  for (const o of block.txs[0]!.outputs) coinbaseOut += o.value;
  const limit = blockSubsidy(height, params) + fees;
  if (coinbaseOut > limit) throw new RuleError('bad-cb-amount', `coinbase pays ${coinbaseOut}, limit ${limit}`, { txIndex: 0 });

  return { fees, undo, spentOutpoints, spentKeys, created: [...createdHere.values()], createdKeys: [...createdHere.keys()], sigChecks };
}

/** What a block does to the coin set, from the block alone. */
export interface BlockCoinChanges {
  /** Outpoints of the coins the block creates that are still unspent at its end, in creation order. */
  readonly created: OutPoint[];
  /** Outpoints of pre-existing coins the block spends, in input order (parallel to the undo data). */
  readonly spent: OutPoint[];
}

/**
 * Which outpoints `block` adds to and takes from the coin set: the same lists, in the
 * same order, as connectBlockTxs's `created` and `spentOutpoints`, without a view. An
 * output created and spent inside the block is in neither.
 */
export function blockCoinChanges(block: Block): BlockCoinChanges {
  const createdHere = new Map<string, OutPoint>();
  const spent: OutPoint[] = [];
  block.txs.forEach((tx, t) => {
    if (t > 0) {
      for (const input of tx.inputs) {
        if (!createdHere.delete(outpointMapKey(input.prevout))) spent.push(input.prevout);
      }
    }
    const txid = tx.txid();
    tx.outputs.forEach((o, vout) => {
      // The height and coinbase flag do not change whether an output becomes a coin.
      if (outputCoin(o, 0, false)) createdHere.set(outpointMapKey({ txid, vout }), { txid, vout });
    });
  });
  return { created: [...createdHere.values()], spent };
}

export interface DisconnectResult {
  /** Coins to take out of the set (as the view holds them), last created first. */
  readonly removed: CreatedCoin[];
  /** Coins to put back, from the undo data, last spent first. */
  readonly restored: CreatedCoin[];
}

/**
 * The exact inverse of connectBlockTxs: given `block`, the undo data its connect returned
 * (the coins it spent, in input order) and a view of the coin set with the block applied,
 * returns the coins to remove and the coins to restore. Applying first every removal and
 * then every restoration gives back the set as it was before the block. Never mutates
 * `view`. Throws UndoError when the undo data does not fit the block or the view lacks a
 * coin the block created: the stored state is damaged, the block is not invalid.
 */
export function disconnectBlockTxs(block: Block, undo: readonly Coin[], view: CoinView): DisconnectResult {
  const { created, spent } = blockCoinChanges(block);
  if (undo.length !== spent.length) {
    throw new UndoError(`undo data has ${undo.length} coins for the ${spent.length} outputs block ${block.hashHex()} spends`);
  }
  const removed: CreatedCoin[] = [];
  for (let i = created.length - 1; i >= 0; i--) {
    const outpoint = created[i]!;
    const coin = view.getCoin(outpoint);
    if (!coin) throw new UndoError(`output ${outpointKey(outpoint)} created by block ${block.hashHex()} is not in the coin set`);
    removed.push({ outpoint, coin });
  }
  const restored: CreatedCoin[] = [];
  for (let i = spent.length - 1; i >= 0; i--) restored.push({ outpoint: spent[i]!, coin: undo[i]! });
  return { removed, restored };
}
