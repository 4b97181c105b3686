// Transactions whose parents we have not seen, held until the parents arrive. A peer can
// send any number of these for free (nothing about them can be checked), so the pool is
// bounded by count and bytes, evicts at random when full (an attacker cannot choose what
// stays) and forgets entries after an age.
import { bytesToHex, outpointMapKey, type Clock, type Rng, type Tx } from '../primitives/index.js';

export interface OrphanTxLimits {
  maxCount: number;
  maxBytes: number;
  expiryMs: number;
}

export const DEFAULT_ORPHAN_LIMITS: OrphanTxLimits = Object.freeze({
  maxCount: 100,
  maxBytes: 4_000_000,
  expiryMs: 20 * 60_000,
});

interface Orphan {
  tx: Tx;
  key: string;
  size: number;
  time: number;
  parents: string[];
  index: number;
}

export class TxOrphanPool {
  private readonly byKey = new Map<string, Orphan>();
  private readonly list: Orphan[] = [];
  private readonly byParent = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(
    readonly limits: OrphanTxLimits,
    private readonly rng: Rng,
    private readonly clock: Clock,
  ) {}

  get count(): number {
    return this.byKey.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Holds `tx` (key = internal txid hex) until one of `parents` (internal txid hex) arrives. */
  add(tx: Tx, key: string, parents: readonly string[]): boolean {
    if (this.byKey.has(key)) return true;
    const size = tx.size;
    if (size > this.limits.maxBytes) return false;
    const o: Orphan = { tx, key, size, time: this.clock.now(), parents: [...new Set(parents)], index: this.list.length };
    this.byKey.set(key, o);
    this.list.push(o);
    this.bytes += size;
    for (const p of o.parents) {
      let s = this.byParent.get(p);
      if (!s) this.byParent.set(p, (s = new Set()));
      s.add(key);
    }
    this.expire();
    while (this.byKey.size > this.limits.maxCount || this.bytes > this.limits.maxBytes) {
      this.removeOrphan(this.list[this.rng.int(this.list.length)]!);
    }
    return this.byKey.has(key);
  }

  /** Removes and returns every orphan waiting for `parentKey`. */
  takeChildren(parentKey: string): Tx[] {
    const keys = this.byParent.get(parentKey);
    if (!keys) return [];
    const out: Tx[] = [];
    for (const k of [...keys]) {
      const o = this.byKey.get(k);
      if (!o) continue;
      out.push(o.tx);
      this.removeOrphan(o);
    }
    return out;
  }

  remove(key: string): boolean {
    const o = this.byKey.get(key);
    if (!o) return false;
    this.removeOrphan(o);
    return true;
  }

  /** Drops orphans a block confirmed or made impossible (spending the same outpoints, by outpointMapKey). */
  removeForBlock(txs: readonly Tx[], spentKeys: ReadonlySet<string>): void {
    if (this.byKey.size === 0) return;
    for (const tx of txs) this.remove(bytesToHex(tx.txid()));
    for (const o of [...this.list]) {
      for (const i of o.tx.inputs) {
        if (spentKeys.has(outpointMapKey(i.prevout))) {
          this.removeOrphan(o);
          break;
        }
      }
    }
  }

  expire(): number {
    const cutoff = this.clock.now() - this.limits.expiryMs;
    let n = 0;
    for (const o of [...this.list]) {
      if (o.time < cutoff) {
        this.removeOrphan(o);
        n++;
      }
    }
    return n;
  }

  private removeOrphan(o: Orphan): void {
    if (this.byKey.get(o.key) !== o) return;
    this.byKey.delete(o.key);
    const last = this.list.pop()!;
    if (last !== o) {
      this.list[o.index] = last;
      last.index = o.index;
    }
    this.bytes -= o.size;
    for (const p of o.parents) {
      const s = this.byParent.get(p);
      if (!s) continue;
      s.delete(o.key);
      if (s.size === 0) this.byParent.delete(p);
    }
  }
}
