// The fee floor and trimming: keeping the pool within its size and age limits, and the
// rolling minimum fee rate that evictions raise and time lowers again (Core's TrimToSize,
// GetMinFee and Expire). It reads the graph and asks its owner to remove entries, so the
// owner's removal bookkeeping (events, fee tracking) stays in one place.
import type { Clock } from '../primitives/index.js';
import type { MempoolEntry, TxGraph } from './graph.js';
import type { PolicyOptions } from './policy.js';

/** How the trimmer takes entries out: `roots` and all their descendants. */
export type RemoveWithDescendants = (roots: Iterable<MempoolEntry>, reason: 'evicted' | 'expired') => void;

export interface TrimmerOptions {
  graph: TxGraph;
  clock: Clock;
  policy: Pick<PolicyOptions, 'minRelayFeeRate' | 'incrementalRelayFeeRate'>;
  limits: { maxBytes: number; expiryMs: number };
  remove: RemoveWithDescendants;
}

/** The rolling minimum halves every 12 h, faster (3 h, 6 h) while the pool is under 1/4 or 1/2 full. */
const HALF_LIFE_MS = 12 * 3600_000;
/** The rolling minimum decays at most this often. */
const DECAY_INTERVAL_MS = 10_000;

export class Trimmer {
  private readonly graph: TxGraph;
  private readonly clock: Clock;
  private readonly policy: TrimmerOptions['policy'];
  private readonly limits: TrimmerOptions['limits'];
  private readonly remove: RemoveWithDescendants;
  /** sat/kvB; 0 when no eviction raised it (or it decayed away) */
  private rollingMinFee = 0;
  private lastRollingUpdate = 0;
  /** a block connected since the last raise: only then does the rolling minimum decay */
  private blockSinceBump = false;

  constructor(opts: TrimmerOptions) {
    this.graph = opts.graph;
    this.clock = opts.clock;
    this.policy = opts.policy;
    this.limits = opts.limits;
    this.remove = opts.remove;
  }

  /** sat/kvB a new transaction must pay: relay minimum, or higher after evictions (Core's GetMinFee). */
  minFeeRate(): number {
    const floor = this.policy.minRelayFeeRate;
    if (!this.blockSinceBump || this.rollingMinFee === 0) return Math.max(this.rollingMinFee, floor);
    const now = this.clock.now();
    if (now > this.lastRollingUpdate + DECAY_INTERVAL_MS) {
      let halfLife = HALF_LIFE_MS;
      const vsize = this.graph.vsize;
      if (vsize < this.limits.maxBytes / 4) halfLife /= 4;
      else if (vsize < this.limits.maxBytes / 2) halfLife /= 2;
      this.rollingMinFee /= 2 ** ((now - this.lastRollingUpdate) / halfLife);
      this.lastRollingUpdate = now;
      if (this.rollingMinFee < this.policy.incrementalRelayFeeRate / 2) {
        this.rollingMinFee = 0;
        return floor;
      }
    }
    return Math.max(this.rollingMinFee, floor);
  }

  /** A block connected: the rolling minimum may decay from now on. */
  blockConnected(): void {
    this.blockSinceBump = true;
  }

  /** Core's TrimToSize: evict lowest descendant-score packages, raising the rolling minimum. */
  trimToSize(): void {
    const graph = this.graph;
    while (graph.vsize > this.limits.maxBytes && graph.size > 0) {
      let worst: MempoolEntry | undefined;
      let worstScore = Infinity;
      for (const e of graph.entries()) {
        const s = Math.max(e.feeRate, e.descendantFeeRate);
        if (s < worstScore) {
          worstScore = s;
          worst = e;
        }
      }
      const w = worst!;
      const rate = w.descendantFeeRate + this.policy.incrementalRelayFeeRate;
      if (rate > this.rollingMinFee) {
        this.rollingMinFee = rate;
        this.lastRollingUpdate = this.clock.now();
        this.blockSinceBump = false;
      }
      this.remove([w], 'evicted');
    }
  }

  /** Drops entries older than limits.expiryMs (and their descendants). Returns how many went. */
  expire(): number {
    const cutoff = this.clock.now() - this.limits.expiryMs;
    const old: MempoolEntry[] = [];
    // Insertion order is arrival order, so the old ones are at the front.
    for (const e of this.graph.entries()) {
      if (e.time >= cutoff) break;
      old.push(e);
    }
    if (old.length === 0) return 0;
    const before = this.graph.size;
    this.remove(old, 'expired');
    return before - this.graph.size;
  }
}
