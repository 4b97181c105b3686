// Sync's record of one peer, shared by the stages (headers, download, queue).
import type { TokenBucket } from '../primitives/index.js';
import type { ChainEntry } from '../chain/index.js';
import type { SyncLink } from './port.js';
import type { HeadersPresync } from './presync.js';

export interface BlockRequest {
  entry: ChainEntry;
  at: number;
}

export interface PeerSync {
  link: SyncLink;
  /** the most-work header the peer has shown us */
  best: ChainEntry | undefined;
  /**
   * The highest entry on the path to `best` that we and every ancestor of it have (Core's
   * pindexLastCommonBlock): where the search for blocks to fetch from this peer starts.
   */
  lastCommon: ChainEntry | undefined;
  /** block hash (hex) → our request to this peer */
  inFlight: Map<string, BlockRequest>;
  /** requests moved away from this peer; a late answer is still welcome */
  cancelled: Set<string>;
  /** block hash (hex) → when the peer answered notfound for it: not asked again for NOTFOUND_RETRY_MS */
  notFound: Map<string, number>;
  /**
   * A lone new block on our tip that the peer's last headers message announced (Core's
   * headers direct fetch): download may ask the peer for it as cmpctblock, once.
   */
  announced?: ChainEntry | undefined;
  headersAskedAt: number | undefined;
  headersSynced: boolean;
  unconnecting: number;
  /** a low-work chain being counted (presync) or fetched again (redownload) */
  presync: HeadersPresync | undefined;
  stalls: number;
  unrequested: TokenBucket;
  /** header batches of this peer are processed in arrival order */
  work: Promise<unknown>;
}

/** A peer's record as sync starts with it: nothing known, nothing asked, headers not synced. */
export function newPeerSync(link: SyncLink, unrequested: TokenBucket): PeerSync {
  return {
    link,
    best: undefined,
    lastCommon: undefined,
    inFlight: new Map(),
    cancelled: new Set(),
    notFound: new Map(),
    headersAskedAt: undefined,
    headersSynced: false,
    unconnecting: 0,
    presync: undefined,
    stalls: 0,
    unrequested,
    work: Promise.resolve(),
  };
}
