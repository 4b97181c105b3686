// Block sync's settings and their defaults (Bitcoin Core's where it has one).
import type { Clock, Logger } from '../primitives/index.js';
import type { Chain } from '../chain/index.js';

export interface SyncOptions {
  chain: Chain;
  clock: Clock;
  log?: Logger;
  /** blocks above the tip that may be requested (Core: BLOCK_DOWNLOAD_WINDOW 1024) */
  windowSize?: number;
  /** Core: MAX_BLOCKS_IN_TRANSIT_PER_PEER 16 */
  maxInFlightPerPeer?: number;
  /** initial stall timeout; doubles on each stall up to maxStallTimeoutMs, decays as blocks arrive */
  stallTimeoutMs?: number;
  maxStallTimeoutMs?: number;
  maxStalls?: number;
  /** any single block request unanswered this long disconnects the peer */
  blockTimeoutMs?: number;
  /** a getheaders unanswered this long disconnects the peer */
  headersTimeoutMs?: number;
  maxUnconnecting?: number;
  /** the network's minimum chain work (Core's nMinimumChainWork); 0 when unset */
  minimumChainWork?: bigint;
  /** bytes of received blocks waiting for their parent or for the chain */
  maxBufferBytes?: number;
  /** unrequested blocks processed: burst, and refill per minute */
  unrequestedBlockBurst?: number;
  unrequestedBlocksPerMinute?: number;
  tickMs?: number;
}

/** Every setting resolved. */
export type SyncConfig = Required<Omit<SyncOptions, 'chain' | 'clock' | 'log'>>;

export function syncConfig(o: Omit<SyncOptions, 'chain' | 'clock' | 'log'>): SyncConfig {
  return {
    windowSize: o.windowSize ?? 1024,
    maxInFlightPerPeer: o.maxInFlightPerPeer ?? 16,
    stallTimeoutMs: o.stallTimeoutMs ?? 2_000,
    maxStallTimeoutMs: o.maxStallTimeoutMs ?? 64_000,
    maxStalls: o.maxStalls ?? 3,
    blockTimeoutMs: o.blockTimeoutMs ?? 120_000,
    headersTimeoutMs: o.headersTimeoutMs ?? 120_000,
    maxUnconnecting: o.maxUnconnecting ?? 10,
    minimumChainWork: o.minimumChainWork ?? 0n,
    maxBufferBytes: o.maxBufferBytes ?? 64 * 1024 * 1024,
    unrequestedBlockBurst: o.unrequestedBlockBurst ?? 5,
    unrequestedBlocksPerMinute: o.unrequestedBlocksPerMinute ?? 6,
    tickMs: o.tickMs ?? 1_000,
  };
}
