// Projected blocks over a real mempool: the first block is exactly the template's selection,
// every tx lands in exactly one block with its parents no later, blocks respect the weight
// limit (the last takes the rest), fee ranges are the txs' real rates, and for independent
// txs of one size the projection equals a naive model (sort by rate, cut into blocks).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { feeLevels, projectBlocks, selectPackages, weightedPercentiles } from '../../src/mining/index.js';
import { SCRIPT, coinbaseAt, outputOf, setup, spend, split, type Env } from '../mempool/helpers.js';

let env: Env;
let nextHeight = 1;
const coin = () => coinbaseAt(env.chain, nextHeight++);

beforeAll(async () => {
  env = await setup({ blocks: 160 });
});
afterAll(async () => env.close());

const rateOf = (fee: bigint, vsize: number) => Number(fee) / vsize;

describe('projectBlocks', () => {
  test('an empty mempool projects no blocks and no fee levels', () => {
    const blocks = projectBlocks(env.mempool.entries(), { maxWeight: 4_000_000 });
    expect(blocks).toEqual([]);
    expect(feeLevels(blocks)).toEqual([]);
  });

  test('a small mempool: one block whose range is its txs’ own rates, not one bin at the lowest', async () => {
    const txs = [];
    for (const satPerVb of [2n, 5n, 50n]) {
      const c = await coin();
      const probe = split(c, 1, 0n);
      const tx = split(c, 1, satPerVb * BigInt(probe.vsize));
      await env.mempool.accept(tx);
      txs.push(tx);
    }
    const blocks = projectBlocks(env.mempool.entries(), { maxWeight: 4_000_000 });
    expect(blocks).toHaveLength(1);
    const rates = blocks[0]!.txs.map((t) => t.rate);
    expect(rates).toEqual([50, 5, 2]);
    const w = weightedPercentiles(blocks[0]!.txs.map((t) => ({ rate: t.rate, vsize: t.entry.vsize })), [0, 0.5, 1]);
    expect(w).toEqual([2, 5, 50]);
    const levels = feeLevels(blocks);
    // levels from [2,3) to [50,60), empty ones between kept so the axis is honest
    expect(levels[0]).toMatchObject({ from: 2, to: 3, count: 1 });
    expect(levels.at(-1)).toMatchObject({ from: 50, to: 60, count: 1 });
    expect(levels.filter((l) => l.count > 0).map((l) => l.from)).toEqual([2, 5, 50]);
    expect(levels.reduce((s, l) => s + l.vsize, 0)).toBe(txs.reduce((s, t) => s + t.vsize, 0));
  });

  test('CPFP: a parent is credited with its package’s rate and comes first', async () => {
    const parent = split(await coin(), 1, 111n); // ~1 sat/vB
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 111n * 60n, script: SCRIPT }]);
    await env.mempool.accept(parent);
    await env.mempool.accept(child);
    const blocks = projectBlocks(env.mempool.entries(), { maxWeight: 4_000_000 });
    const all = blocks.flatMap((b) => b.txs);
    const ip = all.findIndex((t) => t.entry.txidHex === parent.txidHex());
    const ic = all.findIndex((t) => t.entry.txidHex === child.txidHex());
    expect(ip).toBeGreaterThanOrEqual(0);
    expect(ic).toBe(ip + 1);
    const pkgRate = (111 + 111 * 60) / (parent.vsize + child.vsize);
    expect(all[ip]!.rate).toBeCloseTo(pkgRate, 9);
    expect(all[ic]!.rate).toBeCloseTo(pkgRate, 9);
  });

  test('many blocks: first = the template’s selection; each tx once, parents no later; weight limits kept', async () => {
    // a few dozen txs at assorted rates, some with children
    const rates = [1, 3, 7, 2, 9, 4, 12, 6, 1, 15, 8, 5, 11, 2, 20, 3, 14, 6, 10, 4];
    for (const [i, r] of rates.entries()) {
      const c = await coin();
      const probe = split(c, 2, 0n);
      const tx = split(c, 2, BigInt(r) * BigInt(probe.vsize));
      await env.mempool.accept(tx);
      if (i % 4 === 0) {
        const kid = spend([outputOf(tx, 0)], [{ value: tx.outputs[0]!.value - BigInt(r * 3) * 200n, script: SCRIPT }]);
        await env.mempool.accept(kid);
      }
    }
    await env.mempool.idle();
    const entries = [...env.mempool.entries()];
    const oneWeight = entries[0]!.weight;
    const maxWeight = oneWeight * 5 + 100; // about five txs a block
    const blocks = projectBlocks(entries, { maxWeight, maxBlocks: 4 });
    expect(blocks.length).toBe(4);
    const first = selectPackages(env.mempool, maxWeight);
    expect(blocks[0]!.txs.map((t) => t.entry.txidHex)).toEqual(first.txs.map((t) => t.txidHex()));
    const where = new Map<string, number>();
    blocks.forEach((b, i) => b.txs.forEach((t) => where.set(t.entry.txidHex, i)));
    expect(where.size).toBe(entries.length);
    expect(blocks.reduce((s, b) => s + b.txs.length, 0)).toBe(entries.length);
    for (const e of entries) for (const p of e.parents) expect(where.get(p.txidHex)!).toBeLessThanOrEqual(where.get(e.txidHex)!);
    for (const b of blocks.slice(0, -1)) expect(b.weight).toBeLessThanOrEqual(maxWeight);
    expect(blocks.at(-1)!.weight).toBeGreaterThan(maxWeight); // the rest
    for (const b of blocks) {
      expect(b.fees).toBe(b.txs.reduce((s, t) => s + t.entry.fee, 0n));
      expect(b.vsize).toBe(b.txs.reduce((s, t) => s + t.entry.vsize, 0));
      expect(b.size).toBe(b.txs.reduce((s, t) => s + t.entry.tx.size, 0));
    }
    // the best package of all opens the first block
    expect(blocks[0]!.txs[0]!.rate).toBe(Math.max(...blocks.flatMap((b) => b.txs.map((t) => t.rate))));
    const levels = feeLevels(blocks);
    expect(levels.reduce((s, l) => s + l.count, 0)).toBe(entries.length);
  });
});

