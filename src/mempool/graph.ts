// The transaction graph: the pool's entries, which entry spends which outpoint, the
// parent/child links between entries, and each entry's ancestor and descendant package
// statistics (count, vsize, fees, weight). It knows nothing of fee floors, the chain or
// validation: callers decide what goes in and out, the graph keeps the links and the
// statistics right (Core's CTxMemPool entry map, mapNextTx and the package counters).
//
// Invariants after every add/remove: `spenders` maps each input of each entry to it and
// nothing else; parents/children are exactly the in-pool spending links; every entry's
// ancestor*/descendant* fields equal a recount over its ancestor/descendant set (itself
// included); totals are the sums over entries.
import { bytesToHex, hashToHex, outpointMapKey, type OutPoint, type Tx } from '../primitives/index.js';
import { feeRateOf } from './policy.js';

export class MempoolEntry {
  readonly txid: Uint8Array;
  readonly key: string;
  readonly txidHex: string;
  readonly vsize: number;
  readonly weight: number;
  readonly parents = new Set<MempoolEntry>();
  readonly children = new Set<MempoolEntry>();
  ancestorCount = 1;
  ancestorSize = 0;
  ancestorFee = 0n;
  ancestorWeight = 0;
  descendantCount = 1;
  descendantSize = 0;
  descendantFee = 0n;
  /** Lowest height of a coinbase this tx spends directly (for reorg maturity), or -1. */
  readonly coinbaseHeight: number;

  constructor(
    readonly tx: Tx,
    readonly fee: bigint,
    /** ms since epoch when it entered */
    readonly time: number,
    /** tip height when it entered */
    readonly height: number,
    coinbaseHeight: number,
  ) {
    this.txid = tx.txid();
    this.key = bytesToHex(this.txid);
    this.txidHex = hashToHex(this.txid);
    this.vsize = tx.vsize;
    this.weight = tx.weight;
    this.ancestorSize = this.descendantSize = this.vsize;
    this.ancestorFee = this.descendantFee = fee;
    this.ancestorWeight = this.weight;
    this.coinbaseHeight = coinbaseHeight;
  }

  /** sat/kvB */
  get feeRate(): number {
    return feeRateOf(this.fee, this.vsize);
  }

  get ancestorFeeRate(): number {
    return feeRateOf(this.ancestorFee, this.ancestorSize);
  }

  get descendantFeeRate(): number {
    return feeRateOf(this.descendantFee, this.descendantSize);
  }
}

export class TxGraph {
  /** By internal-order txid hex; insertion order is arrival order. */
  private readonly map = new Map<string, MempoolEntry>();
  /** outpointMapKey → the entry spending it */
  private readonly spenders = new Map<string, MempoolEntry>();
  private totalVsize = 0;
  private totalFees = 0n;

  get size(): number {
    return this.map.size;
  }

  /** Sum of the entries' vsizes. */
  get vsize(): number {
    return this.totalVsize;
  }

  /** Sum of the entries' fees. */
  get fees(): bigint {
    return this.totalFees;
  }

  /** By internal-order txid hex. */
  get(key: string): MempoolEntry | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Oldest first. */
  entries(): IterableIterator<MempoolEntry> {
    return this.map.values();
  }

  spenderOf(p: OutPoint): MempoolEntry | undefined {
    return this.spenders.get(outpointMapKey(p));
  }

  /** The entry spending the outpoint with this outpointMapKey. */
  spenderByKey(k: string): MempoolEntry | undefined {
    return this.spenders.get(k);
  }

