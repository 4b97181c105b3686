// connectBlockTxs and disconnectBlockTxs are exact inverses. Generated blocks (BlockGen,
// real signatures) spend chain coins, coins made earlier in the same block, and pay to
// keys, OP_RETURN and over-long scripts (the last two never become coins). Each sequence
// of blocks is connected one by one onto a map of coins, checked against BlockGen's naive
// model of the coin set, then disconnected in reverse; the map must come back exactly.
// Fixed seed; CAIRN_PROPERTY_SEED / CAIRN_PROPERTY_RUNS replay or widen it.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesToHex, opReturnScript, outpointKey, outpointMapKey, type OutPoint, type Tx, type TxOut } from '../../src/primitives/index.js';
import {
  MAX_SCRIPT_SIZE,
  UndoError,
  blockCoinChanges,
  connectBlockTxs,
  disconnectBlockTxs,
  outputCoin,
  regtestParams,
  type Coin,
  type CoinView,
  type ConsensusParams,
} from '../../src/consensus/index.js';
import { BlockGen, TEST_SCRIPTS, type GenBlock, type Utxo } from '../support/blockgen.js';

// Coinbases mature after one block, so a short base chain has coins to spend.
const params: ConsensusParams = { ...regtestParams, coinbaseMaturity: 1 };
const SEED = Number(process.env.CAIRN_PROPERTY_SEED ?? 0x0dd0);
const RUNS = Number(process.env.CAIRN_PROPERTY_RUNS ?? 30);

type OutKind = 'key' | 'opreturn' | 'long';
interface TxPlan {
  /** picks among the coins spendable at this point (chain coins and this block's) */
  inputs: number[];
  outputs: OutKind[];
}

const txPlan: fc.Arbitrary<TxPlan> = fc.record({
  inputs: fc.array(fc.nat(1000), { minLength: 1, maxLength: 3 }),
  outputs: fc.array(fc.constantFrom<OutKind>('key', 'key', 'key', 'opreturn', 'long'), { minLength: 1, maxLength: 3 }),
});
const sequencePlan = fc.array(fc.array(txPlan, { maxLength: 5 }), { minLength: 1, maxLength: 3 });

/** The coin set as a map, the way the chain's cache answers. */
class MapView implements CoinView {
  constructor(readonly coins = new Map<string, Coin>()) {}
  getCoin(p: OutPoint): Coin | undefined {
    return this.coins.get(outpointKey(p));
  }
  clone(): MapView {
    return new MapView(new Map(this.coins));
  }
}

function viewOf(utxos: ReadonlyMap<string, Utxo>): MapView {
  const v = new MapView();
  for (const u of utxos.values()) v.coins.set(outpointKey(u.outpoint), u.coin);
  return v;
}

/** Plain objects, so toEqual compares values and ignores identity. */
function snapshot(v: MapView): Record<string, Coin> {
  return Object.fromEntries([...v.coins].map(([k, c]) => [k, { ...c }]));
}

const gen = new BlockGen(params);
const base = gen.chain('base', gen.genesis, 6);
let named = 0;

/** A block on `parent` following `plan`, spending parent coins and its own earlier outputs. */
function buildBlock(parent: GenBlock, plan: TxPlan[]): GenBlock {
  return gen.block(`u${named++}`, parent, {
    unmined: true,
    txs: (p) => {
      const height = p.height + 1;
      const available: Utxo[] = gen.spendable(p);
      const txs: Tx[] = [];
      for (const t of plan) {
        if (available.length === 0) break;
        const picked = new Set<number>();
        for (const i of t.inputs) picked.add(i % available.length);
        const inputs = [...picked].map((i) => available[i]!);
        for (const i of [...picked].sort((a, b) => b - a)) available.splice(i, 1);
        const total = inputs.reduce((s, u) => s + u.coin.value, 0n);
        const keyOuts = t.outputs.filter((k) => k === 'key').length;
        const share = keyOuts > 0 ? (total - 1000n) / BigInt(keyOuts) : 0n;
        const outputs: TxOut[] = t.outputs.map((k, n) =>
          k === 'key'
            ? { value: share, script: TEST_SCRIPTS[(named + n) % 3]! }
            : k === 'opreturn'
              ? { value: 0n, script: opReturnScript(Uint8Array.of(n)) }
              : { value: 0n, script: new Uint8Array(MAX_SCRIPT_SIZE + 1) },
        );
        const tx = gen.spend(inputs, { outputs });
        txs.push(tx);
        const txid = tx.txid();
        outputs.forEach((o, vout) => {
          const coin = outputCoin(o, height, false);
          if (coin) available.push({ outpoint: { txid, vout }, coin });
        });
      }
      return txs;
    },
  });
}

