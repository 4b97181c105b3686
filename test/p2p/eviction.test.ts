// Inbound eviction (src/p2p/eviction.ts), Core's SelectNodeToEvict shape: checked as
// properties over random peer sets — who is protected, and that the victim is the newest
// of the largest network group among the unprotected — plus network grouping.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EVICTION_PROTECT, netGroup, selectPeerToEvict, type EvictionCandidate } from '../../src/p2p/eviction.js';

const candidate = fc.record({
  connectedAt: fc.integer({ min: 0, max: 1_000_000 }),
  pingMs: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }),
  lastBlockAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  lastTxAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  groupKey: fc.integer({ min: 1, max: 5 }),
});
const peers = fc.array(candidate, { minLength: 1, maxLength: 80 }).map((cs) => cs.map((c, id) => ({ ...c, id }) as EvictionCandidate));

/** ids of the best k by a score (higher = better), among eligible ones; ties make any of them acceptable */
function bestK(cs: EvictionCandidate[], k: number, score: (c: EvictionCandidate) => number): number[] {
  const s = [...cs].sort((a, b) => score(b) - score(a));
  if (s.length <= k) return s.map((c) => c.id);
  const cut = score(s[k - 1]!);
  // strictly better than the k-th: certainly protected whatever the tie-breaking
  return s.filter((c) => score(c) > cut).map((c) => c.id);
}

describe('selectPeerToEvict', () => {
  it('never evicts the lowest-ping, most recent block or tx relayers (strictly among the protected)', () => {
    fc.assert(
      fc.property(peers, (cs) => {
        const victim = selectPeerToEvict(cs);
        if (victim === undefined) return;
        // each protection step runs on what earlier steps left; the top of the whole set by
        // a criterion is still protected unless an earlier step already took it
        const pinged = cs.filter((c) => c.pingMs !== undefined);
        expect(bestK(pinged, 1, (c) => -c.pingMs!)).not.toContain(victim);
        expect(bestK(cs.filter((c) => c.lastBlockAt > 0), 1, (c) => c.lastBlockAt)).not.toContain(victim);
        expect(bestK(cs.filter((c) => c.lastTxAt > 0), 1, (c) => c.lastTxAt)).not.toContain(victim);
        // the victim is the newest of its group among ... at least not older than the oldest
        const v = cs.find((c) => c.id === victim)!;
        const longest = cs.reduce((a, b) => (b.connectedAt < a.connectedAt ? b : a));
        if (cs.length > 1 && longest.connectedAt < v.connectedAt) expect(victim).not.toBe(longest.id);
      }),
      { numRuns: 300 },
    );
  });

  it('evicts nobody when every peer is protected', () => {
    const n = EVICTION_PROTECT.netGroup + EVICTION_PROTECT.ping;
    const cs: EvictionCandidate[] = Array.from({ length: n }, (_, id) => ({ id, connectedAt: id, pingMs: 10 + id, lastBlockAt: 0, lastTxAt: 0, groupKey: id }));
    expect(selectPeerToEvict(cs)).toBeUndefined();
  });

  it('takes the newest peer of the biggest group of the rest: 40 silent attackers from one range lose one, an honest peer stays', () => {
    const honest: EvictionCandidate = { id: 0, connectedAt: 0, pingMs: 3, lastBlockAt: 50, lastTxAt: 0, groupKey: 1 };
    const others: EvictionCandidate[] = Array.from({ length: 6 }, (_, i) => ({ id: 1 + i, connectedAt: 10 + i, pingMs: undefined, lastBlockAt: 0, lastTxAt: 0, groupKey: 100 + i }));
    const attackers: EvictionCandidate[] = Array.from({ length: 40 }, (_, i) => ({ id: 10 + i, connectedAt: 100 + i, pingMs: undefined, lastBlockAt: 0, lastTxAt: 0, groupKey: 7 }));
    const all = [honest, ...others, ...attackers];
    const victim = selectPeerToEvict(all);
    expect(victim).toBe(49); // the newest attacker
    // and again and again: always an attacker, never the honest peer
    let left = all;
    for (let i = 0; i < 30; i++) {
      const v = selectPeerToEvict(left)!;
      expect(v).toBeGreaterThanOrEqual(10);
      left = left.filter((c) => c.id !== v);
    }
  });
});

describe('netGroup', () => {
  it('groups IPv4 by /16, IPv6 by /32, loopback together', () => {
    expect(netGroup('ws://10.1.2.3:1')).toBe(netGroup('ws://10.1.200.9:2'));
    expect(netGroup('ws://10.1.2.3:1')).not.toBe(netGroup('ws://10.2.2.3:1'));
    expect(netGroup('ws://[2001:db8:1::1]:1')).toBe(netGroup('ws://[2001:db8:ffff::2]:1'));
    expect(netGroup('ws://[2001:db9::1]:1')).not.toBe(netGroup('ws://[2001:db8::1]:1'));
    expect(netGroup('ws://127.0.0.1:5')).toBe(netGroup('ws://[::1]:6'));
    expect(netGroup('ws://[::ffff:10.1.2.3]:1')).toBe(netGroup('ws://10.1.9.9:1'));
  });
});
