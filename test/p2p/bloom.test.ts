// The rolling bloom filter behind each peer's known-inventory set (src/p2p/bloom.ts):
// MurmurHash3 against Bitcoin Core's test vectors and an independent implementation,
// the false-positive rate measured against the configured one, the rolling memory
// (recent insertions always present, old ones gone), and that the salt from the
// injected Rng decides which keys collide.
import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { RollingBloomFilter, murmur3 } from '../../src/p2p/bloom.js';
import { KnownInventory, MAX_KNOWN_INVENTORY } from '../../src/p2p/nodepeer.js';
import { hexToBytes, seededRng } from '../../src/primitives/index.js';

// imurmurhash (a jest dependency) hashes the low byte of each char of a latin1 string.
const IMurmur = createRequire(import.meta.url)('imurmurhash') as (key: string, seed: number) => { result(): number };

function key(i: number, salt = 0): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, i, true);
  v.setUint32(4, salt, true);
  v.setUint32(28, Math.imul(i, 2654435761), true);
  return b;
}

describe('murmur3', () => {
  it("matches Bitcoin Core's MurmurHash3 test vectors (src/test/hash_tests.cpp)", () => {
    const vectors: [number, number, string][] = [
      [0x00000000, 0x00000000, ''],
      [0x6a396f08, 0xfba4c795, ''],
      [0x81f16f39, 0xffffffff, ''],
      [0x514e28b7, 0x00000000, '00'],
      [0xea3f0b17, 0xfba4c795, '00'],
      [0xfd6cf10d, 0x00000000, 'ff'],
      [0x16c6b7ab, 0x00000000, '0011'],
      [0x8eb51c3d, 0x00000000, '001122'],
      [0xb4471bf8, 0x00000000, '00112233'],
      [0xe2301fa8, 0x00000000, '0011223344'],
      [0xfc2e4a15, 0x00000000, '001122334455'],
      [0xb074502c, 0x00000000, '00112233445566'],
      [0x8034d2a0, 0x00000000, '0011223344556677'],
      [0xb4698def, 0x00000000, '001122334455667788'],
    ];
    for (const [want, seed, hex] of vectors) expect([hex, murmur3(seed, hexToBytes(hex))]).toEqual([hex, want]);
  });

  it('agrees with an independent implementation on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 0xffffffff }), (data, seed) => {
        expect(murmur3(seed, data)).toBe(IMurmur(String.fromCharCode(...data), seed).result() >>> 0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('RollingBloomFilter', () => {
  it("sizes itself as Core does for the known-inventory filter (50,000 at 1e-6: 20 hashes, ~0.5 MB)", () => {
    const f = new RollingBloomFilter(MAX_KNOWN_INVENTORY, 0.000001, seededRng(1));
    expect(f.hashFuncs).toBe(20);
    expect(f.entriesPerGeneration).toBe(25_000);
    expect(f.filterBits).toBeGreaterThan(2_100_000);
    expect(f.filterBits).toBeLessThan(2_200_000);
    expect(f.byteSize).toBeLessThan(600_000);
  });

  it('always remembers the last half of its capacity and forgets what is older than 1.5x', () => {
    const f = new RollingBloomFilter(1_000, 0.001, seededRng(2));
    for (let i = 0; i < 10_000; i++) {
      f.insert(key(i));
      // the last 500 insertions are always present
      if (i % 997 === 0) for (let j = Math.max(0, i - 499); j <= i; j++) expect(f.contains(key(j))).toBe(true);
    }
    // entries from 2 generations back (>1,500 insertions ago) are wiped: only false positives remain
    let old = 0;
    for (let j = 0; j < 8_000; j++) if (f.contains(key(j))) old++;
    expect(old / 8_000).toBeLessThan(0.01);
  });

  it('has the false-positive rate it was built for (measured at 1e-3 and 1e-4 over 200,000 probes)', () => {
    for (const fp of [0.001, 0.0001]) {
      const f = new RollingBloomFilter(10_000, fp, seededRng(3));
      // fill to the worst case: 1.5x the nominal size spread over three generations
      for (let i = 0; i < 15_000; i++) f.insert(key(i, 1));
      let hits = 0;
      const probes = 200_000;
      for (let i = 0; i < probes; i++) if (f.contains(key(i, 2))) hits++;
      // a binomial with p = fp: allow 2x plus a few counts of noise, and require it is not absurdly low
      expect(hits / probes).toBeLessThan(fp * 2 + 10 / probes);
    }
  });

  it('is keyed by the salt from the Rng: different salts collide on different keys', () => {
    const a = new RollingBloomFilter(100, 0.05, seededRng(4));
    const b = new RollingBloomFilter(100, 0.05, seededRng(5));
    for (let i = 0; i < 150; i++) {
      a.insert(key(i));
      b.insert(key(i));
    }
    const fa: number[] = [];
    const fb: number[] = [];
    for (let i = 1000; i < 21_000; i++) {
      if (a.contains(key(i))) fa.push(i);
      if (b.contains(key(i))) fb.push(i);
    }
    expect(fa.length).toBeGreaterThan(50);
    expect(fb.length).toBeGreaterThan(50);
    const overlap = fa.filter((x) => fb.includes(x)).length;
    expect(overlap / fa.length).toBeLessThan(0.3);
    // and the same seed gives the same filter
    const c = new RollingBloomFilter(100, 0.05, seededRng(4));
    for (let i = 0; i < 150; i++) c.insert(key(i));
    const fc2: number[] = [];
    for (let i = 1000; i < 21_000; i++) if (c.contains(key(i))) fc2.push(i);
    expect(fc2).toEqual(fa);
  });

  it('the known-inventory set holds the last 25,000 hashes after 200,000 insertions', () => {
    const k = new KnownInventory(seededRng(6));
    for (let i = 0; i < 200_000; i++) k.add(key(i));
    for (let i = 175_000; i < 200_000; i++) expect(k.has(key(i))).toBe(true);
    let old = 0;
    for (let i = 0; i < 100_000; i++) if (k.has(key(i))) old++;
    expect(old).toBeLessThan(5);
  });

  it('refuses nonsense sizes', () => {
    expect(() => new RollingBloomFilter(0, 0.01, seededRng(1))).toThrow(RangeError);
    expect(() => new RollingBloomFilter(10, 1, seededRng(1))).toThrow(RangeError);
  });
});
