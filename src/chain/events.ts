// What the chain tells its callers: processBlock's result, the events it emits (with
// their payloads) and the shape of getTips's answer. Types only.
import type { Block } from '../primitives/index.js';
import type { RuleError } from '../consensus/index.js';
import type { ChainEntry } from './entry.js';

/**
 * Emitted once per activation that disconnected or connected any block. After a reorg that
 * failed and fell back to where it started, `tip === previous` (reorgDepth 0) while
 * `disconnected` and `connected` count the blocks that went out and came back.
 */
export interface TipChange {
  tip: ChainEntry;
  previous: ChainEntry;
  /** blocks of the old chain no longer active (0 when the chain only grew) */
  reorgDepth: number;
  connected: number;
  disconnected: number;
}

export type ProcessResult =
  | { status: 'connected'; entry: ChainEntry } // became (part of) the active chain
  | { status: 'accepted'; entry: ChainEntry } // stored on a side branch or beyond a gap
  | { status: 'orphan'; missing: Uint8Array }
  | { status: 'duplicate'; entry: ChainEntry };

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
}

/** Where a block came from, for metrics and logs. */
export type BlockSource = 'p2p' | 'api' | 'miner' | 'other';

/** One processBlock call's outcome: every block, whatever its source (for metrics). */
export interface BlockProcessed {
  hash: string;
  source: BlockSource;
  /** wall time inside the chain lock: checks, storage, connecting (and orphans it freed) */
  seconds: number;
  status: ProcessResult['status'] | 'rejected';
  /** rule or chain error code when rejected */
  code?: string;
}

export interface ChainEvents {
  processed: [info: BlockProcessed];
  connect: [entry: ChainEntry, block: Block];
  disconnect: [entry: ChainEntry, block: Block];
  tip: [change: TipChange];
  invalid: [entry: ChainEntry, error: RuleError];
}
