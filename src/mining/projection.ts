// Projected blocks: the mempool cut into the blocks miners would make of it, the way
// mempool.space draws its "mempool blocks". The selection is the template's (Core's
// addPackageTxs: the package of a tx and its not-yet-placed ancestors paying the most per
// vbyte goes first), carried on past the first block: what does not fit one block starts
// the next, and the last projected block takes everything left. Every tx is credited with
// the rate of the package it was placed in (its effective fee rate, so a parent paid for
// by its child counts at the package's rate). Pure: reads entries, changes nothing.
import type { MempoolEntry } from '../mempool/index.js';

export interface ProjectedTx {
  entry: MempoolEntry;
  /** sat/vB of the package it was placed with */
  rate: number;
}

export interface ProjectedBlock {
  /** in block order: parents before children */
  txs: ProjectedTx[];
  weight: number;
  vsize: number;
  /** serialized bytes */
  size: number;
  fees: bigint;
}

export interface ProjectionOptions {
  /** weight available to transactions in one block */
  maxWeight: number;
  /** how many blocks to project; the last one holds whatever is left (default 8, as mempool.space) */
  maxBlocks?: number;
  /**
   * Stop once the first block is full and return only it (possibly empty): the block
   * template's selection (selectPackages), with nothing spent on the blocks after it.
   */
  firstOnly?: boolean;
}

interface Cand {
  e: MempoolEntry;
  fee: number;
  size: number;
  weight: number;
  ver: number;
  done: boolean;
  failed: boolean;
}

interface HeapItem {
  c: Cand;
  ver: number;
  rate: number;
}

export function projectBlocks(entries: Iterable<MempoolEntry>, opts: ProjectionOptions): ProjectedBlock[] {
  const maxBlocks = Math.max(1, opts.maxBlocks ?? 8);
  const cands = new Map<MempoolEntry, Cand>();
  const items: HeapItem[] = [];
  for (const e of entries) {
    const c: Cand = { e, fee: Number(e.ancestorFee), size: e.ancestorSize, weight: e.ancestorWeight, ver: 0, done: false, failed: false };
    cands.set(e, c);
    items.push({ c, ver: 0, rate: c.fee / c.size });
  }
  const heap = new Heap<HeapItem>(above, items);
  const blocks: ProjectedBlock[] = [];
  let cur: ProjectedBlock = emptyBlock();
  let failed: Cand[] = [];
  let failures = 0;
  let unlimited = maxBlocks === 1;
  const limit = () => (unlimited ? Infinity : opts.maxWeight);

  const include = (e: MempoolEntry, rate: number, touched: Set<Cand>): void => {
    cands.get(e)!.done = true;
    cur.txs.push({ entry: e, rate });
    cur.weight += e.weight;
    cur.vsize += e.vsize;
    cur.size += e.tx.size;
    cur.fees += e.fee;
    if (e.children.size === 0) return;
    // Descendants' packages no longer contain e: lower their fee, size and weight.
    const fee = Number(e.fee);
    const dseen = new Set<MempoolEntry>();
    const dstack = [...e.children];
    while (dstack.length > 0) {
      const d = dstack.pop()!;
      if (dseen.has(d)) continue;
      dseen.add(d);
      const dc = cands.get(d);
      if (dc && !dc.done) {
        dc.fee -= fee;
        dc.size -= e.vsize;
        dc.weight -= e.weight;
        touched.add(dc);
      }
      for (const x of d.children) dstack.push(x);
    }
  };
  let stop = false;
  const closeBlock = (): void => {
    if (opts.firstOnly) {
      blocks.push(cur);
      stop = true;
      return;
    }
    // a block that took nothing while packages wait (none fits a block): the next takes all
    if (cur.txs.length === 0) unlimited = true;
    else blocks.push(cur);
    cur = emptyBlock();
    failures = 0;
    if (blocks.length === maxBlocks - 1) unlimited = true;
    for (const c of failed) {
      if (c.done) continue;
      c.failed = false;
      heap.push({ c, ver: c.ver, rate: c.fee / c.size });
    }
    failed = [];
  };

  while (!stop) {
    if (heap.size === 0) {
      if (failed.length === 0 || opts.firstOnly) break;
      closeBlock();
      continue;
    }
    const { c, ver } = heap.pop()!;
    if (c.done || c.failed || ver !== c.ver) continue;
    if (cur.weight + c.weight > limit()) {
      c.failed = true;
      failed.push(c);
      // Near full, stop looking for something small enough (as Core, and the template).
      if (++failures > 1000 && cur.weight > limit() - 4000) closeBlock();
      continue;
    }
    const rate = c.fee / c.size;
    const touched = new Set<Cand>();
    if (c.e.parents.size === 0) include(c.e, rate, touched);
    else {
      const pkg: MempoolEntry[] = [];
      const seen = new Set<MempoolEntry>();
      const stack = [c.e];
      while (stack.length > 0) {
        const e = stack.pop()!;
        if (seen.has(e) || cands.get(e)?.done !== false) continue;
        seen.add(e);
        pkg.push(e);
        for (const p of e.parents) stack.push(p);
      }
      // An ancestor has strictly fewer ancestors than its descendants: a topological order.
      pkg.sort((a, b) => a.ancestorCount - b.ancestorCount);
      for (const e of pkg) include(e, rate, touched);
    }
    for (const t of touched) {
      if (t.done) continue;
      t.ver++;
      t.failed = false;
      heap.push({ c: t, ver: t.ver, rate: t.fee / t.size });
    }
  }
  if (!stop && (cur.txs.length > 0 || (opts.firstOnly && blocks.length === 0))) blocks.push(cur);
  return blocks;
}

