// A signature cache, as Core's SignatureCache and bcoin's SigCache: the (sighash, key,
// signature) triples that verified when their transaction entered the mempool, so a block
// made of transactions this node already accepted connects without verifying them again.
//
// - Only verified triples enter it (VerifyJob adds a check only after the worker reported
//   it, and every check before it, valid); a bad signature is never stored.
// - Entries are salted SHA-256 digests of msg | pubkey | sig: the salt comes from the
//   node's Rng at start, so nobody can predict which keys collide or precompute entries.
//   Nothing else is kept (no reference to the transaction).
// - Memory-bounded: at most maxBytes / ENTRY_BYTES entries (ENTRY_BYTES = 96, measured
//   ~74 bytes of V8 heap per entry in a Set of 32-char one-byte strings, plus headroom for
//   the Set's growth). When full, the oldest entry is evicted (insertion order, FIFO), so
//   a flood of new transactions can only push out old entries, never grow the cache.
// - A block's hit removes the entry (Core erases on block validation too): the signature
//   will not be needed again, and the space goes to new mempool entries. A miss is only a
//   re-verification, never a wrong answer.
import { hash } from 'node:crypto';
import type { SigCheck } from '../consensus/index.js';
import type { Rng } from '../primitives/index.js';

export const SIGCACHE_ENTRY_BYTES = 96;
export const DEFAULT_SIGCACHE_BYTES = 32 * 1024 * 1024;

export interface SigCacheOptions {
  rng: Rng;
  /** memory bound (default 32 MiB, about 350,000 signatures) */
  maxBytes?: number;
}

export interface SigCacheStats {
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
}

export class SigCache {
  readonly maxEntries: number;
  private readonly set = new Set<string>();
  private readonly scratch = Buffer.alloc(32 + 32 + 32 + 64);
  private hits = 0;
  private misses = 0;
  private inserts = 0;
  private evictions = 0;

  constructor(opts: SigCacheOptions) {
    const maxBytes = opts.maxBytes ?? DEFAULT_SIGCACHE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('sigcache: maxBytes must be a whole number of bytes');
    this.maxEntries = Math.floor(maxBytes / SIGCACHE_ENTRY_BYTES);
    const salt = opts.rng.bytes(32);
    if (salt.length !== 32) throw new RangeError('sigcache: the rng must give 32 bytes of salt');
    this.scratch.set(salt, 0);
  }

  /** The salted key of a well-formed check (64-byte sig, 32-byte msg and key). */
  key(c: SigCheck): string {
    const s = this.scratch;
    s.set(c.msg, 32);
    s.set(c.pubkey, 64);
    s.set(c.sig, 96);
    return hash('sha256', s, 'binary');
  }

  has(key: string): boolean {
    const hit = this.set.has(key);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  /** A lookup that removes the entry on a hit (for block validation). */
  take(key: string): boolean {
    const hit = this.set.delete(key);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  /** Records a triple that verified. Callers must never add one that did not. */
  add(key: string): void {
    if (this.maxEntries === 0 || this.set.has(key)) return;
    while (this.set.size >= this.maxEntries) {
      const oldest = this.set.values().next().value as string;
      this.set.delete(oldest);
      this.evictions++;
    }
    this.set.add(key);
    this.inserts++;
  }

  get size(): number {
    return this.set.size;
  }

  stats(): SigCacheStats {
    return { entries: this.set.size, maxEntries: this.maxEntries, hits: this.hits, misses: this.misses, inserts: this.inserts, evictions: this.evictions };
  }
}
