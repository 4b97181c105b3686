// Consensus: the pure rules of Cairn. Given a header, transaction or block, a view of
// coins, explicit params and (where needed) the time as an argument, each check returns
// a result or throws RuleError with a stable code; nothing here does I/O, awaits, reads a
// clock or global state, or mutates what it is given.
// Error contract: RuleError for invalid data (see RULE_CODES for ban scores and which
// failures are `corruption` — refuse without marking the block hash invalid); a plain
// Error only for caller bugs (an ancestry missing a header the caller must have).
// Invariant: every block that passes checkBlockSanity + checkBlockContext +
// connectBlockTxs + verification of its sigChecks is valid, and nothing else is.
// Files: params.ts (networks), genesis.ts, pow.ts + difficulty.ts, header.ts, tx.ts,
// block.ts (block sanity and context), connect.ts (connectBlockTxs and its inverse
// disconnectBlockTxs), outputs.ts (which outputs become coins), coinbase.ts +
// script-num.ts (valid coinbases, the BIP34 height push), errors.ts (RuleError codes).
// Whole blocks and nonce grinding (createBlock, mineHeader) are src/mining's.
export * from './errors.js';
export * from './params.js';
export * from './genesis.js';
export * from './pow.js';
export * from './difficulty.js';
export * from './header.js';
export * from './tx.js';
export * from './block.js';
export * from './connect.js';
export * from './outputs.js';
export * from './script-num.js';
export * from './coinbase.js';
