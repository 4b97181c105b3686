import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DUST_LIMIT, feeForWeight } from '../../wallet/amount.js';
import { branchAndBound, P2TR_INPUT_WEIGHT, P2TR_OUTPUT_WEIGHT, selectCoins, txWeight } from '../../wallet/coinselect.js';
import { WalletError } from '../../wallet/errors.js';

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const coinsArb = fc.array(fc.bigInt({ min: 1n, max: 5_000_000_000n }).map((value) => ({ value })), { minLength: 0, maxLength: 30 });
const paysArb = fc.array(fc.bigInt({ min: 330n, max: 3_000_000_000n }).map((value) => ({ value })), { minLength: 1, maxLength: 4 });
const rateArb = fc.bigInt({ min: 1000n, max: 200_000n });

describe('coin selection', () => {
  it('weights: a key-path input is 57.5 vB, a P2TR output 43 vB', () => {
    expect(P2TR_INPUT_WEIGHT / 4).toBe(57.5);
    expect(P2TR_OUTPUT_WEIGHT / 4).toBe(43);
    expect(txWeight([P2TR_INPUT_WEIGHT], [P2TR_OUTPUT_WEIGHT])).toBe(42 + 230 + 172);
  });

  it('property: balances, pays its fee rate, never makes dust change', () => {
    fc.assert(
      fc.property(coinsArb, paysArb, rateArb, fc.boolean(), (coins, pays, rate, subtract) => {
        let sel;
        try {
          sel = selectCoins(coins, pays, { feeRate: rate, subtractFee: subtract });
        } catch (e) {
          expect(e).toBeInstanceOf(WalletError);
          const code = (e as WalletError).code;
          expect(['insufficient-funds', 'dust']).toContain(code);
          if (code === 'insufficient-funds' && !subtract) {
            // Refused only when even all coins can't cover payments plus the fee.
            const all = txWeight(coins.map(() => P2TR_INPUT_WEIGHT), pays.map(() => P2TR_OUTPUT_WEIGHT));
            expect(sum(coins.map((c) => c.value)) < sum(pays.map((p) => p.value)) + feeForWeight(all, rate)).toBe(true);
          }
          return;
        }
        const inTotal = sum(sel.inputs.map((c) => c.value));
        expect(inTotal).toBe(sum(sel.payments) + sel.change + sel.fee);
        expect(sel.fee >= feeForWeight(sel.weight, rate)).toBe(true);
        expect(sel.change === 0n || sel.change >= DUST_LIMIT).toBe(true);
        for (const p of sel.payments) expect(p >= DUST_LIMIT).toBe(true);
        const outs = pays.map(() => P2TR_OUTPUT_WEIGHT).concat(sel.change > 0n ? [P2TR_OUTPUT_WEIGHT] : []);
        expect(sel.weight).toBe(txWeight(sel.inputs.map(() => P2TR_INPUT_WEIGHT), outs));
        if (!subtract) expect(sel.payments).toEqual(pays.map((p) => p.value));
        else expect(sum(sel.payments) + sel.fee - (inTotal - sum(pays.map((p) => p.value)) - sel.change)).toBe(sum(pays.map((p) => p.value)));
        // Every selected input is a distinct given coin.
        expect(new Set(sel.inputs).size).toBe(sel.inputs.length);
      }),
      { numRuns: 300 },
    );
  });

  it('finds an exact changeless match with branch and bound', () => {
    const rate = 1000n;
    const pay = 100_000n;
    // One coin exactly covering payment + fee of a 1-in-1-out tx, among larger and smaller ones.
    const exact = pay + feeForWeight(txWeight([P2TR_INPUT_WEIGHT], [P2TR_OUTPUT_WEIGHT]), rate);
    const coins = [{ value: 5_000_000n }, { value: exact }, { value: 40_000n }, { value: 70_000n }];
    const sel = selectCoins(coins, [{ value: pay }], { feeRate: rate });
    expect(sel.algorithm).toBe('bnb');
    expect(sel.change).toBe(0n);
    expect(sel.inputs).toEqual([{ value: exact }]);
    expect(sel.fee).toBe(exact - pay);
  });

  it('falls back to largest-first with change to avoid overpaying', () => {
    const sel = selectCoins([{ value: 1_000_000n }, { value: 10_000n }], [{ value: 300_000n }], { feeRate: 2000n });
    expect(sel.algorithm).toBe('largest-first');
    expect(sel.inputs).toEqual([{ value: 1_000_000n }]);
    expect(sel.change).toBe(1_000_000n - 300_000n - sel.fee);
    expect(sel.fee).toBe(feeForWeight(txWeight([P2TR_INPUT_WEIGHT], [P2TR_OUTPUT_WEIGHT, P2TR_OUTPUT_WEIGHT]), 2000n));
  });

  it('drops change that would be dust into the fee', () => {
    const rate = 1000n;
    const base = 100_000n + feeForWeight(txWeight([P2TR_INPUT_WEIGHT], [P2TR_OUTPUT_WEIGHT]), rate);
    // 200 more than a perfect match: too much for BnB's window? no: inside cost of change, so changeless
    const sel = selectCoins([{ value: base + 200n }], [{ value: 100_000n }], { feeRate: rate });
    expect(sel.change).toBe(0n);
    expect(sel.fee).toBe(base + 200n - 100_000n);
  });

  it('subtract-fee takes the fee from the payment', () => {
    const sel = selectCoins([{ value: 1_000_000n }], [{ value: 1_000_000n }], { feeRate: 1000n, subtractFee: true });
    const fee = feeForWeight(txWeight([P2TR_INPUT_WEIGHT], [P2TR_OUTPUT_WEIGHT]), 1000n);
    expect(sel.change).toBe(0n);
    expect(sel.fee).toBe(fee);
    expect(sel.payments).toEqual([1_000_000n - fee]);
  });

  it('refuses dust and insufficient funds with typed errors', () => {
    expect(() => selectCoins([{ value: 10_000n }], [{ value: 329n }], { feeRate: 1000n })).toThrow(expect.objectContaining({ code: 'dust' }));
    expect(() => selectCoins([{ value: 10_000n }], [{ value: 10_000n }], { feeRate: 1000n })).toThrow(expect.objectContaining({ code: 'insufficient-funds' }));
    expect(() => selectCoins([], [{ value: 1000n }], { feeRate: 1000n })).toThrow(expect.objectContaining({ code: 'insufficient-funds' }));
  });

  it('branch and bound property: any answer lies in the window', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 10_000n }), { maxLength: 16 }), fc.bigInt({ min: 1n, max: 50_000n }), fc.bigInt({ min: 0n, max: 500n }), (vals, target, window) => {
        const r = branchAndBound(vals, target, window, 100_000);
        if (r === null) return;
        const s = sum(r.map((i) => vals[i]!));
        expect(s >= target && s <= target + window).toBe(true);
        expect(new Set(r).size).toBe(r.length);
      }),
    );
  });
});
