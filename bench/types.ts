// The row every scenario returns. A figure alone means little on a shared machine, so a
// row carries the limit it was compared with (measured in the same run where possible)
// and the ratio; `goal` is a comparison like "≥ 0.8" applied to the ratio, or to the
// figure when there is no ratio.
export interface BenchResult {
  name: string;
  figure: number;
  unit: string;
  limit: number | null;
  limitUnit?: string;
  ratio: number | null;
  goal: string;
  note?: string;
}

export interface BenchOptions {
  quick: boolean;
}

/** The median of `xs` (the mean of the middle two when their count is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Whether `value` meets a goal such as "≥ 0.8", "<= 1.25" or "< 2 s"; null when the goal is not a comparison. */
export function meetsGoal(goal: string, value: number | null): boolean | null {
  const m = /^\s*(≥|>=|≤|<=|<|>)\s*([0-9.]+)/.exec(goal);
  if (!m || value === null || !Number.isFinite(value)) return null;
  const x = Number(m[2]);
  switch (m[1]) {
    case '≥':
    case '>=':
      return value >= x;
    case '≤':
    case '<=':
      return value <= x;
    case '<':
      return value < x;
    default:
      return value > x;
  }
}
