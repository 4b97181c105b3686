// Chain state: the block index (every valid header with its chainwork and status), raw
// blocks and undo data, the UTXO set in LevelDB behind a memory cache, most-work fork
// choice with reorgs, and parallel signature verification.
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
export { VerifyPool } from './verify-pool.js';
export type { VerifyPoolOptions } from './verify-pool.js';
export { MuHash3072 } from './muhash.js';
export { CoinCache } from './coins.js';
