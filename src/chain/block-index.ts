// The block index: every header the chain accepted (ChainEntry, with chainwork and status),
// their children, the candidates for the tip, the best header, and failure marking (btcd's
// blockIndex, Core's m_block_index + setBlockIndexCandidates). Fork choice compares entries
// with `worse` (Core's CBlockIndexWorkComparator). Owned by Chain, which persists what
// changes (markFailed returns the entries to write); nothing here reads storage.
import { bytesToHex } from '../primitives/index.js';
import type { RuleError } from '../consensus/index.js';
import { Status, type ChainEntry } from './entry.js';
import type { ChainView } from './chain-view.js';
import { ancestorOf, skipHeight } from './skip.js';

/** Core's CBlockIndexWorkComparator: `a` has less work, or equal work and was seen later. */
export function worse(a: ChainEntry, b: ChainEntry): boolean {
  if (a.chainwork !== b.chainwork) return a.chainwork < b.chainwork;
  return a.seq > b.seq;
}

/** Recent rule failures kept, so processBlock can say why its block failed. */
const FAILURES_KEPT = 100;

export class BlockIndex {
  private readonly entries = new Map<string, ChainEntry>();
  private readonly children = new Map<string, ChainEntry[]>();
  /**
   * Every connectable (it and its ancestors have data), not-failed entry at least as good
   * as the tip, including blocks a reorg disconnected: so a reorg that fails part-way falls
   * back to the best valid chain, which may be the one it left.
   */
  private readonly candidates = new Set<ChainEntry>();
  /** recent rule failures by entry */
  private readonly failures = new Map<ChainEntry, RuleError>();
  /** the last sequence id handed out (see ChainEntry.seq); 0 means "not yet" */
  private seq = 0;
  /** the not-failed entry with the most chainwork (set by the chain once loaded) */
  bestHeader!: ChainEntry;

  get(hash: Uint8Array): ChainEntry | undefined {
    return this.entries.get(bytesToHex(hash));
  }

  values(): IterableIterator<ChainEntry> {
    return this.entries.values();
  }

  /** Adds `e` (its parent already indexed) with its skip pointer. */
  insert(e: ChainEntry): void {
    if (e.prev) e.skip = ancestorOf(e.prev, skipHeight(e.height)) ?? null;
    this.entries.set(bytesToHex(e.hash), e);
    if (e.prev) {
      const pk = bytesToHex(e.prev.hash);
      const list = this.children.get(pk);
      if (list) list.push(e);
      else this.children.set(pk, [e]);
    }
  }

  childrenOf(e: ChainEntry): readonly ChainEntry[] {
    return this.children.get(bytesToHex(e.hash)) ?? [];
  }

  /** Hands `e` the next sequence id (the moment its data became connectable). */
  assignSeq(e: ChainEntry): void {
    e.seq = ++this.seq;
  }

  /** A new header with more work than the best one becomes the best header. */
  considerBestHeader(e: ChainEntry): void {
    if (!e.failed && e.chainwork > this.bestHeader.chainwork) this.bestHeader = e;
  }

  addCandidate(e: ChainEntry): void {
    this.candidates.add(e);
  }

  removeCandidate(e: ChainEntry): void {
    this.candidates.delete(e);
  }

  /** Why `e` failed, if it failed recently. */
  failureOf(e: ChainEntry): RuleError | undefined {
    return this.failures.get(e);
  }

  /**
   * Marks `entry` Failed and its descendants FailedChild (they can never be part of a valid
   * chain) and drops them from the candidates. Returns the descendants, whose changed
   * status the caller stores; the best header falls back to the best valid entry (at
   * least `tip`) if it was among them.
   */
  markFailed(entry: ChainEntry, err: RuleError, tip: ChainEntry): ChainEntry[] {
    entry.status |= Status.Failed;
    this.failures.set(entry, err);
    if (this.failures.size > FAILURES_KEPT) this.failures.delete(this.failures.keys().next().value!);
    this.candidates.delete(entry);
    const stack = [...this.childrenOf(entry)];
    const changed: ChainEntry[] = [];
    while (stack.length) {
      const c = stack.pop()!;
      c.status |= Status.FailedChild;
      this.candidates.delete(c);
      changed.push(c);
      stack.push(...this.childrenOf(c));
    }
    if (this.bestHeader.failed) {
      let best = tip;
      for (const e of this.entries.values()) if (!e.failed && e.chainwork > best.chainwork) best = e;
      this.bestHeader = best;
    }
    return changed;
  }

  /**
   * Called when `entry`'s data is stored. If its parent is connectable (it and all its
   * ancestors have data), the entry becomes connectable too, and so do its descendants
   * whose data came earlier (Core's mapBlocksUnlinked), parents first. Each gets the next
   * sequence id at that moment: "first seen" is when a block could first have been connected.
   */
  link(entry: ChainEntry, tip: ChainEntry): void {
    if (entry.seq || (entry.prev && !entry.prev.seq)) return;
    const queue = [entry];
    while (queue.length > 0) {
      const e = queue.shift()!;
      if (e.seq || !e.haveData) continue;
      this.assignSeq(e);
      if (e.failed) continue;
      if (!worse(e, tip)) this.candidates.add(e);
      queue.push(...this.childrenOf(e));
    }
  }

  /** The best connectable, not-failed entry if it is better than `tip` (else undefined). */
  bestCandidate(tip: ChainEntry): ChainEntry | undefined {
    let best = tip;
    for (const c of this.candidates) {
      if (c.failed) {
        this.candidates.delete(c);
        continue;
      }
      if (worse(best, c)) best = c;
    }
    return best === tip ? undefined : best;
  }

  /** Drops candidates that are active or worse than the (valid) tip: they can never win. */
  pruneCandidates(view: ChainView): void {
    for (const c of this.candidates) if (view.contains(c) || worse(c, view.tip)) this.candidates.delete(c);
  }

  /** Whether `e` and its ancestors off the active chain all have data and none failed. */
  pathHasData(e: ChainEntry, view: ChainView): boolean {
    for (let w: ChainEntry | null = e; w && !view.contains(w); w = w.prev) {
      if (!w.haveData || w.failed) return false;
    }
    return true;
  }

  /** Entries without children (the tips of every branch). */
  *leaves(): IterableIterator<ChainEntry> {
    for (const [k, e] of this.entries) if (!this.children.has(k)) yield e;
  }
}
