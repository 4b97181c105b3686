// Size-limit eviction with the rolling minimum fee, and expiry under a manual clock.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PolicyError } from '../../src/mempool/index.js';
import { Tx } from '../../src/primitives/index.js';
import { SCRIPT, coinbaseAt, outputOf, setup, spend, split, type Env, type Spendable } from './helpers.js';

let env: Env;
let nextHeight = 1;
const coin = (): Promise<Spendable> => coinbaseAt(env.chain, nextHeight++);
/** A 1-in-1-out spend (111 vB) paying `satPerVb`. */
const at = async (satPerVb: number): Promise<Tx> => split(await coin(), 1, BigInt(Math.round(111 * satPerVb)));

beforeAll(async () => {
  env = await setup({ blocks: 140, limits: { maxBytes: 1000, expiryMs: 3600_000 } });
});
afterAll(async () => env.close());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PolicyError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('size limit', () => {
  test('the cheapest package goes first and the minimum fee rises', async () => {
    const txs: Tx[] = [];
    for (let r = 2; r <= 10; r++) txs.push(await at(r));
    expect(txs[0]!.vsize).toBe(111);
    for (const t of txs) await env.mempool.accept(t);
    expect(env.mempool.vsize).toBe(999);
    expect(env.mempool.info().minFeeRate).toBe(1);

    const removed: [string, string][] = [];
    env.mempool.on('removed', (t, r) => removed.push([t, r]));
    const rich = await at(20);
    await env.mempool.accept(rich);
    expect(removed).toEqual([[txs[0]!.txidHex(), 'evicted']]);
    expect(env.mempool.vsize).toBeLessThanOrEqual(1000);
    // evicted package rate (2 sat/vB) + incremental relay fee (1 sat/vB)
    expect(env.mempool.info().minFeeRate).toBeCloseTo(3, 5);
    expect(await code(env.mempool.accept(await at(2.5)))).toBe('mempool-min-fee-not-met');
  });

  test('a tx above the minimum but cheapest in a full pool is mempool-full', async () => {
    const c = await coin();
    // 4 outputs: ~283 vB at 3.2 sat/vB; it outweighs what evicting the 3 sat/vB tx frees.
    const big = spend([c], Array.from({ length: 5 }, () => ({ value: (c.coin.value - 1000n) / 5n, script: SCRIPT })));
    const fee = c.coin.value - big.outputs.reduce((s, o) => s + o.value, 0n);
    expect(Number(fee) / big.vsize).toBeGreaterThan(3);
    expect(Number(fee) / big.vsize).toBeLessThan(4);
    expect(await code(env.mempool.accept(big))).toBe('mempool-full');
    expect(env.mempool.has(big.txid())).toBe(false);
    expect(env.mempool.vsize).toBeLessThanOrEqual(1000);
  });

  test('a low-fee parent survives while a high-fee child pays for it (descendant score)', async () => {
    const mpBefore = env.mempool.size;
    // The parent pays just the current minimum: alone it would be the first to go.
    const parent = split(await coin(), 1, BigInt(Math.ceil((env.mempool.minFeeRate() * 111) / 1000)));
    await env.mempool.accept(parent);
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 111n * 30n, script: SCRIPT }]);
    await env.mempool.accept(child);
    expect(env.mempool.has(parent.txid())).toBe(true);
    expect(env.mempool.has(child.txid())).toBe(true);
    expect(env.mempool.size).toBeLessThanOrEqual(mpBefore + 1);
    const cheapest = Math.min(...[...env.mempool.entries()].map((e) => e.feeRate));
    expect(cheapest).toBe(env.mempool.get(parent.txid())!.feeRate); // kept by its child
  });

  test('the rolling minimum decays after a block', async () => {
    const before = env.mempool.minFeeRate();
    expect(before).toBeGreaterThan(1000);
    await env.miner.generate(1);
    expect(env.mempool.size).toBe(0);
    env.clock.advance(3 * 3600_000); // empty pool: half-life 12 h / 4
    const after = env.mempool.minFeeRate();
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThanOrEqual(1000);
    env.clock.advance(48 * 3600_000);
    expect(env.mempool.minFeeRate()).toBe(1000);
  });
});

describe('expiry', () => {
  test('entries older than expiryMs leave with their descendants', async () => {
    const old = split(await coin(), 1, 500n);
    await env.mempool.accept(old);
    env.clock.advance(30 * 60_000);
    const child = spend([outputOf(old, 0)], [{ value: old.outputs[0]!.value - 500n, script: SCRIPT }]);
    const young = split(await coin(), 1, 500n);
    await env.mempool.accept(child);
    await env.mempool.accept(young);
    env.clock.advance(31 * 60_000);
    const removed: [string, string][] = [];
    env.mempool.on('removed', (t, r) => removed.push([t, r]));
    expect(env.mempool.expire()).toBe(2);
    expect(removed.sort()).toEqual([[old.txidHex(), 'expired'], [child.txidHex(), 'expired']].sort());
    expect(env.mempool.has(young.txid())).toBe(true);
    env.clock.advance(30 * 60_000);
    // Expiry also runs before each accept batch.
    await env.mempool.accept(split(await coin(), 1, 500n));
    expect(env.mempool.has(young.txid())).toBe(false);
  });
});
