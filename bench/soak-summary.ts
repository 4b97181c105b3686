// The figures a soak is judged by, per node: RSS and heap at the end of warm-up and at the
// end, their slope over the run after warm-up (MB per 10 minutes, least squares), and the
// API p99 over the first and second half of that stretch (flat means no growth).
import type { Sample } from './soak-plot.js';

export interface NodeSummary {
  rssWarmMb: number;
  rssEndMb: number;
  rssSlopeMbPer10Min: number;
  heapWarmMb: number;
  heapEndMb: number;
  heapSlopeMbPer10Min: number;
  apiP99FirstHalfMs: number;
  apiP99SecondHalfMs: number;
  apiP99MaxMs: number;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

export function soakSummary(samples: readonly Sample[], names: readonly string[], warmupS: number): Record<string, NodeSummary> {
  const out: Record<string, NodeSummary> = {};
  for (const name of names) {
    const all = samples.filter((s) => s.node === name && Number.isFinite(s.rssMb));
    const after = all.filter((s) => s.t >= warmupS);
    const use = after.length >= 2 ? after : all;
    const mid = use.length ? (use[0]!.t + use[use.length - 1]!.t) / 2 : 0;
    const at = (xs: readonly Sample[], f: (s: Sample) => number): number => median(xs.map(f));
    out[name] = {
      rssWarmMb: at(use.slice(0, 3), (s) => s.rssMb),
      rssEndMb: at(use.slice(-3), (s) => s.rssMb),
      rssSlopeMbPer10Min: slope(use.map((s) => s.t), use.map((s) => s.rssMb)) * 600,
      heapWarmMb: at(use.slice(0, 3), (s) => s.heapUsedMb),
      heapEndMb: at(use.slice(-3), (s) => s.heapUsedMb),
      heapSlopeMbPer10Min: slope(use.map((s) => s.t), use.map((s) => s.heapUsedMb)) * 600,
      apiP99FirstHalfMs: Math.max(...use.filter((s) => s.t < mid).map((s) => s.p99).filter(Number.isFinite)),
      apiP99SecondHalfMs: Math.max(...use.filter((s) => s.t >= mid).map((s) => s.p99).filter(Number.isFinite)),
      apiP99MaxMs: Math.max(...all.map((s) => s.p99).filter(Number.isFinite)),
    };
  }
  return out;
}
