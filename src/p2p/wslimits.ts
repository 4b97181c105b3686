// Limits on connections that have not finished their handshake (issue #16): what an
// unauthenticated stranger can make the node hold. See docs/protocol.md, "Resource limits".
//   - PendingSlots: a global and a per-source-address cap on connections between the TCP
//     accept and handshakeDone(); a full global table evicts the oldest pending
//     connection of the address holding the most, so slots cannot be squatted forever.
//   - receiverOf(): the `ws` Receiver of a WebSocket, whose maxPayload is raised once the
//     peer is authenticated (ws fixes maxPayload per server, not per state) and whose
//     buffered bytes show a frame in progress. `ws` is pinned to an exact version in
//     package.json; checkReceiver() fails loudly at listen/dial time if its internals
//     ever change shape, and test/p2p/hostile.test.ts exercises both uses.
import type { WebSocket } from 'ws';

export interface PendingLimits {
  /** largest frame before handshakeDone(); Noise messages are ≤ 99 bytes, a version frame inside Noise 577 */
  preAuthMaxPayload: number;
  /** connections accepted but not yet past the handshake, over all addresses */
  maxPending: number;
  /** the same, per source address */
  maxPendingPerHost: number;
  /** TCP accept → WebSocket upgrade complete (partial HTTP upgrades) */
  upgradeTimeoutMs: number;
  /** TCP accept (or dial) → handshakeDone(): a backstop over the Noise and version timeouts */
  preAuthTimeoutMs: number;
  /** a frame begun but not continued for this long closes the connection (partial frames) */
  frameStallMs: number;
}

export const DEFAULT_PENDING_LIMITS: Readonly<PendingLimits> = Object.freeze({
  preAuthMaxPayload: 1024,
  maxPending: 64,
  maxPendingPerHost: 8,
  upgradeTimeoutMs: 5_000,
  preAuthTimeoutMs: 20_000,
  frameStallMs: 10_000,
});

export interface PendingEntry {
  readonly host: string;
  readonly since: number;
  /** drops the connection (used when a newer one evicts it) */
  evict(reason: string): void;
}

export class PendingSlots {
  private readonly byHost = new Map<string, Set<PendingEntry>>();
  private total = 0;
  /** connections refused or evicted for the caps, for metrics and tests */
  refused = 0;
  evicted = 0;

  constructor(private readonly limits: Pick<PendingLimits, 'maxPending' | 'maxPendingPerHost'>) {}

  get size(): number {
    return this.total;
  }

  countOf(host: string): number {
    return this.byHost.get(host)?.size ?? 0;
  }

  /** Admits e, evicting an older pending connection when the global table is full; false = refuse e. */
  admit(e: PendingEntry): boolean {
    if (this.countOf(e.host) >= this.limits.maxPendingPerHost) {
      this.refused++;
      return false;
    }
    if (this.total >= this.limits.maxPending) {
      let victims: Set<PendingEntry> | undefined;
      for (const set of this.byHost.values()) if (!victims || set.size > victims.size) victims = set;
      let oldest: PendingEntry | undefined;
      for (const v of victims ?? []) if (!oldest || v.since < oldest.since) oldest = v;
      if (!oldest) {
        this.refused++;
        return false;
      }
      this.release(oldest);
      this.evicted++;
      oldest.evict('evicted: too many pending handshakes');
    }
    let set = this.byHost.get(e.host);
    if (!set) this.byHost.set(e.host, (set = new Set()));
    set.add(e);
    this.total++;
    return true;
  }

  release(e: PendingEntry): void {
    const set = this.byHost.get(e.host);
    if (!set?.delete(e)) return;
    this.total--;
    if (set.size === 0) this.byHost.delete(e.host);
  }
}

/** The parts of ws's Receiver this module reads and writes. */
export interface ReceiverView {
  _maxPayload: number;
  _bufferedBytes: number;
  _totalPayloadLength: number;
}

export function receiverOf(ws: WebSocket): ReceiverView {
  const r = (ws as unknown as { _receiver?: ReceiverView })._receiver;
  if (!r || typeof r._maxPayload !== 'number' || typeof r._bufferedBytes !== 'number' || typeof r._totalPayloadLength !== 'number') {
    throw new Error('ws internals changed: cannot apply per-state frame limits (check the pinned ws version)');
  }
  return r;
}

/** True while the receiver holds part of a message (a frame header, payload, or earlier fragments). */
export function midFrame(r: ReceiverView): boolean {
  return r._bufferedBytes > 0 || r._totalPayloadLength > 0;
}
