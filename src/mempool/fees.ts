// Fee estimation learned from this node's own observations, a simplified form of Bitcoin
// Core's CBlockPolicyEstimator: each transaction is put in an exponentially spaced fee
// rate bucket when it enters the mempool; when a block confirms it, the bucket records
// how many blocks it waited. Transactions that waited longer than a target and are still
// unconfirmed (or left without confirming) count as failures for that target. Old data
// decays each block so estimates follow the market.
//
// estimate(target) walks buckets from the highest fee rate down, grouping them until a
// group has enough samples, and returns the average fee rate of the cheapest group in
// which at least `successRate` of transactions confirmed within `target` blocks. With no
// such group (no history yet), it returns the fallback (by default the minimum fee rate;
// the mempool passes one that reads its current backlog).

/** Esplora's /fee-estimates targets: 1-25, 144, 504 and 1008 blocks. */
export const FEE_TARGETS: readonly number[] = [...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008];

export interface FeeEstimatorOptions {
  /** Floor for every answer, sat/kvB (usually the relay or mempool minimum). */
  minFeeRate?: () => number;
  /** Answer when history does not decide, sat/kvB; defaults to minFeeRate. */
  fallback?: (target: number) => number;
  /** Per-block decay of old observations (0.998: half-life ~350 blocks). */
  decay?: number;
  successRate?: number;
  /** Decayed transaction count a bucket group needs before it is judged. */
  minSamples?: number;
  maxTarget?: number;
}

const MIN_BUCKET = 1000; // 1 sat/vB in sat/kvB
const BUCKET_SPACING = 1.1;
const BUCKETS = 98; // up to ~10,000 sat/vB; everything above lands in the top bucket

interface Tracked {
  height: number;
  bucket: number;
}

export function bucketOf(rate: number): number {
  if (!(rate > MIN_BUCKET)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log(rate / MIN_BUCKET) / Math.log(BUCKET_SPACING)));
}

export class FeeEstimator {
  private readonly tracked = new Map<string, Tracked>();
  /** confirmed[b][d-1]: decayed count confirmed after exactly d blocks (d <= maxTarget). */
  private readonly confirmed: Float64Array[];
  /** Decayed count of all confirmed txs per bucket, however long they waited. */
  private readonly total = new Float64Array(BUCKETS);
  /** failed[b][w-1]: left unconfirmed after waiting w blocks (w capped at maxTarget+1). */
  private readonly failed: Float64Array[];
  private readonly rateSum = new Float64Array(BUCKETS);
  private readonly rateCount = new Float64Array(BUCKETS);
  private height = 0;
  private readonly decay: number;
  private readonly successRate: number;
  private readonly minSamples: number;
  readonly maxTarget: number;
  private readonly minFeeRate: () => number;
  private readonly fallback: (target: number) => number;

  constructor(opts: FeeEstimatorOptions = {}) {
    this.decay = opts.decay ?? 0.998;
    this.successRate = opts.successRate ?? 0.85;
    this.minSamples = opts.minSamples ?? 4;
    this.maxTarget = opts.maxTarget ?? 144;
    this.minFeeRate = opts.minFeeRate ?? (() => MIN_BUCKET);
    this.fallback = opts.fallback ?? (() => this.minFeeRate());
    this.confirmed = Array.from({ length: BUCKETS }, () => new Float64Array(this.maxTarget));
    this.failed = Array.from({ length: BUCKETS }, () => new Float64Array(this.maxTarget + 1));
  }

  get trackedCount(): number {
    return this.tracked.size;
  }

  /** A transaction entered the mempool while the tip was at `height`; rate in sat/kvB. */
  track(key: string, height: number, rate: number): void {
    const bucket = bucketOf(rate);
    this.tracked.set(key, { height, bucket });
    this.rateSum[bucket]! += rate;
    this.rateCount[bucket]! += 1;
    if (height > this.height) this.height = height;
  }

  /** It left the mempool without confirming (replaced, evicted, expired, conflicted). */
  untrack(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    this.tracked.delete(key);
    const waited = this.height - t.height;
    if (waited > 0) this.failed[t.bucket]![Math.min(waited, this.maxTarget + 1) - 1]! += 1;
  }

  /** A block at `height` confirmed these transactions (internal txid hex keys). */
  processBlock(height: number, confirmedKeys: Iterable<string>): void {
    if (height <= this.height && this.height > 0) {
      // A reorg re-connecting known heights: confirmations are not fresh evidence.
      for (const k of confirmedKeys) this.tracked.delete(k);
      return;
    }
    this.height = height;
    const d = this.decay;
    for (let b = 0; b < BUCKETS; b++) {
      const c = this.confirmed[b]!;
      for (let i = 0; i < c.length; i++) c[i]! *= d;
      const f = this.failed[b]!;
      for (let i = 0; i < f.length; i++) f[i]! *= d;
      this.total[b]! *= d;
      this.rateSum[b]! *= d;
      this.rateCount[b]! *= d;
    }
    for (const k of confirmedKeys) {
      const t = this.tracked.get(k);
      if (!t) continue;
      this.tracked.delete(k);
      const blocks = Math.max(1, height - t.height);
      if (blocks <= this.maxTarget) this.confirmed[t.bucket]![blocks - 1]! += 1;
      this.total[t.bucket]! += 1;
    }
  }

  /** sat/vB to confirm within `target` blocks (clamped to 1..maxTarget). */
  estimate(target: number): number {
    const t = Math.max(1, Math.min(this.maxTarget, Math.floor(target)));
    const floor = this.minFeeRate();
    const learned = this.learned(t);
    const rate = learned ?? this.fallback(t);
    return Math.max(rate, floor) / 1000;
  }

  /**
   * Estimates for Esplora's targets; never higher for a longer target. Targets beyond
   * maxTarget (504, 1008) answer what maxTarget does: there is no longer history.
   */
  estimates(): Record<string, number> {
    const out: Record<string, number> = {};
    let prev = Infinity;
    for (const t of FEE_TARGETS) {
      const v = Math.min(prev, this.estimate(t));
      out[`${t}`] = v;
      prev = v;
    }
    return out;
  }

  private learned(target: number): number | undefined {
    // Still-unconfirmed txs that already waited longer than the target are failures too:
    // without them a fee level that never confirms would look like "no data".
    const waiting = new Float64Array(BUCKETS);
    for (const tr of this.tracked.values()) if (this.height - tr.height > target) waiting[tr.bucket]! += 1;
    let conf = 0;
    let all = 0;
    let rs = 0;
    let rc = 0;
    let best: number | undefined;
    for (let b = BUCKETS - 1; b >= 0; b--) {
      const c = this.confirmed[b]!;
      for (let i = 0; i < target; i++) conf += c[i]!;
      const f = this.failed[b]!;
      let fails = waiting[b]!;
      for (let i = target; i < f.length; i++) fails += f[i]!;
      all += this.total[b]! + fails;
      rs += this.rateSum[b]!;
      rc += this.rateCount[b]!;
      if (all < this.minSamples) continue;
      if (conf / all < this.successRate) break;
      best = rc > 0 ? rs / rc : MIN_BUCKET * BUCKET_SPACING ** b;
      conf = all = rs = rc = 0;
    }
    return best;
  }
}
