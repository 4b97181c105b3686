// Inbound eviction when every inbound slot is taken, in the shape of Bitcoin Core's
// AttemptToEvictConnection / SelectNodeToEvict (src/node/eviction.cpp): a newcomer
// evicts one existing inbound peer unless all of them are protected. Protected, in order
// (each step removes its peers from the candidates):
//   1. 4 peers from distinct-looking network groups (highest salted group hash),
//      so an attacker must control many network ranges to push out everyone;
//   2. the 8 peers with the lowest ping;
//   3. the 4 that most recently gave us a transaction our mempool accepted;
//   4. the 4 that most recently gave us a block we needed;
//   5. half of the rest, those connected longest.
// Of what remains, the network group with the most peers (ties: the one whose newest
// member is newest) loses its most recently connected peer. Pure: no clock, no I/O.
import { murmur3 } from './bloom.js';
import { hostOf } from './transport.js';

export interface EvictionCandidate {
  id: number;
  connectedAt: number;
  /** best ping round trip, ms; undefined when never measured */
  pingMs: number | undefined;
  /** 0 when never */
  lastBlockAt: number;
  lastTxAt: number;
  /** salted hash of the peer's network group (netGroupKey) */
  groupKey: number;
}

export const EVICTION_PROTECT = { netGroup: 4, ping: 8, tx: 4, block: 4 } as const;

/** The network group of a remote: IPv4 /16, IPv6 /32, loopback and other hosts as themselves. */
export function netGroup(remote: string): string {
  const host = hostOf(remote);
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) return host.startsWith('127.') ? 'local' : `ipv4:${v4[1]}.${v4[2]}`;
  const mapped = /^::ffff:(\d+)\.(\d+)\.\d+\.\d+$/i.exec(host);
  if (mapped) return `ipv4:${mapped[1]}.${mapped[2]}`;
  // URL parsing writes IPv4-mapped addresses in hex: ::ffff:a01:203 is 10.1.2.3
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/i.exec(host);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    return `ipv4:${hi >> 8}.${hi & 0xff}`;
  }
  if (host === '::1') return 'local';
  if (host.includes(':')) return `ipv6:${host.toLowerCase().split(':').slice(0, 2).join(':')}`;
  return `host:${host}`;
}

export function netGroupKey(salt: number, remote: string): number {
  return murmur3(salt, new TextEncoder().encode(netGroup(remote)));
}

/** Removes the last k of candidates sorted by `cmp` (ascending = least deserving first), keeping the rest. */
function protectLast(cs: EvictionCandidate[], k: number, cmp: (a: EvictionCandidate, b: EvictionCandidate) => number, eligible: (c: EvictionCandidate) => boolean = () => true): EvictionCandidate[] {
  const sorted = [...cs].sort(cmp);
  const protectedIds = new Set<number>();
  for (let i = sorted.length - 1; i >= 0 && protectedIds.size < k; i--) if (eligible(sorted[i]!)) protectedIds.add(sorted[i]!.id);
  return cs.filter((c) => !protectedIds.has(c.id));
}

/** The id of the peer to evict, or undefined when every candidate is protected. */
export function selectPeerToEvict(all: readonly EvictionCandidate[]): number | undefined {
  let cs = [...all];
  cs = protectLast(cs, EVICTION_PROTECT.netGroup, (a, b) => a.groupKey - b.groupKey);
  cs = protectLast(cs, EVICTION_PROTECT.ping, (a, b) => (b.pingMs ?? Infinity) - (a.pingMs ?? Infinity) || b.connectedAt - a.connectedAt, (c) => c.pingMs !== undefined);
  cs = protectLast(cs, EVICTION_PROTECT.tx, (a, b) => a.lastTxAt - b.lastTxAt, (c) => c.lastTxAt > 0);
  cs = protectLast(cs, EVICTION_PROTECT.block, (a, b) => a.lastBlockAt - b.lastBlockAt, (c) => c.lastBlockAt > 0);
  // Half of the rest by uptime: the longest connected are the hardest to fake.
  cs = protectLast(cs, Math.floor(cs.length / 2), (a, b) => b.connectedAt - a.connectedAt);
  if (cs.length === 0) return undefined;
  const groups = new Map<number, EvictionCandidate[]>();
  for (const c of cs) {
    const g = groups.get(c.groupKey);
    if (g) g.push(c);
    else groups.set(c.groupKey, [c]);
  }
  let best: EvictionCandidate[] | undefined;
  let bestNewest = -Infinity;
  for (const g of groups.values()) {
    const newest = Math.max(...g.map((c) => c.connectedAt));
    if (!best || g.length > best.length || (g.length === best.length && newest > bestNewest)) {
      best = g;
      bestNewest = newest;
    }
  }
  return best!.reduce((a, b) => (b.connectedAt > a.connectedAt || (b.connectedAt === a.connectedAt && b.id > a.id) ? b : a)).id;
}
