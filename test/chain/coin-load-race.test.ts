// A coin load that overlaps a block connect and a cache flush must not bring a spent coin
// back. Chain.getCoin/prefetchCoins used to load into the write-back cache without the
// chain's lock: the load read the coin from LevelDB, a block spent it and a flush (tiny
// cache) deleted it from disk and emptied the cache, and then the load put the stale,
// unspent coin into the cache, where the next block could spend it a second time.
import { afterEach, expect, test } from '@jest/globals';
import { coinbaseAt, fork, setup, split, type Env } from '../mempool/helpers.js';

let env: Env | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

test('a load racing a connect and a flush leaves the spent coin spent; a second spend is refused', async () => {
  env = await setup({ blocks: 110, cacheBytes: 1 });
  const { chain, mempool, miner } = env;
  const c = await coinbaseAt(chain, 1);
  const first = split(c, 1, 1000n);
  await mempool.accept(first);
  await chain.flush();
  expect(chain.coins.size).toBe(0);

  // Hold the next LevelDB coin read until the block that spends the coin is connected and
  // flushed (or, when the load holds the chain's lock and so keeps the block out, 1 s).
  const getCoins = chain.db.getCoins.bind(chain.db);
  let gated = false;
  let reached = false;
  const tipBefore = chain.tip;
  chain.db.getCoins = async (ps) => {
    if (gated) return getCoins(ps);
    gated = true;
    const r = await getCoins(ps);
    reached = true;
    const deadline = Date.now() + 1000;
    while (chain.tip === tipBefore && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    if (chain.tip !== tipBefore) await chain.flush().catch(() => undefined);
    return r;
  };
  const load = chain.getCoin(c.outpoint);
  while (!reached) await new Promise((res) => setTimeout(res, 5));
  const mined = miner.generate(1);
  await Promise.all([load, mined]);
  chain.db.getCoins = getCoins;
  expect(chain.tip).not.toBe(tipBefore);
  expect(mempool.has(first.txid())).toBe(false); // confirmed

  expect(await chain.getCoin(c.outpoint)).toBeUndefined();
  const again = split(c, 1, 5000n);
  const height = chain.height;
  expect(await fork(env, height, 1, [[again]], 7)).toBe(false);
  expect(chain.height).toBe(height);
});
