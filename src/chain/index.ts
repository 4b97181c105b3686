// Chain state: the block index (every valid header with its chainwork and status), raw
// blocks and undo data, the UTXO set in LevelDB behind a memory cache, most-work fork
// choice with reorgs, and parallel signature verification (native libsecp256k1 or WASM,
// chosen at start) with a signature cache of what already verified in the mempool.
//
// Error contract: invalid data → consensus RuleError (with `corruption` telling whether the
// block hash was marked invalid); storage, duplicates and unknown parents → ChainError with
// a code. A ChainError 'db-*' is fatal: the node stops and says what to do.
// Events: 'connect', 'disconnect', 'tip' (with reorg depth), 'invalid'.
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
export { CoinCache } from './coins.js';
export type { ChainStore } from './chaindb.js';