describe('disconnectBlockTxs', () => {
  it('undoes connectBlockTxs exactly, block after block (property)', () => {
    let sawInner = 0;
    let sawUnspendable = 0;
    fc.assert(
      fc.property(sequencePlan, (plan) => {
        const start = viewOf(base[base.length - 1]!.utxos);
        const before = snapshot(start);
        const view = start.clone();
        const undos: { block: GenBlock; undo: Coin[] }[] = [];
        let parent = base[base.length - 1]!;
        for (const txs of plan) {
          const g = buildBlock(parent, txs);
          const res = connectBlockTxs(g.block, g.height, view, params);
          const changes = blockCoinChanges(g.block);
          // The same outpoints, in the same order, as the connect found.
          expect(changes.spent.map(outpointKey)).toEqual(res.spentOutpoints.map(outpointKey));
          expect(changes.created.map(outpointKey)).toEqual(res.created.map((c) => outpointKey(c.outpoint)));
          // The map keys handed along with them are theirs, in the same order.
          expect(res.spentKeys).toEqual(res.spentOutpoints.map(outpointMapKey));
          expect(res.createdKeys).toEqual(res.created.map((c) => outpointMapKey(c.outpoint)));
          for (const p of res.spentOutpoints) view.coins.delete(outpointKey(p));
          for (const c of res.created) view.coins.set(outpointKey(c.outpoint), c.coin);
          // Connect agrees with the naive model of the coin set.
          expect(snapshot(view)).toEqual(snapshot(viewOf(g.utxos)));
          const txids = new Set(g.block.txs.map((tx) => bytesToHex(tx.txid())));
          if (g.block.txs.slice(1).some((tx) => tx.inputs.some((i) => txids.has(bytesToHex(i.prevout.txid))))) sawInner++;
          if (g.block.txs.some((tx) => tx.outputs.some((o) => !outputCoin(o, 0, false)))) sawUnspendable++;
          undos.push({ block: g, undo: res.undo });
          parent = g;
        }
        for (const { block: g, undo } of undos.reverse()) {
          const d = disconnectBlockTxs(g.block, undo, view);
          for (const r of d.removed) expect(view.coins.delete(outpointKey(r.outpoint))).toBe(true);
          for (const r of d.restored) view.coins.set(outpointKey(r.outpoint), r.coin);
          expect(snapshot(view)).toEqual(snapshot(viewOf(g.parent!.utxos)));
        }
        expect(snapshot(view)).toEqual(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator reached the cases the undo rule exists for.
    expect(sawInner).toBeGreaterThan(0);
    expect(sawUnspendable).toBeGreaterThan(0);
  });

  it('never touches the view it is given', () => {
    const g = buildBlock(base[base.length - 1]!, [{ inputs: [0, 1], outputs: ['key', 'opreturn'] }, { inputs: [1000], outputs: ['key'] }]);
    const view = viewOf(base[base.length - 1]!.utxos);
    const res = connectBlockTxs(g.block, g.height, view, params);
    const after = view.clone();
    for (const p of res.spentOutpoints) after.coins.delete(outpointKey(p));
    for (const c of res.created) after.coins.set(outpointKey(c.outpoint), c.coin);
    const frozen = snapshot(after);
    disconnectBlockTxs(g.block, res.undo, after);
    expect(snapshot(after)).toEqual(frozen);
  });

  it('refuses undo data that does not fit the block, and a view missing a created coin', () => {
    const g = buildBlock(base[base.length - 1]!, [{ inputs: [0], outputs: ['key', 'key'] }]);
    const view = viewOf(base[base.length - 1]!.utxos);
    const res = connectBlockTxs(g.block, g.height, view, params);
    for (const p of res.spentOutpoints) view.coins.delete(outpointKey(p));
    for (const c of res.created) view.coins.set(outpointKey(c.outpoint), c.coin);
    expect(res.undo.length).toBe(1);
    expect(() => disconnectBlockTxs(g.block, [], view)).toThrow(UndoError);
    expect(() => disconnectBlockTxs(g.block, [...res.undo, res.undo[0]!], view)).toThrow(/undo data has 2 coins for the 1 outputs/);
    const missing = view.clone();
    missing.coins.delete(outpointKey(res.created[0]!.outpoint));
    expect(() => disconnectBlockTxs(g.block, res.undo, missing)).toThrow(/is not in the coin set/);
  });
});

describe('outputCoin', () => {
  it('makes a coin of every output but OP_RETURN and scripts over MAX_SCRIPT_SIZE', () => {
    const coin = (script: Uint8Array): Coin | undefined => outputCoin({ value: 5n, script }, 7, true);
    expect(coin(TEST_SCRIPTS[0]!)).toEqual({ value: 5n, script: TEST_SCRIPTS[0]!, height: 7, coinbase: true });
    expect(coin(new Uint8Array(MAX_SCRIPT_SIZE))).toBeDefined();
    expect(coin(new Uint8Array(MAX_SCRIPT_SIZE + 1))).toBeUndefined();
    expect(coin(opReturnScript(new Uint8Array(4)))).toBeUndefined();
    expect(outputCoin(undefined, 7, false)).toBeUndefined();
  });
});
