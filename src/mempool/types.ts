// The mempool's public shapes and defaults, shared by its modules (mempool.ts re-exports
// them, and index.ts is the public surface).
import type { MempoolEntry } from './graph.js';
import { DEFAULT_ORPHAN_LIMITS, type OrphanTxLimits } from './orphans.js';
import {
  DEFAULT_ANCESTOR_LIMIT,
  DEFAULT_ANCESTOR_SIZE_LIMIT,
  DEFAULT_DESCENDANT_LIMIT,
  DEFAULT_DESCENDANT_SIZE_LIMIT,
  type PackageLimits,
} from './policy.js';

export interface MempoolLimits extends PackageLimits {
  /** Total vsize of all entries (virtual bytes); above it the cheapest packages are evicted. */
  maxBytes: number;
  /** Entries older than this are dropped (Core's -mempoolexpiry, 336 h). */
  expiryMs: number;
  orphans: OrphanTxLimits;
  /** Most transactions checked and verified together. */
  batchSize: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = Object.freeze({
  maxBytes: 100_000_000,
  ancestorCount: DEFAULT_ANCESTOR_LIMIT,
  ancestorSize: DEFAULT_ANCESTOR_SIZE_LIMIT,
  descendantCount: DEFAULT_DESCENDANT_LIMIT,
  descendantSize: DEFAULT_DESCENDANT_SIZE_LIMIT,
  expiryMs: 336 * 3600_000,
  orphans: DEFAULT_ORPHAN_LIMITS,
  batchSize: 256,
});

export interface AcceptOptions {
  /**
   * A peer relayed it: a tx whose inputs are unknown is held as an orphan until its
   * parents arrive. Without it (local submissions) such a tx is refused with
   * bad-txns-inputs-missingorspent and nothing changes.
   */
  relay?: boolean;
  /** Arrival time to record (ms since epoch), e.g. when reloading a saved mempool; default now. */
  time?: number;
  /** Where it came from, for metrics (`cairn_txs_accepted_total{source}`); default 'other'. */
  source?: TxSource;
}

export type RemovalReason = 'block' | 'conflict' | 'replaced' | 'evicted' | 'expired' | 'reorg';

export interface AcceptResult {
  /** display hex */
  txid: string;
  /** 0n for an orphan (its inputs are unknown) */
  fee: bigint;
  vsize: number;
  orphan?: boolean;
}

export interface MempoolInfo {
  count: number;
  vsize: number;
  totalFee: bigint;
  /** sat/vB a new tx must pay now (relay minimum or the rolling minimum after evictions) */
  minFeeRate: number;
  orphans: number;
  /** Esplora format: [feerate sat/vB, vsize], highest rate first, bins of ~50,000 vB */
  feeHistogram: [number, number][];
}

/** Where a transaction came from, for metrics. */
export type TxSource = 'p2p' | 'api' | 'other';

/** How an entry got in: `reorg` for txs put back from a disconnected block (not new). */
export interface AddedInfo {
  source: TxSource | 'reorg';
  /** from accept() to entering the pool: queueing, checks and signatures */
  seconds: number;
}

export interface MempoolEvents {
  added: [entry: MempoolEntry, info: AddedInfo];
  removed: [txid: string, reason: RemovalReason];
}
