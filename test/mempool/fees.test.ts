// Fee estimation: learned targets from observed confirmation times, and the fallbacks.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FeeEstimator, Mempool, bucketOf } from '../../src/mempool/index.js';
import { coinbaseAt, params, setup, split, type Env } from './helpers.js';

/** Feeds `blocks` blocks: each gets `perBlock` fast txs at `fast` sat/kvB confirming in 1
 * block, and the same number at `slow` sat/kvB confirming after `slowWait` blocks. */
function train(est: FeeEstimator, o: { blocks: number; perBlock: number; fast: number; slow: number; slowWait: number; start?: number }): number {
  let h = o.start ?? 100;
  const pending: [number, string[]][] = [];
  let n = 0;
  for (let b = 0; b < o.blocks; b++) {
    const fastKeys: string[] = [];
    const slowKeys: string[] = [];
    for (let i = 0; i < o.perBlock; i++) {
      const f = `f${n}`;
      const s = `s${n++}`;
      est.track(f, h, o.fast);
      est.track(s, h, o.slow);
      fastKeys.push(f);
      slowKeys.push(s);
    }
    pending.push([h + o.slowWait, slowKeys]);
    h++;
    const due = pending.filter(([at]) => at === h).flatMap(([, k]) => k);
    est.processBlock(h, [...fastKeys, ...due]);
  }
  return h;
}

describe('FeeEstimator', () => {
  test('without history it answers the fallback, floored at the minimum', () => {
    const est = new FeeEstimator({ minFeeRate: () => 1000, fallback: (t) => (t === 1 ? 7000 : 500) });
    expect(est.estimate(1)).toBe(7);
    expect(est.estimate(6)).toBe(1); // fallback below the floor
    const plain = new FeeEstimator();
    // Esplora's targets: 1-25, 144, 504, 1008
    expect(Object.keys(plain.estimates()).map(Number)).toEqual([...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008]);
    expect(new Set(Object.values(plain.estimates()))).toEqual(new Set([1]));
  });

  test('learns that fast confirmation needs the high rate and patience the low one', () => {
    const est = new FeeEstimator({ minFeeRate: () => 1000 });
    train(est, { blocks: 60, perBlock: 3, fast: 20_000, slow: 2_000, slowWait: 8 });
    const e = est.estimates();
    expect(e['1']).toBeGreaterThan(15);
    expect(e['1']).toBeLessThanOrEqual(21);
    expect(e['3']).toBeGreaterThan(15);
    expect(e['12']).toBeLessThan(3);
    expect(e['144']).toBeLessThan(3);
    // Longer targets never cost more.
    const vals = Object.values(e);
    for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeLessThanOrEqual(vals[i - 1]!);
  });

  test('txs still waiting beyond a target count against their fee level', () => {
    const est = new FeeEstimator({ minFeeRate: () => 1000, fallback: () => 99_000 });
    // Low-fee txs never confirm; high-fee ones do, every block.
    let h = 10;
    for (let b = 0; b < 30; b++) {
      est.track(`low${b}`, h, 1500);
      est.track(`hi${b}`, h, 30_000);
      h++;
      est.processBlock(h, [`hi${b}`]);
    }
    expect(est.estimate(6)).toBeGreaterThan(20);
    expect(est.trackedCount).toBe(30);
    // Evicted low-fee txs keep counting as failures.
    for (let b = 0; b < 30; b++) est.untrack(`low${b}`);
    expect(est.trackedCount).toBe(0);
    expect(est.estimate(6)).toBeGreaterThan(20);
  });

  test('buckets are ordered and clamp at both ends', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1000)).toBe(0);
    expect(bucketOf(2000)).toBeGreaterThan(bucketOf(1500));
    expect(bucketOf(1e12)).toBe(bucketOf(1e13));
  });
});

describe('mempool fee estimates', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({ blocks: 110 });
  });
  afterAll(async () => env.close());

  test('with no history the mempool backlog decides; confirmations are then learned', async () => {
    // A pool whose idea of a block is 250 vB, so six 111 vB txs are a backlog of ~3 blocks.
    const mp = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, params: { ...params, maxBlockWeight: 1000 } });
    try {
      expect(mp.fees.estimates()['1']).toBe(1); // empty pool: relay minimum
      const txs = [];
      for (let i = 1; i <= 6; i++) txs.push(split(await coinbaseAt(env.chain, i), 1, BigInt(111 * 10 * i)));
      for (const t of txs) await mp.accept(t);
      // Depth 250 vB reaches the third-best tx (40 sat/vB); outbid it by the incremental fee.
      expect(mp.fees.estimate(1)).toBeCloseTo(41, 5);
      expect(mp.fees.estimate(3)).toBe(1); // the whole backlog fits in 3 blocks
      expect(mp.fees.trackedCount).toBe(6);
      for (const t of txs) await env.mempool.accept(t);
      await env.miner.generate(1);
      expect(mp.size).toBe(0);
      expect(mp.fees.trackedCount).toBe(0);
    } finally {
      mp.close();
    }
  });
});
