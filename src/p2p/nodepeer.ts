// What the node's sync and relay logic share about one connected peer: the Peer itself
// and the inventory it is known to have (it told us, or we told it), so nothing is
// announced to a peer twice. The memory is a rolling bloom filter (Core's
// m_tx_inventory_known_filter: the last 50,000 hashes, false positives 1 in a million):
// O(1) per insert with no eviction cost. Forgetting an old entry can only cause one
// redundant announcement; a false positive can only skip one announcement to this peer.
import type { Rng } from '../primitives/index.js';
import { RollingBloomFilter } from './bloom.js';
import type { Peer } from './peer.js';

/** Per-peer inventory memory, as Core's m_tx_inventory_known_filter{50000, 0.000001}. */
export const MAX_KNOWN_INVENTORY = 50_000;
export const KNOWN_INVENTORY_FP_RATE = 0.000001;

/** Hashes (internal byte order) of blocks and transactions. */
export class KnownInventory {
  private readonly filter: RollingBloomFilter;

  constructor(rng: Rng, elements = MAX_KNOWN_INVENTORY, fpRate = KNOWN_INVENTORY_FP_RATE) {
    this.filter = new RollingBloomFilter(elements, fpRate, rng);
  }

  has(hash: Uint8Array): boolean {
    return this.filter.contains(hash);
  }

  add(hash: Uint8Array): void {
    this.filter.insert(hash);
  }

  get byteSize(): number {
    return this.filter.byteSize;
  }
}

export class NodePeer {
  readonly known: KnownInventory;
  /** the peer asked for block announcements as headers (BIP130) */
  sendHeaders = false;
  /**
   * The peer sent us sendcmpct version 2 (either announce mode; Core's
   * m_provides_cmpctblocks): it reads our cmpctblock, so a getdata MSG_CMPCT_BLOCK of it is
   * answered compact, and sync may ask it for a new block that way. Never unset.
   */
  providesCompact = false;
  /** when the peer last gave us a new valid block / a transaction our mempool accepted (eviction protection) */
  lastBlockAt = 0;
  lastTxAt = 0;

  constructor(
    readonly peer: Peer,
    rng: Rng,
    knownInventory = MAX_KNOWN_INVENTORY,
  ) {
    this.known = new KnownInventory(rng, knownInventory);
  }

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
