// When block download asks for a block with getdata MSG_CMPCT_BLOCK (BIP152 low-bandwidth
// mode) rather than MSG_WITNESS_BLOCK: only in Core's headers direct-fetch case. Every
// combination of its five conditions is tried — the peer sent sendcmpct version 2, its
// last headers message announced this block, the block's parent is our tip, no other
// block is in flight, no compact rebuild of it failed — and the request is compact
// exactly when all five hold. Then the slot bookkeeping: a failed rebuild frees the slot
// and the block is asked for whole; a notfound naming MSG_CMPCT_BLOCK frees it too.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { VerifyPool, type Chain, type ChainEntry } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { MSG_CMPCT_BLOCK, MSG_WITNESS_BLOCK, ManualClock, bytesToHex, silentLogger } from '../../src/primitives/index.js';
import { BlockDownload } from '../../src/sync/download.js';
import { syncConfig } from '../../src/sync/options.js';
import type { PeerSync } from '../../src/sync/peerstate.js';
import { headersOnlyChain } from '../support/headers-chain.js';
import { fakeSyncPeer } from '../support/sync-peer.js';

const params = getParams('regtest');
const pool = new VerifyPool({ threads: 0 });
let chain: Chain;
/** headers only: no block has data, so our tip is genesis and entry 1 is its child */
const ancestors: ChainEntry[] = [];
const at = (h: number): ChainEntry => ancestors[h]!;

beforeAll(async () => {
  ({ chain } = await headersOnlyChain(params, 8, pool));
  for (let h = 0; h <= 8; h++) ancestors.push(chain.getAncestor(chain.bestHeader, h)!);
  expect(chain.tip).toBe(ancestors[0]);
});
afterAll(async () => {
  await chain.close();
  await pool.close();
});

function peer(clock: ManualClock, providesCompact: boolean): { sp: PeerSync; sent: () => [number, number][] } {
  const { sp, getdata } = fakeSyncPeer(clock, { providesCompact });
  const height = (hash: Uint8Array): number => ancestors.findIndex((e) => e.key === bytesToHex(hash));
  // [type, height] of every getdata item sent since the last call
  const sent = (): [number, number][] => getdata().map((i): [number, number] => [i.type, height(i.hash)]);
  return { sp, sent };
}

const FLAGS = ['providesCompact', 'announced', 'parentIsTip', 'aloneInFlight', 'neverFailed'] as const;
type Case = Record<(typeof FLAGS)[number], boolean>;
const cases: Case[] = Array.from({ length: 1 << FLAGS.length }, (_, n) => Object.fromEntries(FLAGS.map((f, i) => [f, (n & (1 << i)) !== 0])) as Case);

it.each(cases)('compact exactly when all five conditions hold: %j', (c) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const dl = new BlockDownload(chain, clock, silentLogger, syncConfig({}));
  const { sp, sent } = peer(clock, c.providesCompact);
  // The block asked for: entry 1 (child of our tip), or entry 2 with entry 1 received and
  // waiting for the chain (the walk passes it; 2's parent is not our tip).
  const target = c.parentIsTip ? at(1) : at(2);
  const busy = (k: string): boolean => !c.parentIsTip && k === at(1).key;
  if (!c.aloneInFlight) {
    // Another peer has entry 5 in flight (1..4 pass as received for its walk).
    const other = peer(clock, true);
    other.sp.best = at(5);
    dl.request([other.sp], (k) => [1, 2, 3, 4].some((h) => at(h).key === k));
    expect(other.sent()).toEqual([[MSG_WITNESS_BLOCK, 5]]);
  }
  if (!c.neverFailed) dl.compactFailed(sp, target);
  sp.best = target;
  if (c.announced) sp.announced = target;
  dl.request([sp], busy);
  const all = Object.values(c).every(Boolean);
  expect(sent()).toEqual([[all ? MSG_CMPCT_BLOCK : MSG_WITNESS_BLOCK, target.height]]);
  expect(dl.stats).toEqual({ compact: all ? 1 : 0, full: (all ? 0 : 1) + (c.aloneInFlight ? 0 : 1) });
  // The announcement is used once, whatever the request was.
  expect(sp.announced).toBeUndefined();
});

it('a failed rebuild frees the slot and the block is asked for whole; a notfound naming MSG_CMPCT_BLOCK frees it too', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const dl = new BlockDownload(chain, clock, silentLogger, syncConfig({}));
  const { sp, sent } = peer(clock, true);
  sp.best = sp.announced = at(1);
  dl.request([sp], () => false);
  expect(sent()).toEqual([[MSG_CMPCT_BLOCK, 1]]);
  expect(sp.inFlight.size).toBe(1);
  dl.compactFailed(sp, at(1));
  expect(sp.inFlight.size).toBe(0);
  // Announced again (a repeated headers message): still asked for whole.
  sp.announced = at(1);
  dl.request([sp], () => false);
  expect(sent()).toEqual([[MSG_WITNESS_BLOCK, 1]]);

  const q = peer(clock, true);
  const dl2 = new BlockDownload(chain, clock, silentLogger, syncConfig({}));
  q.sp.best = q.sp.announced = at(1);
  dl2.request([q.sp], () => false);
  expect(q.sent()).toEqual([[MSG_CMPCT_BLOCK, 1]]);
  expect(dl2.notFound(q.sp, [{ type: MSG_CMPCT_BLOCK, hash: at(1).hash }])).toBe(true);
  expect(q.sp.inFlight.size).toBe(0);
});
