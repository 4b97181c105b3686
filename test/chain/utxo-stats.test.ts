// The UTXO digest's bookkeeping (pending insertions, factors multiplied out elsewhere and
// arriving in any order, failed offloads, abandoned blocks, disconnects) against a model:
// the coin set replayed into a Map and hashed from scratch. And the verify pool's product
// against the same elements multiplied out here, with workers and with every worker gone.
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MuHash3072, VerifyPool } from '../../src/chain/index.js';
import { coinDigestElement } from '../../src/chain/layout.js';
import { elementsProduct } from '../../src/chain/muhash.js';
import { OFFLOAD_MIN, UtxoStatistics } from '../../src/chain/utxo-stats.js';
import type { ConnectResult, CreatedCoin } from '../../src/consensus/index.js';
import { ChainEntry } from '../../src/chain/entry.js';
import { getParams } from '../../src/consensus/index.js';
import { hashToHex, outpointMapKey } from '../../src/primitives/index.js';

const genesis = getParams('regtest').genesis;
const tip = new ChainEntry(genesis.hash(), genesis.header, 0, 1n, 0, null);

/** The digest of `coins` computed from nothing. */
function modelDigest(coins: Map<string, CreatedCoin>): string {
  const m = new MuHash3072();
  for (const { outpoint, coin } of coins.values()) m.insert(coinDigestElement(outpoint, coin));
  return hashToHex(m.finalize());
}

/** An offload whose answers the test hands out, in any order, or refuses. */
class HeldOffload {
  readonly held: { elements: readonly Uint8Array[]; resolve: (v: bigint) => void; reject: (e: Error) => void }[] = [];
  calls = 0;
  readonly fn = (elements: readonly Uint8Array[]): Promise<bigint> => {
    this.calls++;
    return new Promise((resolve, reject) => this.held.push({ elements: [...elements], resolve, reject }));
  };
  /** Answers (or, with `fail`, refuses) the held request at `pick` modulo their count. */
  release(pick: number, fail: boolean): void {
    if (this.held.length === 0) return;
    const [h] = this.held.splice(pick % this.held.length, 1);
    if (fail) h!.reject(new Error('pool closed'));
    else h!.resolve(elementsProduct(h!.elements));
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

type Op =
  | { kind: 'connect'; spend: number; create: number; commit: boolean; seed: number }
  | { kind: 'disconnect' }
  | { kind: 'release'; pick: number; fail: boolean }
  | { kind: 'settle'; keep: number }
  | { kind: 'check' };

// Sizes on both sides of OFFLOAD_MIN and past PRODUCT_SLICE's pieces (fast-check's own
// integers lean small, and the offloaded paths start at 64 elements).
const size = fc.oneof(fc.nat(10), fc.constantFrom(OFFLOAD_MIN - 1, OFFLOAD_MIN, 90, 160, 600));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('connect' as const), spend: size, create: size, commit: fc.boolean(), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'disconnect' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), fail: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), keep: fc.oneof(fc.constant(0), fc.nat(200)) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'check' as const }) },
);