  /**
   * `parents` and all their ancestors. Stops once the set holds more than `limit`
   * entries (the caller reports a limit exceeded; the set is then incomplete).
   */
  ancestorsOf(parents: Iterable<MempoolEntry>, limit = Infinity): Set<MempoolEntry> {
    const out = new Set<MempoolEntry>();
    const stack = [...parents];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (out.has(e)) continue;
      out.add(e);
      if (out.size > limit) break; // already over; the caller reports it
      for (const p of e.parents) stack.push(p);
    }
    return out;
  }

  /** `roots` and all their descendants. */
  descendantsOf(roots: Iterable<MempoolEntry>): Set<MempoolEntry> {
    const out = new Set<MempoolEntry>();
    const stack = [...roots];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (out.has(e)) continue;
      out.add(e);
      for (const c of e.children) stack.push(c);
    }
    return out;
  }

  /**
   * Adds `entry`, linking it to parents in the graph and to children already here (after
   * a reorg a tx can come back below children that stayed). The caller has checked that
   * it conflicts with no entry.
   */
  add(entry: MempoolEntry): void {
    this.map.set(entry.key, entry);
    this.totalVsize += entry.vsize;
    this.totalFees += entry.fee;
    for (const input of entry.tx.inputs) {
      this.spenders.set(outpointMapKey(input.prevout), entry);
      const parent = this.map.get(bytesToHex(input.prevout.txid));
      if (parent) {
        entry.parents.add(parent);
        parent.children.add(entry);
      }
    }
    entry.tx.outputs.forEach((_, vout) => {
      const child = this.spenders.get(outpointMapKey({ txid: entry.txid, vout }));
      if (child) {
        child.parents.add(entry);
        entry.children.add(child);
      }
    });
    this.refreshStats(this.ancestorsOf([entry]), this.descendantsOf([entry]));
  }

  /**
   * Removes exactly `set` (callers include descendants unless they were confirmed) and
   * refreshes the statistics of the entries that stay. Members of `set` that are not (or
   * no longer) in the graph are skipped; returns the entries that were removed.
   */
  remove(set: ReadonlySet<MempoolEntry>): MempoolEntry[] {
    const removed: MempoolEntry[] = [];
    const descStale = new Set<MempoolEntry>();
    const ancStale = new Set<MempoolEntry>();
    for (const e of set) {
      for (const p of e.parents) if (!set.has(p)) for (const a of this.ancestorsOf([p])) descStale.add(a);
      for (const c of e.children) if (!set.has(c)) for (const d of this.descendantsOf([c])) ancStale.add(d);
    }
    for (const e of set) {
      if (this.map.get(e.key) !== e) continue;
      this.map.delete(e.key);
      this.totalVsize -= e.vsize;
      this.totalFees -= e.fee;
      for (const input of e.tx.inputs) {
        const k = outpointMapKey(input.prevout);
        if (this.spenders.get(k) === e) this.spenders.delete(k);
      }
      for (const p of e.parents) p.children.delete(e);
      for (const c of e.children) c.parents.delete(e);
      removed.push(e);
    }
    for (const e of set) {
      descStale.delete(e);
      ancStale.delete(e);
    }
    this.refreshStats(descStale, ancStale);
    return removed;
  }

  /** Recomputes package statistics from scratch; packages are capped small, so this is cheap. */
  private refreshStats(descStale: Iterable<MempoolEntry>, ancStale: Iterable<MempoolEntry>): void {
    for (const e of descStale) {
      const d = this.descendantsOf([e]);
      e.descendantCount = d.size;
      e.descendantSize = 0;
      e.descendantFee = 0n;
      for (const x of d) {
        e.descendantSize += x.vsize;
        e.descendantFee += x.fee;
      }
    }
    for (const e of ancStale) {
      const a = this.ancestorsOf([e]);
      e.ancestorCount = a.size;
      e.ancestorSize = 0;
      e.ancestorFee = 0n;
      e.ancestorWeight = 0;
      for (const x of a) {
        e.ancestorSize += x.vsize;
        e.ancestorFee += x.fee;
        e.ancestorWeight += x.weight;
      }
    }
  }

  /**
   * Esplora's fee histogram: [feerate sat/vB, vsize], highest rate first, a new bin once
   * the current one holds at least 50,000 vB and the rate changes.
   */
  feeHistogram(): [number, number][] {
    const rated = [...this.map.values()].map((e) => [e.feeRate / 1000, e.vsize] as [number, number]);
    rated.sort((a, b) => b[0] - a[0]);
    const out: [number, number][] = [];
    let bin = 0;
    let last = 0;
    for (const [rate, size] of rated) {
      if (bin > 0 && last !== rate && bin >= 50_000) {
        out.push([last, bin]);
        bin = 0;
      }
      bin += size;
      last = rate;
    }
    if (bin > 0) out.push([last, bin]);
    return out;
  }
}
