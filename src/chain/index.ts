// Chain state: the block index (every valid header with its chainwork and status), raw
// blocks and undo data, the UTXO set in LevelDB behind a memory cache, most-work fork
// choice with reorgs, and parallel signature verification (native libsecp256k1 or WASM,
// chosen at start) with a signature cache of what already verified in the mempool.
//
// Error contract: invalid data → consensus RuleError (with `corruption` telling whether the
// block hash was marked invalid); storage, duplicates and unknown parents → ChainError with
// a code. A ChainError 'db-*' is fatal: the node stops and says what to do.
// Events: 'connect', 'disconnect', 'tip' (with reorg depth), 'invalid'.
// Files: chain.ts (Chain: start-up, accepting headers and blocks, activation, flushing,
// under one lock) owns chain-view.ts (the active chain: heights, ancestors, locators,
// forks), block-index.ts (every header, tip candidates, failure marking, `worse`),
// utxo-stats.ts (coin count, value and MuHash digest), block-cache.ts (recent blocks behind
// getBlock), coins.ts (the UTXO cache) and chaindb.ts + layout.ts (LevelDB); events.ts has
// the event and result types; verify-pool.ts + verify-worker.ts verify signatures on
// worker threads (worker-url.ts locates any worker module, also the miner's).
export { Chain } from './chain.js';
export type { ChainOptions, ChainTip, ProcessResult, TipChange, UtxoStats, ChainEvents, BlockSource, BlockProcessed } from './chain.js';
export { ChainEntry, Status } from './entry.js';
export { ChainError } from './errors.js';
export type { ChainErrorCode } from './errors.js';
export { VerifyPool, VerifyJob, DEFAULT_INLINE_MAX } from './verify-pool.js';
export type { VerifyPoolOptions, CacheMode, VerifyStats } from './verify-pool.js';
export { SigCache, DEFAULT_SIGCACHE_BYTES, SIGCACHE_ENTRY_BYTES } from './sigcache.js';
export type { SigCacheOptions, SigCacheStats } from './sigcache.js';
export { MuHash3072 } from './muhash.js';
export { coinDigestElement } from './layout.js';
export { CoinCache } from './coins.js';
export { workerModule } from './worker-url.js';
export type { WorkerModule } from './worker-url.js';
export type { ChainStore, LevelStats } from './chaindb.js';
export { levelStats } from './chaindb.js';
