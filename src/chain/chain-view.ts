// The active chain: the path of entries from genesis to the tip, indexed by height (btcd's
// chainView, Core's CChain). Answers "is this entry on the active chain", ancestors (by
// array lookup on the active chain, by skip list elsewhere), block locators and forks.
// Owned by Chain, which moves the tip; nothing here reads storage.
import { ancestorOf } from './skip.js';
import type { ChainEntry } from './entry.js';

export class ChainView {
  private entries: ChainEntry[] = [];

  get tip(): ChainEntry {
    return this.entries[this.entries.length - 1]!;
  }

  get height(): number {
    return this.entries.length - 1;
  }

  get genesis(): ChainEntry {
    return this.entries[0]!;
  }

  /** The active entries, genesis first (a live view: do not keep it across tip changes). */
  all(): readonly ChainEntry[] {
    return this.entries;
  }

  /** The active entry at `height`, if the chain is that high. */
  at(height: number): ChainEntry | undefined {
    return this.entries[height];
  }

  contains(e: ChainEntry): boolean {
    return this.entries[e.height] === e;
  }

  /** The entry after `e` on the active chain, if `e` is on it. */
  next(e: ChainEntry): ChainEntry | undefined {
    return this.contains(e) ? this.entries[e.height + 1] : undefined;
  }

  /** Makes the chain the path from genesis to `tip`. */
  setTip(tip: ChainEntry): void {
    const chain: ChainEntry[] = new Array(tip.height + 1);
    for (let e: ChainEntry | null = tip; e; e = e.prev) chain[e.height] = e;
    this.entries = chain;
  }

  /** Extends the chain by `e`, a child of the tip. */
  push(e: ChainEntry): void {
    this.entries.push(e);
  }

  /** Takes the tip off. */
  pop(): void {
    this.entries.pop();
  }

  /** `e`'s ancestor at `height` (on the active chain by lookup, elsewhere by skip list). */
  ancestor(e: ChainEntry, height: number): ChainEntry | undefined {
    if (height > e.height || height < 0) return undefined;
    if (this.contains(e)) return this.entries[height];
    return ancestorOf(e, height);
  }

  /** Block locator (Core's GetLocator): dense near the tip, then exponentially sparse. */
  locator(from: ChainEntry = this.tip): Uint8Array[] {
    const out: Uint8Array[] = [];
    let step = 1;
    let e: ChainEntry | undefined = from;
    while (e) {
      out.push(e.hash);
      if (e.height === 0) break;
      const h = Math.max(e.height - step, 0);
      e = this.ancestor(e, h);
      if (out.length > 10) step *= 2;
    }
    return out;
  }

  /** The first entry of `locator` (looked up with `lookup`) on the active chain; genesis if none. */
  findLocatorFork(locator: readonly Uint8Array[], lookup: (hash: Uint8Array) => ChainEntry | undefined): ChainEntry {
    for (const h of locator) {
      const e = lookup(h);
      if (e && this.contains(e)) return e;
    }
    return this.genesis;
  }

  /** The last common ancestor of `a` and `b` (both in the same block tree). */
  findFork(a: ChainEntry, b: ChainEntry): ChainEntry {
    let x = a.height > b.height ? this.ancestor(a, b.height)! : a;
    let y = b.height > a.height ? this.ancestor(b, a.height)! : b;
    while (x !== y) {
      x = x.prev!;
      y = y.prev!;
    }
    return x;
  }

  /** The active entry where the branch of `e` leaves the active chain (`e` itself if active). */
  forkOf(e: ChainEntry): ChainEntry {
    let fork = e;
    while (!this.contains(fork)) fork = fork.prev!;
    return fork;
  }
}
