// Reorgs: txs of disconnected blocks come back, txs the new chain contradicts go with their
// descendants, and spends of coinbases that no longer exist are dropped.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { blockSubsidy } from '../../src/consensus/index.js';
import { createBlock } from '../../src/mining/index.js';
import { OTHER_SCRIPT, SCRIPT, coinbaseAt, fork, outputOf, params, setup, spend, split, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup({ blocks: 120 });
});
afterEach(async () => env.close());

describe('reorg handling', () => {
  test('after a failed reorg that returns to the old tip, the txs of the branch it tried come back (issue #14)', async () => {
    const x = await coinbaseAt(env.chain, 5);
    const spent = await coinbaseAt(env.chain, 6);
    await env.mempool.accept(split(spent, 1, 1000n));
    await env.miner.generate(2); // the spend of `spent` is confirmed below T
    const T = env.chain.tip;
    const spendX = split(x, 2, 1000n);
    const block = (prev: typeof T, txs: ReturnType<typeof split>[], salt: number) =>
      createBlock({
        params,
        prev: prev.hash,
        height: prev.height + 1,
        time: T.time + salt,
        bits: params.powLimitBits,
        txs,
        coinbase: { script: OTHER_SCRIPT, value: blockSubsidy(prev.height + 1, params) + 1000n * BigInt(txs.length), extraNonce: 0x7700 + salt },
        mine: true,
      });
    const T1 = block(T.prev!, [spendX], 3); // equal work with T, seen later
    expect((await env.chain.processBlock(T1)).status).toBe('accepted');
    const child = block(env.chain.getEntry(T1.hash())!, [split(spent, 1, 2000n)], 4); // re-spends `spent`
    const tips: string[] = [];
    env.chain.on('tip', (c) => tips.push(`${c.previous.hashHex}->${c.tip.hashHex} -${c.disconnected} +${c.connected}`));
    await expect(env.chain.processBlock(child)).rejects.toMatchObject({ code: 'bad-txns-inputs-missingorspent' });
    expect(env.chain.tip).toBe(T);
    expect(tips).toEqual([`${T.hashHex}->${T.hashHex} -2 +2`]);
    await env.mempool.idle();
    // T' went out again, and its spend of x is valid on T: back in the mempool.
    expect(env.mempool.has(spendX.txid())).toBe(true);
  });

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

  test('a local spend of a tx a reorg is putting back, submitted while the reorg runs, is accepted, not refused as missing (CI: spam saw missingorspent)', async () => {
    // Core updates the mempool for a reorg under cs_main before it accepts anything else;
    // here the reorg's re-adds must come before any submission the reorg overtook.
    const a = split(await coinbaseAt(env.chain, 7), 2, 1000n);
    await env.mempool.accept(a);
    const forkAt = env.chain.height;
    await env.miner.generate(1); // a confirmed
    expect(env.mempool.has(a.txid())).toBe(false);
    const children = [0, 1].map((v) => spend([outputOf(a, v)], [{ value: a.outputs[v]!.value - 1000n, script: SCRIPT }]));
    // The reorg (2 blocks without a) and the submissions race: the submissions' coin reads
    // wait for the chain lock the reorg holds, then see a chain without a.
    const reorg = fork(env, forkAt, 2);
    const accepted = children.map((c) => env.mempool.accept(c));
    expect(await reorg).toBe(true);
    for (const r of accepted) await expect(r).resolves.toMatchObject({ fee: 1000n });
    await env.mempool.idle();
    expect(env.mempool.has(a.txid())).toBe(true);
    for (const c of children) expect(env.mempool.get(c.txid())!.ancestorCount).toBe(2);
  });

  test('a local spend of an output no reorg brings back is still refused as missing', async () => {
    const a = split(await coinbaseAt(env.chain, 8), 1, 1000n);
    const ghost = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 1000n, script: SCRIPT }]);
    await expect(env.mempool.accept(ghost)).rejects.toMatchObject({ code: 'bad-txns-inputs-missingorspent' });
    expect(env.mempool.size).toBe(0);
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

describe('a block that confirms a parent while its child is being admitted', () => {
  test('the child is accepted, not refused as missing (devnet spam saw missingorspent for an output confirmed a moment before)', async () => {
    // The child's coin read is planned while its parent is in the mempool (so the parent's
    // output is not read from the chain) and waits for the chain lock the block holds; the
    // block takes the parent out of the mempool. The output is a chain coin by then.
    const a = split(await coinbaseAt(env.chain, 9), 2, 1000n);
    await env.mempool.accept(a);
    const tip = env.chain.tip;
    const block = createBlock({
      params,
      prev: tip.hash,
      height: tip.height + 1,
      time: tip.time + 1,
      bits: params.powLimitBits,
      txs: [a],
      coinbase: { script: OTHER_SCRIPT, value: blockSubsidy(tip.height + 1, params) + 1000n, extraNonce: 0x7800 },
      mine: true,
    });
    const children = [0, 1].map((v) => spend([outputOf(a, v)], [{ value: a.outputs[v]!.value - 1000n, script: SCRIPT }]));
    const connected = env.chain.processBlock(block);
    const accepted = children.map((c) => env.mempool.accept(c));
    await connected;
    expect(env.chain.tip.hash).toEqual(block.hash());
    for (const r of accepted) await expect(r).resolves.toMatchObject({ fee: 1000n });
    await env.mempool.idle();
    expect(env.mempool.has(a.txid())).toBe(false);
    for (const c of children) expect(env.mempool.get(c.txid())!.ancestorCount).toBe(1);
  });
});
