// Builds valid regtest-style chains for tests: blocks with coinbases paying a test key,
// and key-path spends of mature coins, tracking each branch's coins so forks can be made.
import { createBlock } from '../../src/mining/index.js';
import type { Coin, ConsensusParams } from '../../src/consensus/index.js';
import {
  Block,
  Tx,
  outpointKey,
  p2trScript,
  signKeyPathInputWith,
  TaprootSighasher,
  taprootTweakPubkey,
  xOnlyPubkey,
  type OutPoint,
  type TxOut,
} from '../../src/primitives/index.js';

export interface Utxo {
  outpoint: OutPoint;
  coin: Coin;
}

export interface BranchState {
  hash: Uint8Array;
  height: number;
  time: number;
  utxos: Map<string, Utxo>;
}

export const TEST_SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

export class ChainBuilder {
  readonly script: Uint8Array;
  private nonce = 0;

  constructor(
    readonly params: ConsensusParams,
    readonly secret: Uint8Array = TEST_SECRET,
  ) {
    this.script = p2trScript(taprootTweakPubkey(xOnlyPubkey(secret)).outputKey);
  }

  genesis(): BranchState {
    const g = this.params.genesis;
    return { hash: g.hash(), height: 0, time: g.header.time, utxos: new Map() };
  }

  /** A block on `parent` with the given txs; returns the block and the branch state after it. */
  block(parent: BranchState, opts: { txs?: Tx[]; time?: number; coinbaseValue?: bigint; bits?: number } = {}): { block: Block; state: BranchState } {
    const height = parent.height + 1;
    const txs = opts.txs ?? [];
    const fees = txs.reduce((sum, tx) => sum + this.feeOf(parent, tx), 0n);
    const subsidy = this.subsidy(height);
    const block = createBlock({
      params: this.params,
      prev: parent.hash,
      height,
      time: opts.time ?? parent.time + 1,
      bits: opts.bits ?? this.params.powLimitBits,
      txs,
      coinbase: { script: this.script, value: opts.coinbaseValue ?? subsidy + fees, extraNonce: this.nonce++ },
      mine: true,
    });
    const utxos = new Map(parent.utxos);
    block.txs.forEach((tx, t) => {
      const txid = tx.txid();
      if (t > 0) for (const i of tx.inputs) utxos.delete(outpointKey(i.prevout));
      tx.outputs.forEach((o, vout) => {
        if (o.script[0] === 0x6a) return;
        const outpoint = { txid, vout };
        utxos.set(outpointKey(outpoint), { outpoint, coin: { value: o.value, script: o.script, height, coinbase: t === 0 } });
      });
    });
    return { block, state: { hash: block.hash(), height, time: block.header.time, utxos } };
  }

  /** Extends `parent` by n empty blocks. */
  chain(parent: BranchState, n: number): { blocks: Block[]; state: BranchState } {
    const blocks: Block[] = [];
    let s = parent;
    for (let i = 0; i < n; i++) {
      const r = this.block(s);
      blocks.push(r.block);
      s = r.state;
    }
    return { blocks, state: s };
  }

  subsidy(height: number): bigint {
    const halvings = Math.floor(height / this.params.halvingInterval);
    return halvings >= 64 ? 0n : this.params.subsidy >> BigInt(halvings);
  }

  /** Coins of this branch spendable in the next block, oldest first. */
  /** `n` independent spends of the oldest spendable coins (after `skip`), each followed by a child spending its first output. */
  spendPairs(state: BranchState, n: number, skip = 0): Tx[] {
    const out: Tx[] = [];
    for (const u of this.spendable(state).slice(skip, skip + n)) {
      const parent = this.spend([u]);
      const child: Utxo = { outpoint: { txid: parent.txid(), vout: 0 }, coin: { value: parent.outputs[0]!.value, script: this.script, height: state.height + 1, coinbase: false } };
      out.push(parent, this.spend([child]));
    }
    return out;
  }

  spendable(state: BranchState): Utxo[] {
    const next = state.height + 1;
    return [...state.utxos.values()].filter(
      (u) => u.coin.script.length === 34 && (!u.coin.coinbase || next - u.coin.height >= this.params.coinbaseMaturity),
    );
  }

  /** A signed key-path spend of `inputs` into `outputs` (defaults: two outputs, 1000 fee). */
  spend(inputs: Utxo[], outputs?: TxOut[], fee = 1000n): Tx {
    const total = inputs.reduce((s, u) => s + u.coin.value, 0n);
    const outs = outputs ?? [
      { value: (total - fee) / 2n, script: this.script },
      { value: total - fee - (total - fee) / 2n, script: this.script },
    ];
    const unsigned = new Tx({
      version: 2,
      inputs: inputs.map((u) => ({ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] })),
      outputs: outs,
      locktime: 0,
    });
    const prevouts = inputs.map((u) => ({ value: u.coin.value, script: u.coin.script }));
    const sighasher = new TaprootSighasher(unsigned, prevouts);
    const aux = new Uint8Array(32);
    const witnesses = inputs.map((_, i) => [signKeyPathInputWith(sighasher, i, this.secret, 0, aux)]);
    return new Tx({ ...unsigned, inputs: unsigned.inputs.map((inp, i) => ({ ...inp, witness: witnesses[i]! })) });
  }

  private feeOf(state: BranchState, tx: Tx): bigint {
    let inSum = 0n;
    for (const i of tx.inputs) {
      const u = state.utxos.get(outpointKey(i.prevout));
      if (u) inSum += u.coin.value;
      else return 0n; // spends an output created earlier in the same block: fee unknown here
    }
    return inSum - tx.outputs.reduce((s, o) => s + o.value, 0n);
  }
}
