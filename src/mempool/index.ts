// Mempool: unconfirmed transactions that would be valid in the next block on the tip, with
// relay policy (fee floors, standard outputs, package limits, full RBF), an orphan pool,
// size-limit eviction with a rolling minimum fee, reorg handling and fee estimation. It
// reads chain coins through its own view (coinview.ts), never the chain's cache directly.
//
// Error contract: accept() rejects with consensus RuleError (the tx is invalid) or
// PolicyError (valid, but not standard or not paying enough here); both carry a stable
// `code`. A rejected tx leaves the pool unchanged. A local submission (no `relay: true`)
// whose inputs are missing or spent is refused with bad-txns-inputs-missingorspent; only
// peers' transactions wait in the orphan pool. persist.ts saves and reloads the pool
// (mempool.dat) across restarts.
// Invariant: once idle() resolves, every entry spends coins that exist at the tip or are
// created by other entries, is final and mature for the next block, and its signatures
// verified; no two entries spend the same outpoint.
export { Mempool, MempoolEntry, MEMPOOL_HEIGHT, DEFAULT_MEMPOOL_LIMITS } from './mempool.js';
export type { MempoolOptions, MempoolLimits, MempoolInfo, MempoolEvents, AcceptOptions, AcceptResult, RemovalReason, TxSource, AddedInfo } from './mempool.js';
export { MempoolCoinView, ChainSnapshot, unconfirmedCoin } from './coinview.js';
export type { MempoolOverlay } from './coinview.js';
export * from './policy.js';
export { FeeEstimator, FEE_TARGETS, bucketOf } from './fees.js';
export type { FeeEstimatorOptions } from './fees.js';
export { TxOrphanPool, DEFAULT_ORPHAN_LIMITS } from './orphans.js';
export type { OrphanTxLimits } from './orphans.js';
export { MEMPOOL_FILE, MEMPOOL_FILE_VERSION, MempoolFileError, decodeMempoolFile, dependencyOrder, encodeMempoolFile, loadMempool, saveMempool, writeFileAtomic } from './persist.js';
export type { LoadResult, SavedTx } from './persist.js';
