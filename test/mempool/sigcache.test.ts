// The signature cache end to end: transactions accepted to the mempool leave their
// verified signatures in the cache, and a block made of them connects without verifying
// them again; a transaction the node never saw is verified in full; a bad signature is
// refused by the mempool, never cached, and still refused in a block.
import { afterEach, describe, expect, it } from '@jest/globals';
import { SigCache, VerifyPool } from '../../src/chain/index.js';
import { taprootSigChecks } from '../../src/consensus/index.js';
import { seededRng, selectVerifier, Tx, type SchnorrVerifier, type VerifierSelection } from '../../src/primitives/index.js';
import { BACKENDS } from '../support/backends.js';
import { coinbaseAt, fork, outputOf, setup, split, spend, SCRIPT, type Env } from './helpers.js';

/** A backend whose calls are counted (threads: 0, so every verify runs on this thread). */
function counting(backend: 'native' | 'wasm'): { selection: VerifierSelection; calls: () => number } {
  const inner = selectVerifier(backend);
  let calls = 0;
  const verifier: SchnorrVerifier = {
    name: `counting ${backend}`,
    verify(sig, msg, pk) {
      calls++;
      return inner.verifier.verify(sig, msg, pk);
    },
  };
  return { selection: { ...inner, verifier }, calls: () => calls };
}

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe.each(BACKENDS)('signature cache with the %s verifier', (backend) => {
  it('a block of mempool transactions connects without verifying their signatures again', async () => {
    const c = counting(backend);
    const cache = new SigCache({ rng: seededRng(11) });
    const pool = new VerifyPool({ threads: 0, verifier: c.selection, sigCache: cache });
    env = await setup({ blocks: 105, pool });
    const parent = split(await coinbaseAt(env.chain, 1), 4, 10_000n);
    await env.mempool.accept(parent);
    const children = [0, 1, 2].map((i) => spend([outputOf(parent, i)], [{ value: outputOf(parent, i).coin.value - 5_000n, script: SCRIPT }]));
    for (const tx of children) await env.mempool.accept(tx);
    expect(c.calls()).toBe(4);
    expect(cache.size).toBe(4);

    const before = { calls: c.calls(), cached: pool.stats.cached };
    await env.miner.generate(1);
    const block = (await env.chain.getBlock(env.chain.tip.hash))!;
    expect(block.txs.length).toBe(5); // coinbase + the 4 mempool transactions
    expect(c.calls() - before.calls).toBe(0); // no signature verified again
    expect(pool.stats.cached - before.cached).toBe(4);
    expect(cache.size).toBe(0); // a block's hits leave the cache (they are not needed again)
  });

  it('a transaction the mempool never saw is verified in full when its block connects', async () => {
    const c = counting(backend);
    const cache = new SigCache({ rng: seededRng(12) });
    const pool = new VerifyPool({ threads: 0, verifier: c.selection, sigCache: cache });
    env = await setup({ blocks: 105, pool });
    const seen = split(await coinbaseAt(env.chain, 1), 2, 10_000n);
    await env.mempool.accept(seen);
    const unseen = spend([await coinbaseAt(env.chain, 2), await coinbaseAt(env.chain, 3)], [{ value: 99n * 100_000_000n, script: SCRIPT }]);
    const before = c.calls();
    expect(await fork(env, env.chain.height, 1, [[seen, unseen]])).toBe(true);
    expect(c.calls() - before).toBe(2); // unseen's two inputs; seen's came from the cache
  });

  it('a bad signature is refused by the mempool, never cached, and refused again in a block', async () => {
    const c = counting(backend);
    const cache = new SigCache({ rng: seededRng(13) });
    const pool = new VerifyPool({ threads: 0, verifier: c.selection, sigCache: cache });
    env = await setup({ blocks: 105, pool });
    const coin = await coinbaseAt(env.chain, 1);
    const good = split(coin, 2, 10_000n);
    const w = new Uint8Array(good.inputs[0]!.witness[0]!);
    w[7]! ^= 0x40;
    const forged = new Tx({ ...good, inputs: [{ ...good.inputs[0]!, witness: [w] }] });
    await expect(env.mempool.accept(forged)).rejects.toMatchObject({ code: 'bad-schnorr-sig' });
    const check = taprootSigChecks(forged, [{ ...coin.coin, height: 1, coinbase: true }], 0)[0]!;
    expect(cache.has(cache.key(check))).toBe(false);
    expect(cache.size).toBe(0);
    const tip = env.chain.height;
    const calls = c.calls();
    expect(await fork(env, tip, 1, [[forged]])).toBe(false);
    expect(c.calls() - calls).toBe(1); // verified (not taken from the cache) and refused
    expect(env.chain.height).toBe(tip);
  });

  it('a block tx with a mempool tx\'s txid but another witness is checked as itself, not through the mempool\'s object', async () => {
    const c = counting(backend);
    const pool = new VerifyPool({ threads: 0, verifier: c.selection, sigCache: new SigCache({ rng: seededRng(14) }) });
    env = await setup({ blocks: 105, pool });
    const good = split(await coinbaseAt(env.chain, 1), 2, 10_000n);
    await env.mempool.accept(good);
    const w = new Uint8Array(good.inputs[0]!.witness[0]!);
    w[9]! ^= 0x01;
    const forged = new Tx({ ...good, inputs: [{ ...good.inputs[0]!, witness: [w] }] });
    expect(forged.txid()).toEqual(good.txid()); // the same txid, and the mempool's tx spends the same first input
    const tip = env.chain.height;
    const calls = c.calls();
    expect(await fork(env, tip, 1, [[forged]])).toBe(false);
    expect(c.calls() - calls).toBe(1); // its own signature, verified and refused
    expect(env.chain.height).toBe(tip);
    // The same block with the real tx, decoded from bytes (other objects): connects from the cache.
    expect(await fork(env, tip, 1, [[Tx.decode(good.encode())]])).toBe(true);
    expect(c.calls() - calls).toBe(1);
    expect(env.chain.height).toBe(tip + 1);
    // ... through the mempool's own object, taken in place of the decoded one
    expect((await env.chain.getBlock(env.chain.tip.hash))!.txs[1]).toBe(good);
    expect(env.mempool.has(good.txid())).toBe(false);
  });
});
