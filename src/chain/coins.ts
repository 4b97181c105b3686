// The UTXO cache (Bitcoin Core's CCoinsViewCache, one layer over LevelDB). Block connect
// prefetches every coin a block touches in one getMany, then validates synchronously
// against memory. Entries are dirty (differs from disk) and fresh (disk has no such coin,
// so spending it before a flush needs no delete at all).
import { outpointMapKey } from '../primitives/index.js';
import type { OutPoint } from '../primitives/index.js';
import type { Coin, CoinView } from '../consensus/index.js';
import { ChainDB, type BatchOp } from './chaindb.js';

interface CacheEntry {
  outpoint: OutPoint;
  coin: Coin | null;
  dirty: boolean;
  fresh: boolean;
}

const ENTRY_OVERHEAD = 160; // rough bytes per Map entry, objects and key string

export class CoinCache implements CoinView {
  private readonly map = new Map<string, CacheEntry>();
  private bytes = 0;
  /**
   * Bumped whenever entries leave the cache after a write (markFlushed, clear). A read
   * that was in flight across such a bump may have seen the disk before that write, and
   * the entry that made it stale is gone, so its answers are not trusted (see prefetch).
   */
  private epoch = 0;

  constructor(
    private readonly db: ChainDB,
    readonly limitBytes: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get usage(): number {
    return this.bytes;
  }

  /**
   * Loads every listed coin not yet cached, in one database round trip. Callers outside
   * the chain's lock (the mempool) may run this while the chain connects and flushes, so
   * a read that overlapped a flush is done again: otherwise it could cache a coin that a
   * flushed block spent, or hide one that a flushed disconnect restored.
   */
  async prefetch(outpoints: readonly OutPoint[]): Promise<void> {
    let missing: OutPoint[] = [];
    const seen = new Set<string>();
    for (const p of outpoints) {
      const k = outpointMapKey(p);
      if (this.map.has(k) || seen.has(k)) continue;
      seen.add(k);
      missing.push(p);
    }
    while (missing.length > 0) {
      const epoch = this.epoch;
      const coins = await this.db.getCoins(missing);
      const stale = this.epoch !== epoch;
      const again: OutPoint[] = [];
      for (let i = 0; i < missing.length; i++) {
        const k = outpointMapKey(missing[i]!);
        if (this.map.has(k)) continue; // filled meanwhile by a writer, which knows better
        if (stale) again.push(missing[i]!);
        else this.set(k, { outpoint: missing[i]!, coin: coins[i] ?? null, dirty: false, fresh: false });
      }
      missing = again;
    }
  }

  /**
   * The coins at `outpoints` as the cache sees them (a cached entry wins, a miss is read
   * from LevelDB), without loading anything into the cache. Consistent only while no
   * connect, disconnect or flush runs meanwhile: callers hold the chain's lock.
   */
  async read(outpoints: readonly OutPoint[]): Promise<Array<Coin | undefined>> {
    const out: Array<Coin | undefined> = new Array(outpoints.length);
    const missIdx: number[] = [];
    const miss: OutPoint[] = [];
    outpoints.forEach((p, i) => {
      const e = this.map.get(outpointMapKey(p));
      if (e) out[i] = e.coin ?? undefined;
      else {
        missIdx.push(i);
        miss.push(p);
      }
    });
    const disk = await this.db.getCoins(miss);
    missIdx.forEach((i, j) => (out[i] = disk[j]));
    return out;
  }

  /** Synchronous lookup; the coin must have been prefetched (or created since). */
  getCoin(p: OutPoint): Coin | undefined {
    return this.map.get(outpointMapKey(p))?.coin ?? undefined;
  }

  has(p: OutPoint): boolean {
    return this.map.has(outpointMapKey(p));
  }

  private set(k: string, e: CacheEntry): void {
    const old = this.map.get(k);
    if (old) this.bytes -= entrySize(old);
    this.map.set(k, e);
    this.bytes += entrySize(e);
  }

  /** Adds a coin. `fresh` promises the disk has no live coin at this outpoint; `k` is its outpointMapKey, if already made. */
  add(p: OutPoint, coin: Coin, fresh: boolean, k = outpointMapKey(p)): void {
    const old = this.map.get(k);
    // A coin spent but not yet flushed is still on disk: re-adding must overwrite it.
    const isFresh = fresh && !(old && old.dirty && !old.fresh);
    this.set(k, { outpoint: p, coin, dirty: true, fresh: isFresh });
  }

  /** Spends a coin, returning it; undefined if it does not exist. */
  spend(p: OutPoint, k = outpointMapKey(p)): Coin | undefined {
    const e = this.map.get(k);
    if (!e || !e.coin) return undefined;
    const coin = e.coin;
    if (e.fresh) {
      this.bytes -= entrySize(e);
      this.map.delete(k);
    } else {
      this.set(k, { outpoint: p, coin: null, dirty: true, fresh: false });
    }
    return coin;
  }

  /** The writes that bring the disk to the cache's state; call markFlushed() once written. */
  flushOps(): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const e of this.map.values()) {
      if (!e.dirty) continue;
      if (e.coin) ops.push(ChainDB.coinPut(e.outpoint, e.coin));
      else if (!e.fresh) ops.push(ChainDB.coinDel(e.outpoint));
    }
    return ops;
  }

  /** After a successful flush: clean entries stay cached unless over the limit. */
  markFlushed(): void {
    this.epoch++;
    if (this.bytes > this.limitBytes * 0.9) {
      this.map.clear();
      this.bytes = 0;
      return;
    }
    for (const [k, e] of this.map) {
      if (!e.dirty) continue;
      if (!e.coin) {
        this.bytes -= entrySize(e);
        this.map.delete(k);
      } else {
        e.dirty = false;
        e.fresh = false;
      }
    }
  }

  /** Drops everything unflushed (used after a failed write, before re-reading the disk). */
  clear(): void {
    this.epoch++;
    this.map.clear();
    this.bytes = 0;
  }

  get overLimit(): boolean {
    return this.bytes > this.limitBytes;
  }
}

function entrySize(e: CacheEntry): number {
  return ENTRY_OVERHEAD + (e.coin ? e.coin.script.length : 0);
}
