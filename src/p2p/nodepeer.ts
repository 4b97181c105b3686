// What the node's sync and relay logic share about one connected peer: the Peer itself
// and the inventory it is known to have (it told us, or we told it), so nothing is
// announced to a peer twice. The set is bounded: forgetting an old entry can only cause
// one redundant announcement, never a missed one.
import type { Peer } from './peer.js';

/** An insertion-ordered set that forgets its oldest entries beyond `max`. */
export class BoundedSet {
  private readonly set = new Set<string>();
  constructor(readonly max: number) {}

  has(k: string): boolean {
    return this.set.has(k);
  }

  add(k: string): void {
    if (this.set.has(k)) return;
    this.set.add(k);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value as string);
  }

  delete(k: string): boolean {
    return this.set.delete(k);
  }

  get size(): number {
    return this.set.size;
  }
}

/** Per-peer inventory memory: Core keeps ~50k entries (m_tx_inventory_known_filter). */
export const MAX_KNOWN_INVENTORY = 50_000;

export class NodePeer {
  /** hashes (bytesToHex of internal order) of blocks and txs the peer has or was sent */
  readonly known = new BoundedSet(MAX_KNOWN_INVENTORY);
  /** the peer asked for block announcements as headers (BIP130) */
  sendHeaders = false;

  constructor(readonly peer: Peer) {}

  get id(): number {
    return this.peer.id;
  }

  /** False when the peer asked not to be sent transaction announcements. */
  get relayTxs(): boolean {
    return this.peer.remoteVersion?.relay ?? true;
  }

  get ready(): boolean {
    return this.peer.state === 'ready';
  }
}
