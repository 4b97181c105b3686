// Compact relay's surroundings, apart from its logic (relay.ts): what it needs of the
// mempool and of block sync (the interfaces P2PNode fills with src/mempool's Mempool and
// src/sync's BlockSync), its settings, what it scores and what it counts.
import type { Clock, Rng, Tx } from '../../primitives/index.js';
import type { Chain, ChainEntry } from '../../chain/index.js';
import type { NodePeer } from '../nodepeer.js';
import type { PeerLogger } from '../peer.js';

/** What compact relay needs of a mempool: its transactions (src/mempool's Mempool has it). */
export interface CompactMempool {
  entries(): Iterable<{ readonly tx: Tx }>;
}

/** What it needs of block sync (src/sync's BlockSync has it). */
export interface CompactSync {
  /** getheaders: a cmpctblock whose parent we lack */
  askHeaders(np: NodePeer, from?: ChainEntry): void;
  /** The peer holds this block (its announced header): sync may fetch it and its ancestors from it. */
  peerHas(np: NodePeer, entry: ChainEntry): void;
  /** Done with np's cmpctblock for this block (sent to the chain, had, or unwanted): frees its request slot. */
  compactDone(np: NodePeer, hash: Uint8Array): void;
  /** The rebuild failed: fetch the block whole (getdata of the full block), never compact again. */
  fetchFull(np: NodePeer, entry: ChainEntry): void;
}

export interface CompactRelayOptions {
  chain: Chain;
  sync: CompactSync;
  mempool?: Partial<CompactMempool> | undefined;
  clock: Clock;
  rng: Rng;
  log?: PeerLogger;
  /** peers asked to announce with cmpctblock (BIP152: at most 3) */
  highBandwidthPeers?: number;
  /** a getblocktxn unanswered this long falls back to the full block */
  blocktxnTimeoutMs?: number;
  /** how many recent blocks getblocktxn is answered for (Core: 10) */
  recentBlocks?: number;
  /** do not answer getblocktxn while this many bytes are queued to the peer */
  maxServeBuffer?: number;
}

export const CompactScore = {
  /** a cmpctblock inconsistent in itself (e.g. coinbase not prefilled), Core: 100 */
  INVALID_COMPACT: 100,
  /** a blocktxn whose count does not match what was asked, Core: 100 */
  BLOCKTXN_MISMATCH: 100,
  /** a getblocktxn index beyond the block, Core: 100 */
  GETBLOCKTXN_OUT_OF_RANGE: 100,
} as const;

/** Counters for tests, metrics and the benchmark. */
export interface CompactStats {
  received: number;
  /** rebuilt from the mempool alone */
  fromMempool: number;
  /** completed after a getblocktxn round trip */
  afterBlocktxn: number;
  /** transactions asked for with getblocktxn */
  txsRequested: number;
  /** fallbacks to the full block, by cause */
  fallbacks: { collision: number; check: number; timeout: number; unservable: number };
  sent: number;
  blocktxnServed: number;
}
