// Block templates: the next block on the tip, filled from the mempool by ancestor fee rate
// (Core's BlockAssembler::addPackageTxs): repeatedly take the unconfirmed package (a tx
// with its not-yet-included ancestors) paying the most per vbyte, place ancestors first,
// and lower the package rates of the descendants of what was placed. The coinbase is
// rebuilt cheaply per extra nonce: its merkle branch and the witness commitment do not
// depend on it, so both are computed once per template.
import {
  Block,
  BlockHeader,
  Tx,
  addressToScript,
  merkleBranch,
  rootFromBranch,
  systemClock,
  witnessCommitmentScript,
  type Clock,
} from '../primitives/index.js';
import { blockSubsidy, createCoinbase, nextWorkRequired, type ConsensusParams } from '../consensus/index.js';
import type { Chain, ChainEntry } from '../chain/index.js';
import type { Mempool, MempoolEntry } from '../mempool/index.js';

/** Weight kept free for the coinbase (Core reserves 4000). */
export const COINBASE_RESERVED_WEIGHT = 4000;
/** BIP9 "top bits" version with no deployments signalled. */
export const TEMPLATE_VERSION = 0x20000000;

export interface TemplateOptions {
  chain: Chain;
  mempool?: Mempool;
  params?: ConsensusParams;
  /** Where subsidy and fees go: an output script, or an address of the network. */
  payTo: Uint8Array | string;
  clock?: Clock;
  /** Block weight limit for the template (at most params.maxBlockWeight). */
  maxWeight?: number;
  version?: number;
}

export interface BlockTemplate {
  readonly prev: ChainEntry;
  readonly height: number;
  /** max(median time past + 1, now), seconds */
  readonly time: number;
  readonly bits: number;
  readonly version: number;
  /** Non-coinbase transactions in block order (parents before children). */
  readonly txs: readonly Tx[];
  readonly fees: bigint;
  readonly subsidy: bigint;
  /** Weight of the non-coinbase transactions plus the 80-byte header and tx count. */
  readonly txWeight: number;
  readonly payTo: Uint8Array;
  /** The unsolved block (nonce 0) for an extra nonce and optionally another time. */
  block(extraNonce?: number, time?: number): Block;
  /** The header for an extra nonce, and the coinbase that goes with it. */
  header(extraNonce?: number, time?: number): { header: BlockHeader; coinbase: Tx };
}

