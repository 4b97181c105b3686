// RollingBloomFilter: Bitcoin Core's CRollingBloomFilter (src/common/bloom.cpp) in the
// shape used for m_tx_inventory_known_filter: "the last ~N items inserted" with a false-
// positive rate, O(1) per insert and lookup, fixed memory, no eviction cost.
//
// Like Core, entries live in three generations of N/2 insertions each; every position of
// the filter holds a 2-bit generation number (0 = empty) split across a pair of words, and
// starting a generation wipes the positions of the oldest one in one pass over the array
// (amortised O(1)). So the last N/2..N insertions are always present, older ones fade out.
// Sizing is Core's: k = round(log2(1/fp)) hash functions, m = -k·1.5N / ln(1 - fp^(1/k)) bits.
//
// Differences from Core, on purpose: 32-bit words (JS bit operations are 32-bit), and the
// k positions come from two keyed MurmurHash3 values by double hashing (h1 + i·h2,
// Kirsch–Mitzenmacher) instead of k MurmurHash3 calls, 10× cheaper in JS; the false-
// positive rate is measured in test/p2p/bloom.test.ts. The key (tweak) comes from the
// injected Rng, so an attacker who does not know it cannot choose colliding hashes.
import type { Rng } from '../primitives/index.js';

/**
 * 32-bit multiply, low half. Math.imul does the same, but jest's sandbox makes every call
 * to it ~50x slower, and the filter runs inside tests too.
 */
function imul(a: number, b: number): number {
  return ((a & 0xffff) * b + ((((a >>> 16) * b) & 0xffff) << 16)) | 0;
}

/** MurmurHash3 x86_32 of data with seed, as Core's MurmurHash3(). */
export function murmur3(seed: number, data: Uint8Array): number {
  let h = seed >>> 0;
  const n = data.length;
  const blocks = n & ~3;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= data[blocks + 2]! << 16;
    if (tail >= 2) k ^= data[blocks + 1]! << 8;
    k ^= data[blocks]!;
    k = imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class RollingBloomFilter {
  readonly hashFuncs: number;
  readonly entriesPerGeneration: number;
  readonly filterBits: number;
  private readonly words: number;
  /** allocated on first insert, so idle peers cost nothing */
  private data: Uint32Array | null = null;
  private generation = 1;
  private entriesThisGeneration = 0;
  private readonly tweak1: number;
  private readonly tweak2: number;

  /** Remembers at least the last `elements` / 2 and at most `elements` insertions with this false-positive rate. */
  constructor(
    readonly elements: number,
    readonly fpRate: number,
    rng: Rng,
  ) {
    if (!(elements >= 1) || !(fpRate > 0 && fpRate < 1)) throw new RangeError('bloom: need elements >= 1 and 0 < fpRate < 1');
    const logFp = Math.log(fpRate);
    this.hashFuncs = Math.max(1, Math.min(Math.round(logFp / Math.log(0.5)), 50));
    this.entriesPerGeneration = Math.floor((elements + 1) / 2);
    const maxElements = this.entriesPerGeneration * 3;
    this.filterBits = Math.ceil((-1 * this.hashFuncs * maxElements) / Math.log(1 - Math.exp(logFp / this.hashFuncs)));
    // Pairs of 32-bit words: position p's generation bits are in words 2w and 2w+1.
    this.words = Math.ceil(this.filterBits / 32) * 2;
    const b = rng.bytes(8);
    this.tweak1 = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    this.tweak2 = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
  }

  /** Bytes the filter holds once used. */
  get byteSize(): number {
    return this.words * 4;
  }

  insert(key: Uint8Array): void {
    if (!this.data) this.data = new Uint32Array(this.words);
    const data = this.data;
    if (this.entriesThisGeneration === this.entriesPerGeneration) {
      this.entriesThisGeneration = 0;
      this.generation++;
      if (this.generation === 4) this.generation = 1;
      // Wipe every position holding the generation now being reused.
      const m1 = -(this.generation & 1) | 0;
      const m2 = -(this.generation >> 1) | 0;
      for (let p = 0; p < data.length; p += 2) {
        const p1 = data[p]!;
        const p2 = data[p + 1]!;
        const mask = (p1 ^ m1) | (p2 ^ m2);
        data[p] = p1 & mask;
        data[p + 1] = p2 & mask;
      }
    }
    this.entriesThisGeneration++;
    const g1 = this.generation & 1;
    const g2 = this.generation >> 1;
    const h1 = murmur3(this.tweak1, key);
    const h2 = murmur3(this.tweak2, key) | 1;
    const pairs = data.length >>> 1;
    for (let i = 0; i < this.hashFuncs; i++) {
      const h = (h1 + imul(i, h2)) >>> 0;
      const bit = h & 31;
      const w = (h >>> 5) % pairs << 1;
      const clear = ~(1 << bit);
      data[w] = (data[w]! & clear) | (g1 << bit);
      data[w + 1] = (data[w + 1]! & clear) | (g2 << bit);
    }
  }

  contains(key: Uint8Array): boolean {
    const data = this.data;
    if (!data) return false;
    const h1 = murmur3(this.tweak1, key);
    const h2 = murmur3(this.tweak2, key) | 1;
    const pairs = data.length >>> 1;
    for (let i = 0; i < this.hashFuncs; i++) {
      const h = (h1 + imul(i, h2)) >>> 0;
      const bit = h & 31;
      const w = (h >>> 5) % pairs << 1;
      if ((((data[w]! | data[w + 1]!) >>> bit) & 1) === 0) return false;
    }
    return true;
  }

  reset(): void {
    this.data = null;
    this.generation = 1;
    this.entriesThisGeneration = 0;
  }
}
