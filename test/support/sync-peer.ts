// A peer for block-download tests: a PeerSync over a link that records what is sent, with
// headers synced; `getdata()` hands out the getdata items sent since the last call.
import { TokenBucket, type ManualClock } from '../../src/primitives/index.js';
import { newPeerSync, type PeerSync } from '../../src/sync/peerstate.js';
import type { SyncOutbound } from '../../src/sync/port.js';

export function fakeSyncPeer(clock: ManualClock, o: { providesCompact?: boolean } = {}): { sp: PeerSync; getdata: () => { type: number; hash: Uint8Array }[] } {
  const out: SyncOutbound[] = [];
  const link = {
    peer: { remote: 'p', state: 'ready', send: (m: SyncOutbound) => out.push(m), misbehave: () => undefined, close: () => undefined, onCommand: () => undefined },
    ready: true,
    known: { add: () => undefined },
    lastBlockAt: 0,
    ...(o.providesCompact !== undefined ? { providesCompact: o.providesCompact } : {}),
  };
  const sp: PeerSync = { ...newPeerSync(link, new TokenBucket(1, 1, clock)), headersSynced: true };
  const getdata = () => out.splice(0).flatMap((m) => (m.cmd === 'getdata' ? m.items : []));
  return { sp, getdata };
}
