// The mempool's own coin view: its answers must not depend on what the chain's write-back
// cache happens to hold. With a tiny cache every flush empties it; before the view, a flush
// landing between the mempool's load of a coin and its check made a valid tx look like an
// orphan, and after a reorg evicted valid entries.
import { afterEach, describe, expect, test } from '@jest/globals';
import { OTHER_SCRIPT, coinbaseAt, fork, outputOf, setup, spend, split, type Env } from './helpers.js';

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** After every coin load or read the chain does for anyone, a flush of the (tiny) cache follows at once. */
function flushAfterEveryRead(e: Env): { flushes: () => number } {
  let flushes = 0;
  const chain = e.chain;
  const prefetch = chain.prefetchCoins.bind(chain);
  chain.prefetchCoins = async (ps) => {
    await prefetch(ps);
    await chain.flush();
    flushes++;
  };
  const read = chain.readCoins.bind(chain);
  chain.readCoins = async (ps) => {
    const r = await read(ps);
    void chain.flush().then(() => flushes++);
    return r;
  };
  return { flushes: () => flushes };
}

describe('mempool coin view under a tiny, constantly flushed cache', () => {
  test('valid txs (a chain spend and its mempool child) are accepted, not orphaned or refused', async () => {
    env = await setup({ blocks: 110, cacheBytes: 1 });
    const f = flushAfterEveryRead(env);
    const a = split(await coinbaseAt(env.chain, 1), 2, 1000n);
    const b = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 1000n, script: OTHER_SCRIPT }]);
    const c = split(await coinbaseAt(env.chain, 2), 1, 1000n);
    for (const tx of [a, b, c]) {
      const r = await env.mempool.accept(tx);
      expect(r.orphan).toBeUndefined();
      expect(r.fee).toBe(1000n);
      expect(env.mempool.has(tx.txid())).toBe(true);
      await env.chain.flush();
    }
    expect(env.mempool.orphanCount).toBe(0);
    expect(env.chain.coins.size).toBe(0); // the cache really was emptied
    expect(f.flushes()).toBeGreaterThan(0);
    // The view answers from disk: a's second output is a mempool coin, c's input is spent.
    expect((await env.mempool.getCoin(outputOf(a, 1).outpoint))!.value).toBe(a.outputs[1]!.value);
    expect(await env.mempool.getCoin((await coinbaseAt(env.chain, 2)).outpoint)).toBeUndefined();
    expect((await env.mempool.getCoin((await coinbaseAt(env.chain, 3)).outpoint))!.value).toBeGreaterThan(0n);
  });

  test('a reorg that keeps their coins evicts no valid entry', async () => {
    env = await setup({ blocks: 110, cacheBytes: 1 });
    const txs = [];
    for (let h = 1; h <= 5; h++) txs.push(split(await coinbaseAt(env.chain, h), 1, 1000n));
    for (const tx of txs) await env.mempool.accept(tx);
    flushAfterEveryRead(env);
    const tip = env.chain.height;
    expect(await fork(env, tip - 1, 2)).toBe(true);
    await env.mempool.idle();
    expect(env.chain.height).toBe(tip + 1);
    expect(env.mempool.txids().sort()).toEqual(txs.map((t) => t.txidHex()).sort());
  });

  test('submissions interleaved with mined blocks and flushes: every valid tx is in the pool or a block', async () => {
    env = await setup({ blocks: 120, cacheBytes: 1 });
    const sent = [];
    for (let i = 0; i < 12; i++) {
      const tx = split(await coinbaseAt(env.chain, i + 1), 2, 1000n + BigInt(i));
      const [r] = await Promise.all([env.mempool.accept(tx), i % 3 === 2 ? env.miner.generate(1) : env.chain.flush()]);
      expect(r.orphan).toBeUndefined();
      sent.push(tx);
    }
    await env.mempool.idle();
    for (const tx of sent) {
      const inPool = env.mempool.has(tx.txid());
      const confirmed = (await env.chain.getCoin({ txid: tx.txid(), vout: 0 })) !== undefined;
      expect([tx.txidHex(), inPool || confirmed]).toEqual([tx.txidHex(), true]);
      expect(inPool && confirmed).toBe(false);
    }
    expect(env.mempool.orphanCount).toBe(0);
    // Nothing left behind spends a coin the chain no longer has.
    for (const txid of env.mempool.txids()) {
      const e = env.mempool.get(txid)!;
      for (const i of e.tx.inputs) expect(await env.chain.getCoin(i.prevout)).toBeDefined();
    }
  });
});