describe('projection against a naive model', () => {
  // independent txs of one weight: sort by rate (ties by txid), cut every `per` txs
  test('equals sort-and-cut for independent same-size txs (property)', () => {
    const mk = (i: number, fee: number) => ({
      txidHex: i.toString(16).padStart(64, '0'),
      fee: BigInt(fee),
      vsize: 100,
      weight: 400,
      ancestorFee: BigInt(fee),
      ancestorSize: 100,
      ancestorWeight: 400,
      ancestorCount: 1,
      parents: new Set(),
      children: new Set(),
      tx: { size: 150 },
    });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 100, max: 100_000 }), { minLength: 0, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), (fees, per, maxBlocks) => {
        const entries = fees.map((f, i) => mk(i, f));
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const blocks = projectBlocks(entries as any, { maxWeight: 400 * per, maxBlocks });
        const order = [...entries].sort((a, b) => Number(b.fee - a.fee) || (a.txidHex < b.txidHex ? -1 : 1)).map((e) => e.txidHex);
        const expected: string[][] = [];
        for (let i = 0; i < order.length; i += per) expected.push(order.slice(i, i + per));
        if (expected.length > maxBlocks) expected.splice(maxBlocks - 1, expected.length, expected.slice(maxBlocks - 1).flat());
        expect(blocks.map((b) => b.txs.map((t) => t.entry.txidHex))).toEqual(expected);
        for (const b of blocks) for (const t of b.txs) expect(t.rate).toBe(rateOf(t.entry.fee, 100));
      }),
      { numRuns: 200 },
    );
  });

  test('weighted percentiles: Core’s getblockstats rule against a direct expansion by vbyte', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ rate: fc.integer({ min: 1, max: 500 }), vsize: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 30 }), (txs) => {
        // one entry per vbyte: the f-quantile is the rate at vbyte ceil(f × total) (at least the first)
        const vbytes = [...txs].sort((a, b) => a.rate - b.rate).flatMap((t) => Array.from({ length: t.vsize }, () => t.rate));
        const fr = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];
        const want = fr.map((f) => vbytes[Math.max(0, Math.ceil(f * vbytes.length) - 1)]!);
        expect(weightedPercentiles(txs, fr)).toEqual(want);
      }),
    );
  });
});
