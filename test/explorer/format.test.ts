import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  estimateHashrate,
  expectedHashes,
  feeRate,
  formatAge,
  formatBytes,
  formatCoins,
  formatDifficulty,
  formatFeeRange,
  formatHashrate,
  shortHash,
} from '../../explorer/src/format.js';
import { spread } from '../../explorer/src/flow.js';

describe('formatCoins', () => {
  test.each([
    [0, '0.00000000'],
    [1, '0.00000001'],
    [150_000_000, '1.50000000'],
    [2_100_000_000_000_000, '21,000,000.00000000'],
    [-1, '-0.00000001'],
    [123_456_789_012, '1,234.56789012'],
  ] as Array<[number, string]>)('%p -> %s', (units, s) => {
    expect(formatCoins(units)).toBe(s);
    expect(formatCoins(BigInt(units))).toBe(s);
    expect(formatCoins(String(units))).toBe(s);
  });

  test('never goes through floating point: 2^53+1 units as a bigint stays exact', () => {
    expect(formatCoins(9_007_199_254_740_993n)).toBe('90,071,992.54740993');
  });

  test('refuses what is not an integer amount', () => {
    expect(() => formatCoins(0.5)).toThrow(RangeError);
    expect(() => formatCoins(2 ** 60)).toThrow(RangeError);
    expect(() => formatCoins('1.5')).toThrow(RangeError);
    expect(() => formatCoins('')).toThrow(RangeError);
  });

  test('round-trips: digits without separators equal the integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (v) => {
        expect(BigInt(formatCoins(v).replace(/[,.]/g, ''))).toBe(v);
        expect(formatCoins(v)).toMatch(/^-?\d{1,3}(,\d{3})*\.\d{8}$/);
      }),
    );
  });
});

describe('rates, sizes, difficulty', () => {
  test('fee rate uses vsize = ceil(weight / 4)', () => {
    expect(feeRate(1000, 400)).toBe(10);
    expect(feeRate(1000, 401)).toBeCloseTo(1000 / 101);
    expect(feeRate(5, 0)).toBe(0);
  });
  test('bytes and hash rates pick a unit', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_234)).toBe('1.2 kB');
    expect(formatBytes(250_000, 'vB')).toBe('250 kvB');
    expect(formatHashrate(0)).toBe('–');
    expect(formatHashrate(1.5e12)).toBe('1.50 TH/s');
  });
  test('difficulty stays readable from regtest (~5e-10) to mainnet sizes', () => {
    expect(formatDifficulty(4.656542373906925e-10)).toBe('4.657e-10');
    expect(formatDifficulty(1)).toBe('1');
    expect(formatDifficulty(2.5)).toBe('2.5');
    expect(formatDifficulty(1234.7)).toBe('1,234');
    expect(formatDifficulty(1.2e14)).toBe('1.200e+14');
  });
  test('fee ranges for tiles', () => {
    expect(formatFeeRange([0, 0], 1)).toBe('no fees (coinbase only)');
    expect(formatFeeRange([2, 2], 3)).toBe('2.0 sat/vB');
    expect(formatFeeRange([1, 150], 3)).toBe('1.0–150 sat/vB');
    expect(formatFeeRange(undefined, 3)).toBe('fee range n/a');
  });
  test('ages and short hashes', () => {
    expect(formatAge(1000, 1000_000 + 90_000)).toBe('1 min ago');
    expect(formatAge(1000 + 3600, 1000_000)).toBe('in 1 h 0 min');
    expect(shortHash('a'.repeat(64))).toBe(`${'a'.repeat(8)}…${'a'.repeat(8)}`);
    expect(shortHash('abc')).toBe('abc');
  });
});

describe('estimateHashrate', () => {
  // Bitcoin's difficulty-1 target 0xffff·2^208 needs 2^48/0xffff ≈ 4,295,032,833 hashes a block
  const BTC_DIFF1 = 2 ** 48 / 0xffff;
  test('expected hashes of all but the oldest block over the span', () => {
    const blocks = [0, 1, 2].map((i) => ({ height: 10 + i, timestamp: 1000 + 600 * i, bits: 0x1d00ffff }));
    expect(estimateHashrate(blocks) / ((2 * BTC_DIFF1) / 1200)).toBeCloseTo(1, 9);
    expect(estimateHashrate([...blocks].reverse()) / ((2 * BTC_DIFF1) / 1200)).toBeCloseTo(1, 9);
  });
  test('work comes from nBits, so a regtest block is about two hashes, not 2^32', () => {
    expect(expectedHashes(0x207fffff)).toBeCloseTo(2, 6);
    expect(expectedHashes(0x1d00ffff) / BTC_DIFF1).toBeCloseTo(1, 9);
    // one exponent step is 256 times the target, so 1/256 of the work
    expect(expectedHashes(0x1c00ffff) / expectedHashes(0x1d00ffff)).toBeCloseTo(256, 6);
    const regtest = [0, 1, 2, 3].map((i) => ({ height: i + 1, timestamp: 100 + i, bits: 0x207fffff }));
    expect(estimateHashrate(regtest)).toBeCloseTo(2, 5);
  });
  test('zero when time does not advance (regtest bursts) or there is one block', () => {
    expect(estimateHashrate([{ height: 1, timestamp: 5, bits: 0x207fffff }])).toBe(0);
    expect(estimateHashrate([1, 2].map((h) => ({ height: h, timestamp: 5, bits: 0x207fffff })))).toBe(0);
  });
});


describe('flow label spreading', () => {
  test('labels closer than the gap are pushed down, far ones stay', () => {
    expect(spread([10, 12, 13, 100], 14)).toEqual([10, 24, 38, 100]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 })), (ys) => {
        const sorted = [...ys].sort((a, b) => a - b);
        const out = spread(sorted, 14);
        for (let i = 1; i < out.length; i++) expect(out[i]! - out[i - 1]!).toBeGreaterThanOrEqual(14);
        out.forEach((y, i) => expect(y).toBeGreaterThanOrEqual(sorted[i]!));
      }),
    );
  });
});
