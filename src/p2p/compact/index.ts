// Compact block relay (BIP152, version 2): short ids (shortid.ts), the index and short-id
// wire pieces (codec.ts), building and rebuilding blocks (reconstruct.ts, pure) and the
// per-peer protocol (relay.ts, with its interfaces, settings, scores and counters in
// options.ts), and the answer to getdata MSG_CMPCT_BLOCK (serve.ts, used by ../relay.ts).
// The request side of low-bandwidth mode is block download's (src/sync/download.ts).
// The messages themselves are in ../messages/.
export { CompactRelay, CMPCT_VERSION } from './relay.js';
export { CompactScore } from './options.js';
export type { CompactMempool, CompactRelayOptions, CompactStats, CompactSync } from './options.js';
export { PartialBlock, checkRebuilt, makeCompact } from './reconstruct.js';
export { CompactServer, MAX_CMPCTBLOCK_DEPTH, type CompactAnswer, type CompactServeStats } from './serve.js';
export type { CheckResult, FillResult, InitResult } from './reconstruct.js';
export { MAX_COMPACT_TXS, MAX_TX_INDEX, fromDifferential, toDifferential } from './codec.js';
export { shortId, shortIdKey, sipKey, siphash24, type SipKey } from './shortid.js';
