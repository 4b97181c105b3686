// Reorgs: txs of disconnected blocks come back, txs the new chain contradicts go with their
// descendants, and spends of coinbases that no longer exist are dropped.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { OTHER_SCRIPT, SCRIPT, coinbaseAt, fork, outputOf, setup, spend, split, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup({ blocks: 120 });
});
afterEach(async () => env.close());

describe('reorg handling', () => {
  test('txs of disconnected blocks return and relink with their mempool children', async () => {
    const a = split(await coinbaseAt(env.chain, 1), 2, 1000n);
    await env.mempool.accept(a);
    const forkAt = env.chain.height;
    await env.miner.generate(1);
    expect(env.mempool.has(a.txid())).toBe(false);
    const c = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 1000n, script: SCRIPT }]);
    await env.mempool.accept(c);
    expect(env.mempool.get(c.txid())!.ancestorCount).toBe(1);

    const removed: string[] = [];
    env.mempool.on('removed', (t) => removed.push(t));
    expect(await fork(env, forkAt, 2)).toBe(true);
    await env.mempool.idle();
    expect(env.mempool.has(a.txid())).toBe(true);
    expect(env.mempool.has(c.txid())).toBe(true);
    const ea = env.mempool.get(a.txid())!;
    const ec = env.mempool.get(c.txid())!;
    expect([...ec.parents]).toEqual([ea]);
    expect(ec.ancestorCount).toBe(2);
    expect(ec.ancestorFee).toBe(2000n);
    expect(ea.descendantCount).toBe(2);
    expect(removed).toEqual([]);
  });

  test('a tx the new chain double-spends is not re-added; its mempool children go', async () => {
    const coin = await coinbaseAt(env.chain, 2);
    const a = split(coin, 2, 1000n);
    await env.mempool.accept(a);
    const forkAt = env.chain.height;
    await env.miner.generate(1);
    const c = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 1000n, script: SCRIPT }]);
    const unrelated = split(await coinbaseAt(env.chain, 3), 1, 1000n);
    await env.mempool.accept(c);
    await env.mempool.accept(unrelated);
    const doubleSpend = spend([coin], [{ value: coin.coin.value - 5000n, script: OTHER_SCRIPT }]);
    const removed: [string, string][] = [];
    env.mempool.on('removed', (t, r) => removed.push([t, r]));
    expect(await fork(env, forkAt, 2, [[doubleSpend]])).toBe(true);
    await env.mempool.idle();
    expect(env.mempool.has(a.txid())).toBe(false);
    expect(env.mempool.has(c.txid())).toBe(false);
    expect(env.mempool.has(unrelated.txid())).toBe(true);
    expect(removed).toContainEqual([c.txidHex(), 'reorg']);
  });

  test('a mempool tx conflicting with a tx of the new chain is removed as a conflict', async () => {
    const coin = await coinbaseAt(env.chain, 4);
    const a = split(coin, 1, 1000n);
    await env.mempool.accept(a);
    const child = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 1000n, script: SCRIPT }]);
    await env.mempool.accept(child);
    const removed: [string, string][] = [];
    env.mempool.on('removed', (t, r) => removed.push([t, r]));
    const doubleSpend = spend([coin], [{ value: coin.coin.value - 5000n, script: OTHER_SCRIPT }]);
    expect(await fork(env, env.chain.height - 1, 2, [[], [doubleSpend]])).toBe(true);
    await env.mempool.idle();
    expect(env.mempool.size).toBe(0);
    expect(removed.sort()).toEqual([[a.txidHex(), 'conflict'], [child.txidHex(), 'conflict']].sort());
  });

  test('spends of a coinbase whose block was disconnected are removed', async () => {
    // The coinbase at height 21 is mature at 121; a fork from 20 replaces it.
    const cb = await coinbaseAt(env.chain, 21);
    const s = split(cb, 1, 1000n);
    await env.mempool.accept(s);
    const keep = split(await coinbaseAt(env.chain, 5), 1, 1000n);
    await env.mempool.accept(keep);
    expect(await fork(env, 20, env.chain.height - 20 + 1)).toBe(true);
    await env.mempool.idle();
    expect(env.mempool.has(s.txid())).toBe(false);
    expect(env.mempool.has(keep.txid())).toBe(true);
  });
});
