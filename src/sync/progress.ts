// Sync progress: the phase (idle, headers, blocks, synced), heights, the fraction done and
// an ETA from a moving average of blocks connected per second; logged in percent at most
// every PROGRESS_LOG_MS ('idle' only at debug).
import type { Clock, Logger } from '../primitives/index.js';
import type { Chain } from '../chain/index.js';
import type { PeerSync } from './peerstate.js';

/** Least time between two sync progress log lines. */
export const PROGRESS_LOG_MS = 5_000;

export type SyncPhase = 'idle' | 'headers' | 'blocks' | 'synced';

export interface SyncState {
  state: SyncPhase;
  headers_height: number;
  blocks_height: number;
  /** blocks_height / headers_height, 1 when synced */
  progress: number;
  eta_seconds: number | null;
}

export class SyncProgress {
  /** exponential moving average of blocks connected per second, for the ETA */
  private rate = 0;
  private rateAt: number;
  private rateHeight: number;
  private lastLog = 0;

  constructor(
    private readonly chain: Chain,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.rateAt = clock.now();
    this.rateHeight = chain.height;
  }

  /** The tip moved: update the connect rate (sampled at most once a second). */
  tipChanged(): void {
    const now = this.clock.now();
    const dt = now - this.rateAt;
    if (dt >= 1000) {
      const r = ((this.chain.height - this.rateHeight) * 1000) / dt;
      this.rate = this.rate === 0 ? r : this.rate * 0.7 + r * 0.3;
      this.rateAt = now;
      this.rateHeight = this.chain.height;
    }
  }

  state(peers: Iterable<PeerSync>): SyncState {
    const headers = this.chain.bestHeader.height;
    const blocks = this.chain.height;
    let state: SyncPhase;
    const ready = [...peers].filter((s) => s.link.ready);
    if (ready.length === 0 && headers <= blocks) state = 'idle';
    else if (ready.some((s) => s.headersAskedAt !== undefined && !s.headersSynced)) state = 'headers';
    else if (headers > blocks) state = 'blocks';
    else state = 'synced';
    const progress = headers === 0 ? 1 : Math.min(1, blocks / headers);
    const eta = headers <= blocks ? 0 : this.rate > 0 ? Math.round((headers - blocks) / this.rate) : null;
    return { state, headers_height: headers, blocks_height: blocks, progress, eta_seconds: eta };
  }

  /** Logs s, at most every PROGRESS_LOG_MS, in percent only; nothing once synced. */
  report(s: SyncState): void {
    const now = this.clock.now();
    if (s.state === 'synced' || now - this.lastLog < PROGRESS_LOG_MS) return;
    this.lastLog = now;
    const pct = Math.floor(s.progress * 1000) / 10;
    const fields = { state: s.state, progress_pct: pct, blocks_height: s.blocks_height, headers_height: s.headers_height, eta_seconds: s.eta_seconds };
    if (s.state === 'idle') this.log.debug(fields, 'sync idle');
    else this.log.info(fields, `sync ${pct}%`);
  }
}