interface Cand {
  e: MempoolEntry;
  /** Package (self + not-yet-included ancestors) fee in base units; exact as a double below 2^53. */
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

/** Selects mempool txs for the next block and returns a template to mine. */
export function buildTemplate(opts: TemplateOptions): BlockTemplate {
  const { chain } = opts;
  const params = opts.params ?? chain.params;
  const clock = opts.clock ?? systemClock;
  const payTo = typeof opts.payTo === 'string' ? addressToScript(opts.payTo, params.hrp) : opts.payTo;
  const prev = chain.tip;
  const height = prev.height + 1;
  const mtp = chain.medianTimePast(prev);
  const time = Math.max(mtp + 1, Math.floor(clock.now() / 1000));
  const bits = nextWorkRequired(prev.height, chain.ancestry(prev), time, params);
  const limit = Math.min(opts.maxWeight ?? params.maxBlockWeight, params.maxBlockWeight) - COINBASE_RESERVED_WEIGHT;

  const { txs, fees, weight } = opts.mempool ? selectPackages(opts.mempool, limit - 80 * 4 - 9 * 4) : { txs: [], fees: 0n, weight: 0 };
  const subsidy = blockSubsidy(height, params);
  const version = opts.version ?? TEMPLATE_VERSION;

  // Leaf 0 is the coinbase: its branch (and the witness root, where the coinbase counts
  // as zero) are the same whatever the coinbase says.
  const placeholder = new Uint8Array(32);
  const branch = merkleBranch([placeholder, ...txs.map((t) => t.txid())], 0);
  const withWitness = txs.some((t) => t.hasWitness);
  const commitment = withWitness ? witnessCommitmentScript([placeholderTx(), ...txs]) : undefined;

  const coinbaseFor = (extraNonce: number): Tx => {
    const outputs = [{ value: subsidy + fees, script: payTo }];
    if (commitment) outputs.push({ value: 0n, script: commitment });
    const cb = createCoinbase({ height, params, outputs, extraNonce });
    if (!commitment) return cb;
    const input = cb.inputs[0]!;
    return new Tx({ version: cb.version, inputs: [{ ...input, witness: [new Uint8Array(32)] }], outputs: cb.outputs, locktime: cb.locktime });
  };
  const header = (extraNonce = 0, t = time): { header: BlockHeader; coinbase: Tx } => {
    const coinbase = coinbaseFor(extraNonce);
    const merkleRoot = rootFromBranch(coinbase.txid(), branch, 0);
    return { header: new BlockHeader({ version, prevBlock: prev.hash, merkleRoot, time: t, bits, nonce: 0 }), coinbase };
  };
  return {
    prev,
    height,
    time,
    bits,
    version,
    txs,
    fees,
    subsidy,
    txWeight: weight + 80 * 4,
    payTo,
    header,
    block(extraNonce = 0, t = time) {
      const h = header(extraNonce, t);
      return new Block(h.header, [h.coinbase, ...txs]);
    },
  };
}

function placeholderTx(): Tx {
  return new Tx({ version: 2, inputs: [], outputs: [], locktime: 0 });
}

/** Core's addPackageTxs with a lazily updated max-heap of package fee rates. */
export function selectPackages(mempool: Mempool, maxWeight: number): { txs: Tx[]; fees: bigint; weight: number } {
  const cands = new Map<MempoolEntry, Cand>();
  const items: HeapItem[] = [];
  for (const e of mempool.entries()) {
    const c: Cand = { e, fee: Number(e.ancestorFee), size: e.ancestorSize, weight: e.ancestorWeight, ver: 0, done: false, failed: false };
    cands.set(e, c);
    items.push({ c, ver: 0, rate: c.fee / c.size });
  }
  const heap = new Heap<HeapItem>(above, items);
  const out: MempoolEntry[] = [];
  let weight = 0;
  let fees = 0n;
  let failures = 0;
  const include = (e: MempoolEntry, touched: Set<Cand>): void => {
    cands.get(e)!.done = true;
    out.push(e);
    weight += e.weight;
    fees += e.fee;
    if (e.children.size === 0) return;
    // Descendants' packages no longer contain e: lower their fee, size and weight.
    const fee = Number(e.fee);
    const dseen = new Set<MempoolEntry>();
    const dstack = [...e.children];
    while (dstack.length > 0) {
      const d = dstack.pop()!;
      if (dseen.has(d)) continue;
      dseen.add(d);
      const dc = cands.get(d)!;
      if (!dc.done) {
        dc.fee -= fee;
        dc.size -= e.vsize;
        dc.weight -= e.weight;
        touched.add(dc);
      }
      for (const x of d.children) dstack.push(x);
    }
  };
  while (heap.size > 0) {
    const { c, ver } = heap.pop()!;
    if (c.done || c.failed || ver !== c.ver) continue;
    if (weight + c.weight > maxWeight) {
      c.failed = true;
      // Near full, stop looking for something small enough (as Core).
      if (++failures > 1000 && weight > maxWeight - 4000) break;
      continue;
    }
    const touched = new Set<Cand>();
    let pendingParent = false;
    for (const p of c.e.parents) if (!cands.get(p)!.done) pendingParent = true;
    if (!pendingParent) {
      include(c.e, touched);
    } else {
      // The package: c and its ancestors not yet in the block.
      const pkg: MempoolEntry[] = [];
      const seen = new Set<MempoolEntry>();
      const stack = [c.e];
      while (stack.length > 0) {
        const e = stack.pop()!;
        if (seen.has(e) || cands.get(e)!.done) continue;
        seen.add(e);
        pkg.push(e);
        for (const p of e.parents) stack.push(p);
      }
      // An ancestor has strictly fewer ancestors than its descendants: a topological order.
      pkg.sort((a, b) => a.ancestorCount - b.ancestorCount);
      for (const e of pkg) include(e, touched);
    }
    for (const t of touched) {
      if (t.done) continue;
      t.ver++;
      t.failed = false;
      heap.push({ c: t, ver: t.ver, rate: t.fee / t.size });
    }
  }
  return { txs: out.map((e) => e.tx), fees, weight };
}

function above(a: HeapItem, b: HeapItem): boolean {
  if (a.rate !== b.rate) return a.rate > b.rate;
  return a.c.e.txidHex < b.c.e.txidHex; // deterministic order among equal rates
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
      const t = a[i]!;
      a[i] = a[p]!;
      a[p] = t;
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
      const t = a[i]!;
      a[i] = a[m]!;
      a[m] = t;
      i = m;
    }
  }
}
