// Block sync: headers-first download of the best chain from many peers at once, one
// file per stage (anchor: Lodestar's beacon-node/src/sync/) —
//   headers.ts + presync.ts  header batches, and Core's presync for low-work chains
//   download.ts              which blocks to request from whom (whole, or a lone new
//                            block as BIP152 cmpctblock); timeouts and stalls
//   queue.ts                 reorder buffer and queue to the chain, bounded in bytes
//   progress.ts              phase, heights, ETA, the progress log
//   penalty.ts               penaltyFor(error, context): what a failing header, block
//                            or transaction costs its sender (relay uses it too)
//   sync.ts                  BlockSync, composing the stages
// Layer: sync sits on the chain and beside p2p. It imports primitives, consensus and the
// chain only; peers reach it through the SyncLink port it declares (port.ts), which
// p2p's NodePeer satisfies, and P2PNode (src/p2p) composes BlockSync with relay. So
// nothing here knows sockets, frames or the mempool, and a simulator can drive it with
// its own peers. Error contract: nothing a peer sends makes sync throw; every fault is a
// score, a disconnect or a log line. Time comes from the injected Clock.
export { BlockSync, type SyncEvents } from './sync.js';
export { type SyncOptions, type SyncConfig, syncConfig } from './options.js';
export { type SyncState, type SyncPhase, PROGRESS_LOG_MS } from './progress.js';
export { penaltyFor, SyncScore, type Penalty, type PenaltyContext } from './penalty.js';
export type { SyncLink, SyncWire, SyncOutbound, SyncInvItem } from './port.js';
export { HeadersPresync, antiDosWorkThreshold, sequenceWork, ANTI_DOS_BLOCKS, MAX_PRESYNC_BATCHES, type PresyncStep } from './presync.js';