describe('UTXO statistics: digest bookkeeping against a replayed coin set', () => {
  it('matches the digest of the coin set after any mix of connects, disconnects, late or failed factors and settles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 24 }), fc.boolean(), async (ops, withOffload) => {
        const offload = new HeldOffload();
        const stats = UtxoStatistics.empty(withOffload ? offload.fn : undefined);
        const model = new Map<string, CreatedCoin>();
        const history: { created: CreatedCoin[]; spent: CreatedCoin[] }[] = [];
        let next = 0;
        for (const op of ops) {
          if (op.kind === 'connect') {
            // Spend coins picked by the seed (the very objects created: the coin cache hands
            // out what it was given), create fresh ones.
            const all = [...model.values()];
            const spent: CreatedCoin[] = [];
            for (let i = 0; i < Math.min(op.spend, all.length); i++) {
              const j = (op.seed + i * 7919) % all.length;
              if (!spent.includes(all[j]!)) spent.push(all[j]!);
            }
            const created: CreatedCoin[] = [];
            for (let i = 0; i < op.create; i++, next++) {
              const txid = new Uint8Array(32);
              new DataView(txid.buffer).setUint32(0, next);
              created.push({ outpoint: { txid, vout: i % 3 }, coin: { value: BigInt(next * 1000 + 1), script: new Uint8Array([0x51, 0x20, ...txid]), height: history.length + 1, coinbase: i === 0 } });
            }
            const res: ConnectResult = {
              fees: 0n,
              undo: spent.map((c) => c.coin),
              spentOutpoints: spent.map((c) => c.outpoint),
              spentKeys: spent.map((c) => outpointMapKey(c.outpoint)),
              created,
              createdKeys: created.map((c) => outpointMapKey(c.outpoint)),
              sigChecks: [],
            };
            const prep = stats.prepareSpends(res);
            if (!op.commit) continue; // the block failed its signatures: nothing applied
            stats.commitConnect(res, prep);
            for (const c of spent) model.delete(outpointMapKey(c.outpoint));
            for (const c of created) model.set(outpointMapKey(c.outpoint), c);
            history.push({ created, spent });
          } else if (op.kind === 'disconnect') {
            const last = history.pop();
            if (!last) continue;
            stats.commitDisconnect({ removed: [...last.created].reverse(), restored: [...last.spent].reverse() });
            for (const c of last.created) model.delete(outpointMapKey(c.outpoint));
            for (const c of last.spent) model.set(outpointMapKey(c.outpoint), c);
          } else if (op.kind === 'release') {
            offload.release(op.pick, op.fail);
            await flush();
          } else if (op.kind === 'settle') {
            const settling = stats.settle(op.keep);
            // keep > 0 never waits; keep = 0 waits for every factor, so answer them all
            while (op.keep === 0 && offload.held.length > 0) {
              await flush();
              offload.release(0, false);
            }
            await settling;
            expect(stats.pendingCount).toBeLessThanOrEqual(op.keep);
          } else {
            expect(stats.snapshot(tip).digest).toBe(modelDigest(model));
          }
        }
        expect(stats.snapshot(tip).digest).toBe(modelDigest(model));
        // Stored as a flush stores it: factors folded, the waiting coins named by outpoint
        // and read back from the coin set, which must hold every one of them.
        const folding = stats.foldFactors();
        for (let i = 0; i < 100 && offload.held.length > 0; i++) {
          await flush();
          offload.release(i, i % 4 === 0);
        }
        await folding;
        const flushed = UtxoStatistics.decode(stats.encode());
        expect(flushed.waiting).toHaveLength(stats.pendingCount);
        const waitingCoins = flushed.waiting.map((p) => model.get(outpointMapKey(p)));
        expect(waitingCoins.filter((c) => c === undefined)).toHaveLength(0);
        flushed.stats.restoreWaiting(waitingCoins as CreatedCoin[]);
        expect(flushed.stats.snapshot(tip).digest).toBe(modelDigest(model));
        await flushed.stats.settle(0); // no offload: folded here
        expect(flushed.stats.pendingCount).toBe(0);
        expect(flushed.stats.snapshot(tip).digest).toBe(modelDigest(model));
        const settling = stats.settle(0);
        for (let i = 0; i < 100 && offload.held.length + stats.pendingCount > 0; i++) {
          await flush();
          offload.release(i, i % 3 === 0);
        }
        await settling;
        const { stats: stored, waiting } = UtxoStatistics.decode(stats.encode());
        expect(waiting).toHaveLength(0);
        expect(stored.snapshot(tip).digest).toBe(modelDigest(model));
        expect(stored.totals()).toEqual({ txouts: model.size, totalAmount: [...model.values()].reduce((s, c) => s + c.coin.value, 0n) });
        if (!withOffload) expect(offload.calls).toBe(0);
      }),
      { numRuns: 80 },
    );
  }, 120_000);

  it('offloads only products of at least OFFLOAD_MIN elements and refuses to encode with factors outstanding', async () => {
    const offload = new HeldOffload();
    const stats = UtxoStatistics.empty(offload.fn);
    const coins = (n: number, from: number): CreatedCoin[] =>
      Array.from({ length: n }, (_, i) => ({ outpoint: { txid: new Uint8Array(32).fill(from + i), vout: 0 }, coin: { value: 1n, script: new Uint8Array([1]), height: 1, coinbase: false } }));
    const connect = (created: CreatedCoin[]) => {
      const res: ConnectResult = { fees: 0n, undo: [], spentOutpoints: [], spentKeys: [], created, createdKeys: created.map((c) => outpointMapKey(c.outpoint)), sigChecks: [] };
      stats.commitConnect(res, stats.prepareSpends(res));
    };
    connect(coins(OFFLOAD_MIN - 1, 0));
    await stats.settle(0); // few: multiplied out here
    expect(offload.calls).toBe(0);
    connect(coins(OFFLOAD_MIN, 100));
    const settling = stats.settle(0);
    expect(offload.calls).toBe(1);
    expect(() => stats.encode()).toThrow(/in flight/);
    offload.release(0, false);
    await settling;
    expect(stats.encode()).toHaveLength(785); // digest, counts and no waiting coins
    connect(coins(3, 200));
    expect(stats.encode()).toHaveLength(785 + 3 * 36);
  });
});

describe('VerifyPool.product', () => {
  const pools: VerifyPool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('equals the product multiplied out here, on workers and after every worker is gone', async () => {
    const pool = new VerifyPool({ threads: 2, verifier: 'wasm' });
    pools.push(pool);
    const elements = (seed: number, n: number) => Array.from({ length: n }, (_, i) => new Uint8Array([seed, i & 0xff, i >> 8, 7, 7, 7]));
    for (const n of [0, 1, 65, 500]) {
      const e = elements(n, n);
      expect(await pool.product(e)).toBe(elementsProduct(e));
    }
    // Workers that die are taken out of the rotation: requests are answered here instead
    // of being posted where nothing answers.
    const workers = (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers;
    await Promise.all(workers.map((w) => w.terminate()));
    await flush();
    expect(pool.workersRunning).toBe(0);
    const e = elements(9, 70);
    expect(await pool.product(e)).toBe(elementsProduct(e));
    // More checks than are ever verified inline: they go through the (gone) workers' path.
    const bad = Array.from({ length: 20 }, () => ({ sig: new Uint8Array(64), msg: new Uint8Array(32), pubkey: new Uint8Array(32), txIndex: 0, inputIndex: 0 }));
    expect(await pool.verify(bad as never)).toBe(0);
  });
});
