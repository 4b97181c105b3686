import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { feeForWeight, feeRateFromEstimate, formatAmount, formatFeeRate, parseAmount, parseFeeRate } from '../../wallet/amount.js';

describe('amounts', () => {
  it('parses coins and base units exactly', () => {
    expect(parseAmount('1.25')).toBe(125_000_000n);
    expect(parseAmount('0.00000001')).toBe(1n);
    expect(parseAmount('21000000')).toBe(2_100_000_000_000_000n);
    expect(parseAmount('125000000sat')).toBe(125_000_000n);
    expect(parseAmount('330 sats')).toBe(330n);
    expect(parseAmount('42u')).toBe(42n);
    expect(parseAmount(' 0.1 ')).toBe(10_000_000n);
    expect(parseAmount('1.5crn')).toBe(150_000_000n);
    // 0.1 + 0.2 style float errors cannot happen: 0.29999999 stays itself
    expect(parseAmount('0.29999999')).toBe(29_999_999n);
  });

  it.each(['', '1.', '.5', '-1', '+1', '1e8', '1.000000001', '0x10', '1,5', 'abc', '1.5sat', 'NaN', 'Infinity', '99999999999999999999'])(
    'refuses %p with bad-amount',
    (s) => {
      expect(() => parseAmount(s)).toThrow(expect.objectContaining({ code: 'bad-amount' }));
    },
  );

  it('formats with 8 places and round-trips', () => {
    expect(formatAmount(125_000_000n)).toBe('1.25000000');
    expect(formatAmount(1n)).toBe('0.00000001');
    expect(formatAmount(-154n)).toBe('-0.00000154');
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), (v) => parseAmount(formatAmount(v)) === v));
  });

  it('fee rates are exact per-1000-vB integers and fees round up', () => {
    expect(parseFeeRate('1')).toBe(1000n);
    expect(parseFeeRate('1.5')).toBe(1500n);
    expect(parseFeeRate('0.001')).toBe(1n);
    expect(formatFeeRate(1500n)).toBe('1.5');
    expect(formatFeeRate(2000n)).toBe('2');
    for (const bad of ['0', '-1', '1.0001', 'x', '']) expect(() => parseFeeRate(bad)).toThrow(expect.objectContaining({ code: 'bad-fee-rate' }));
    expect(feeRateFromEstimate(1.234)).toBe(1234n);
    expect(feeRateFromEstimate(12.0001)).toBe(12001n);
    // 230 WU = 57.5 vB at 1/vB → 58 (never underpay)
    expect(feeForWeight(230, 1000n)).toBe(58n);
    expect(feeForWeight(400, 1000n)).toBe(100n);
    expect(feeForWeight(401, 1000n)).toBe(101n);
  });
});