function emptyBlock(): ProjectedBlock {
  return { txs: [], weight: 0, vsize: 0, size: 0, fees: 0n };
}

/**
 * Fee-rate percentiles weighted by vsize, as Core's getblockstats computes them: for each
 * fraction, the rate of the first tx (cheapest first) at which the cumulative vsize reaches
 * that fraction of the whole. [] for no txs.
 */
export function weightedPercentiles(txs: ReadonlyArray<{ rate: number; vsize: number }>, fractions: readonly number[]): number[] {
  if (txs.length === 0) return [];
  const sorted = [...txs].sort((a, b) => a.rate - b.rate);
  const total = sorted.reduce((s, t) => s + t.vsize, 0);
  return fractions.map((f) => {
    let cum = 0;
    for (const t of sorted) {
      cum += t.vsize;
      if (cum >= total * f) return t.rate;
    }
    return sorted[sorted.length - 1]!.rate;
  });
}

/** The lower edges (sat/vB) of the fee-rate levels the histogram counts in (mempool.space's). */
export const FEE_LEVELS: readonly number[] = [
  0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 175, 200, 250, 300, 350, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400,
  1600, 1800, 2000,
];

export interface FeeLevel {
  /** sat/vB, inclusive */
  from: number;
  /** sat/vB, exclusive; null for the open top level */
  to: number | null;
  count: number;
  vsize: number;
  fees: bigint;
}

/**
 * The mempool by effective fee rate in fixed levels, from the lowest level holding a tx to
 * the highest (empty levels between them included, so an axis over them is honest).
 */
export function feeLevels(blocks: readonly ProjectedBlock[]): FeeLevel[] {
  const levels: FeeLevel[] = FEE_LEVELS.map((from, i) => ({ from, to: FEE_LEVELS[i + 1] ?? null, count: 0, vsize: 0, fees: 0n }));
  let lo = Infinity;
  let hi = -1;
  for (const b of blocks)
    for (const t of b.txs) {
      let i = FEE_LEVELS.length - 1;
      while (i > 0 && t.rate < FEE_LEVELS[i]!) i--;
      const l = levels[i]!;
      l.count++;
      l.vsize += t.entry.vsize;
      l.fees += t.entry.fee;
      lo = Math.min(lo, i);
      hi = Math.max(hi, i);
    }
  return hi < 0 ? [] : levels.slice(lo, hi + 1);
}

function above(a: HeapItem, b: HeapItem): boolean {
  if (a.rate !== b.rate) return a.rate > b.rate;
  return a.c.e.txidHex < b.c.e.txidHex; // deterministic order among equal rates, as the template
}

/** Binary max-heap by `above`. */
class Heap<T> {
  private readonly a: T[];
  constructor(
    private readonly above: (x: T, y: T) => boolean,
    initial: T[] = [],
  ) {
    this.a = initial;
    for (let i = (initial.length >> 1) - 1; i >= 0; i--) this.down(i);
  }
  get size(): number {
    return this.a.length;
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }
  private down(start: number): void {
    const a = this.a;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.above(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.above(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
