// The download walk passes blocks already received and waiting for the chain (held or
// queued) as if we had them, as Core passes blocks stored but not yet connected; without
// it every arriving block walked the whole queued backlog during a sync. Because the
// cursor then stands above blocks that have no data yet, a block the queue lost without
// marking it failed must make the walk start again from our chain (resetCursors), or it
// would never be asked for again.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { VerifyPool, type Chain } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { ManualClock, bytesToHex, silentLogger } from '../../src/primitives/index.js';
import { BlockDownload } from '../../src/sync/download.js';
import { syncConfig } from '../../src/sync/options.js';
import type { PeerSync } from '../../src/sync/peerstate.js';
import { headersOnlyChain } from '../support/headers-chain.js';
import { fakeSyncPeer } from '../support/sync-peer.js';

const params = getParams('regtest');
const pool = new VerifyPool({ threads: 0 });
let chain: Chain;
const hashes: string[] = []; // by height

beforeAll(async () => {
  const made = await headersOnlyChain(params, 40, pool);
  chain = made.chain;
  const blocks = made.blocks;
  hashes.push(chain.getEntryAt(0)!.hashHex);
  for (const x of blocks) hashes.push(bytesToHex(x.hash()));
});
afterAll(async () => {
  await chain.close();
  await pool.close();
});

function peer(clock: ManualClock): { sp: PeerSync; asked: () => number[] } {
  const { sp, getdata } = fakeSyncPeer(clock);
  sp.best = chain.bestHeader;
  const heightOf = (h: Uint8Array): number => hashes.indexOf(bytesToHex(h));
  // the heights asked for since the last call
  const asked = (): number[] => getdata().map((i) => heightOf(i.hash));
  return { sp, asked };
}

it('passes received blocks waiting for the chain, and walks again from the chain after a lost one', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const dl = new BlockDownload(chain, clock, silentLogger, syncConfig({ maxInFlightPerPeer: 4 }));
  const { sp, asked } = peer(clock);
  const busy = new Set<string>();
  const isBusy = (k: string): boolean => busy.has(k);
  expect(chain.tip.height).toBe(0); // headers only: no block has data

  dl.request([sp], isBusy);
  expect(asked()).toEqual([1, 2, 3, 4]);
  // 1..4 arrive and wait in the queue
  for (let h = 1; h <= 4; h++) {
    expect(dl.received(sp, hashes[h]!)).toBe(true);
    busy.add(hashes[h]!);
  }
  dl.request([sp], isBusy);
  expect(asked()).toEqual([5, 6, 7, 8]);
  // the cursor moved over the queued blocks: the next walk starts above them
  expect(sp.lastCommon!.height).toBe(4);

  for (let h = 5; h <= 8; h++) {
    dl.received(sp, hashes[h]!);
    busy.add(hashes[h]!);
  }
  // block 3 leaves the queue without data and without being marked failed
  busy.delete(hashes[3]!);
  dl.request([sp], isBusy);
  expect(asked()).toEqual([9, 10, 11, 12]); // the cursor (at 8) does not see it
  for (let h = 9; h <= 12; h++) {
    dl.received(sp, hashes[h]!);
    busy.add(hashes[h]!);
  }
  dl.resetCursors([sp]);
  dl.request([sp], isBusy);
  expect(asked()).toEqual([3, 13, 14, 15]);
});
