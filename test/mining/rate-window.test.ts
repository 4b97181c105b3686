// The miner's hash-rate samples stay bounded while it runs even if nobody reads hashRate
// (a node whose API is never polled): each finished work unit used to be kept for good,
// several a second on a mining node, without end. Devnet proof of work (a block every
// ~2^18 hashes), so the units are mostly unsuccessful, as on a real miner.
import { expect, test } from '@jest/globals';
import { Miner } from '../../src/mining/index.js';
import { systemClock, type Clock } from '../../src/primitives/index.js';
import { SCRIPT } from '../mempool/helpers.js';
import { params, useDevnetChain } from './devnet-chain.js';

const fixture = useDevnetChain('cairn-rate-');

test('a running miner keeps only the last 10 s of work-unit samples, read or not', async () => {
  // Every reading of this clock is 50 ms later: a 10 s window holds at most ~200 readings.
  let t = systemClock.now();
  const clock: Clock = { ...systemClock, now: () => (t += 50) };
  const miner = new Miner({ chain: fixture.chain, params, payTo: SCRIPT, clock, threads: 1, unit: 16 });
  const errors: Error[] = [];
  miner.on('error', (e) => errors.push(e));
  miner.start();
  const end = Date.now() + 50_000;
  while (miner.hashes < 16 * 1500 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const units = miner.hashes / 16;
  const kept = miner.rateSamples;
  await miner.stop();
  expect(errors).toEqual([]);
  expect(units).toBeGreaterThanOrEqual(1000);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(201);
  // and the rate is still computed from the window
  expect(miner.hashRate).toBeGreaterThanOrEqual(0);
}, 60_000);
