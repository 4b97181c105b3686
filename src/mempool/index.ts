// Mempool: unconfirmed transactions that would be valid in the next block on the tip, with
// relay policy (fee floors, standard outputs, package limits, full RBF), an orphan pool,
// size-limit eviction with a rolling minimum fee, reorg handling and fee estimation. It
// reads chain coins through its own view (coinview.ts), never the chain's cache directly.
//
// Modules, one job each; `Mempool` (mempool.ts) owns the parts and is the public face:
//   graph.ts     the transaction graph: entries, spenders, parent/child links, ancestor
//                and descendant sets with their package statistics; add/remove
//   trim.ts      the fee floor and trimming: rolling minimum fee, trimToSize, expiry
//   accept.ts    the accept pipeline: queue, batches, signature rounds, commit, the orphan
//                hand-off, and the reorg update (ahead of queued submissions)
//   ahead.ts     verifying the next batch's signatures while one batch is processed
//   admit.ts     every check one tx must pass, synchronously, giving a verdict
//   policy.ts    standardness, fee arithmetic, package limits and replacement rules (pure)
//   coinview.ts  chain coins as the next block sees them, overlaid with the pool
//   orphans.ts   peers' txs waiting for parents; fees.ts fee estimation; persist.ts mempool.dat
//   types.ts     public shapes and defaults
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
export { Mempool, MEMPOOL_HEIGHT } from './mempool.js';
export type { MempoolOptions } from './mempool.js';
export { MempoolEntry, TxGraph } from './graph.js';
export { DEFAULT_MEMPOOL_LIMITS } from './types.js';
export type { MempoolLimits, MempoolInfo, MempoolEvents, AcceptOptions, AcceptResult, RemovalReason, TxSource, AddedInfo } from './types.js';
export { MempoolCoinView, ChainSnapshot, unconfirmedCoin } from './coinview.js';
export type { MempoolOverlay } from './coinview.js';
export * from './policy.js';
export { FeeEstimator, FEE_TARGETS, bucketOf } from './fees.js';
export type { FeeEstimatorOptions } from './fees.js';
export { TxOrphanPool, DEFAULT_ORPHAN_LIMITS } from './orphans.js';
export type { OrphanTxLimits } from './orphans.js';
export { MEMPOOL_FILE, MEMPOOL_FILE_VERSION, MempoolFileError, decodeMempoolFile, dependencyOrder, encodeMempoolFile, loadMempool, saveMempool, writeFileAtomic } from './persist.js';
export type { LoadResult, SavedTx } from './persist.js';
