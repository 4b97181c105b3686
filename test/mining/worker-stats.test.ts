// The miner's worker threads are started once per start(), not per template, and report
// their V8 heaps (which the main isolate's heap gauges do not include) with every work
// unit, for /metrics, and those heaps stay small (cairn_miner_workers_started_total, cairn_miner_worker_heap_bytes).
// A tiny nonce space makes the miner build a new template every 4 work units, so a
// minute of mining goes through hundreds of templates.
import { expect, test } from '@jest/globals';
import { Miner } from '../../src/mining/index.js';
import { SCRIPT } from '../mempool/helpers.js';
import { params, useDevnetChain } from './devnet-chain.js';

const fixture = useDevnetChain('cairn-wstats-');

test('200 templates are mined by the same 2 workers, whose heaps are reported', async () => {
  const miner = new Miner({ chain: fixture.chain, params, payTo: SCRIPT, threads: 2, unit: 16, nonceSpace: 64 });
  const errors: Error[] = [];
  miner.on('error', (e) => errors.push(e));
  expect(miner.workerStats).toEqual({ started: 0, running: 0, heap: { used: 0, total: 0, malloced: 0, external: 0 } });
  miner.start();
  const end = Date.now() + 90_000;
  // 64 nonces per template: 200 templates are 12,800 hashes
  while (miner.hashes < 200 * 64 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const during = miner.workerStats;
  const hashes = miner.hashes;
  await miner.stop();
  expect(errors).toEqual([]);
  expect(hashes).toBeGreaterThanOrEqual(200 * 64);
  expect(during.started).toBe(2);
  expect(during.running).toBe(2);
  // two isolates: each has a few MB of heap in use and reserved
  expect(during.heap.used).toBeGreaterThan(2 * 2 ** 20);
  expect(during.heap.total).toBeGreaterThanOrEqual(during.heap.used);
  expect(during.heap.malloced).toBeGreaterThan(0);
  // bounded by the workers' resourceLimits (a 2 MB young generation): ~10 MB each, where
  // V8's defaults let each grow to 16 MB and beyond (24 MB seen in a soak)
  expect(during.heap.total).toBeLessThanOrEqual(2 * 12 * 2 ** 20);
  // stopped: nothing running, nothing reported for workers that are gone
  expect(miner.workerStats).toEqual({ started: 2, running: 0, heap: { used: 0, total: 0, malloced: 0, external: 0 } });
  // a second start starts two more (and only two)
  miner.start();
  while (miner.workerStats.heap.used === 0 && Date.now() < end + 30_000) await new Promise((r) => setTimeout(r, 20));
  expect(miner.workerStats.started).toBe(4);
  expect(miner.workerStats.running).toBe(2);
  await miner.stop();
}, 150_000);
