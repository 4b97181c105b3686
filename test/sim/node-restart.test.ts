// A simulated node restarted twice at once starts once. With --disk, opening LevelDB takes
// real time while simulated time runs on, so the world's end-of-faults "restart every
// node that is down" could land while a scheduled restart was still opening the store;
// the second start() opened the same store again, failed to listen ('already in use')
// and left the node holding a chain and mempool no network fed (a full-suite run saw
// mempool conflicts and invalid templates on that node).
import { afterAll, expect, it } from '@jest/globals';
import { VerifyPool } from '../../src/chain/index.js';
import { regtestParams } from '../../src/consensus/index.js';
import { seededRng } from '../../src/primitives/index.js';
import { SimNetwork } from '../../sim/network.js';
import { SimNode } from '../../sim/node.js';
import { Scheduler } from '../../sim/scheduler.js';
import { diskStores } from '../../sim/store.js';

const stores = diskStores();
const pool = new VerifyPool({ threads: 0 });
afterAll(async () => {
  await pool.close();
  await stores.cleanup();
});

it('two restarts of a down node at once make one incarnation, listening once', async () => {
  const sched = new Scheduler(regtestParams.genesis.header.time * 1000);
  const net = new SimNetwork(sched, seededRng(1));
  const errors: string[] = [];
  const node = new SimNode({
    name: 'n0',
    params: regtestParams,
    sched,
    net,
    pool,
    store: stores.make(),
    stores,
    rng: seededRng(2),
    skewMs: 0,
    seeds: [],
    payTo: new Uint8Array([0x6a]),
    hooks: { tip: () => undefined, invalid: () => undefined, error: (_n, what) => errors.push(what) },
    connectIntervalMs: 15_000,
    outboundTarget: 0,
  });
  await Promise.all([node.restart(), node.restart()]);
  expect(node.up).toBe(true);
  expect(node.incarnation).toBe(1);
  const firstChain = node.chain;
  await node.crash();
  expect(node.up).toBe(false);
  await Promise.all([node.restart(), node.restart(), node.restart()]);
  expect(node.up).toBe(true);
  expect(node.incarnation).toBe(2);
  expect(node.chain).not.toBe(firstChain);
  expect(errors).toEqual([]);
  await node.stop();
});
