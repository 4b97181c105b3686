// Coin selection. Pure: coins, payments and a fee rate in; a selection or a WalletError out.
// Sizes are in weight units so a 57.5 vB key-path input is counted exactly.
// Order of attempts: branch-and-bound for a changeless match (smallest waste), then
// largest-first with change; change below the dust limit is dropped into the fee.
// Invariants of every result: sum(inputs) = sum(payments) + change + fee, fee covers
// weight × rate rounded up, change is 0 or ≥ DUST_LIMIT, every payment ≥ DUST_LIMIT.
import { DUST_LIMIT, feeForWeight } from './amount.js';
import { WalletError } from './errors.js';

/** Key-path input: 41 bytes base ×4 + witness (count 1, len 1, sig 64) = 230 WU (57.5 vB). */
export const P2TR_INPUT_WEIGHT = 41 * 4 + 66;
/** P2TR output: value 8 + script length 1 + script 34 = 43 bytes. */
export const P2TR_OUTPUT_WEIGHT = 43 * 4;
/** version + locktime + in/out counts (1 byte each below 253) ×4, + segwit marker and flag. */
export const TX_OVERHEAD_WEIGHT = 10 * 4 + 2;

export interface Coin {
  readonly value: bigint;
  /** weight this coin adds as an input; P2TR_INPUT_WEIGHT for our key-path spends */
  readonly inputWeight?: number;
}

export interface Payment {
  readonly value: bigint;
  /** serialized output weight (8 + varint + script) × 4 */
  readonly weight?: number;
}

export interface SelectOptions {
  /** base units per 1000 vB */
  readonly feeRate: bigint;
  /** weight of a change output if one is made */
  readonly changeWeight?: number;
  /** take the fee out of the payments instead of adding inputs for it */
  readonly subtractFee?: boolean;
  /** BnB search budget */
  readonly maxTries?: number;
  readonly dust?: bigint;
}

export interface Selection<C extends Coin> {
  readonly inputs: C[];
  /** payment values after any subtracted fee, same order as given */
  readonly payments: bigint[];
  readonly change: bigint;
  readonly fee: bigint;
  /** weight of the whole signed tx, change output included when change > 0 */
  readonly weight: number;
  readonly algorithm: 'bnb' | 'largest-first';
}

function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/** Weight of a tx with these inputs/outputs (counts may exceed 252, so varints are sized). */
export function txWeight(inputWeights: number[], outputWeights: number[]): number {
  let w = (4 + 4 + varintSize(inputWeights.length) + varintSize(outputWeights.length)) * 4 + 2;
  for (const x of inputWeights) w += x;
  for (const x of outputWeights) w += x;
  return w;
}

const inW = (c: Coin) => c.inputWeight ?? P2TR_INPUT_WEIGHT;
const outW = (p: Payment) => p.weight ?? P2TR_OUTPUT_WEIGHT;
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

export function selectCoins<C extends Coin>(coins: readonly C[], payments: readonly Payment[], opts: SelectOptions): Selection<C> {
  const dust = opts.dust ?? DUST_LIMIT;
  const rate = opts.feeRate;
  const changeWeight = opts.changeWeight ?? P2TR_OUTPUT_WEIGHT;
  if (payments.length === 0) throw new WalletError('bad-input', 'nothing to send');
  for (const p of payments) {
    if (p.value < dust) {
      throw new WalletError('dust', `amount ${p.value} is below the dust limit of ${dust} base units`, 'send at least 330 base units');
    }
  }
  const payW = payments.map(outW);
  const total = sum(payments.map((p) => p.value));
  if (opts.subtractFee) return selectSubtractFee(coins, payments, payW, total, rate, changeWeight, dust);

  // Effective value: what a coin contributes after paying for its own input. Kept in
  // units of 1/4000 base unit (value × 4000 − weight × rate) so sums are exact and the
  // per-input rounding can't hide an exact match; finish() rounds the whole tx once.
  const usable = coins
    .map((c) => ({ c, eff: c.value * 4000n - BigInt(inW(c)) * rate }))
    .filter((x) => x.eff > 0n)
    .sort((a, b) => (b.eff > a.eff ? 1 : b.eff < a.eff ? -1 : 0));

  const target = total * 4000n + BigInt(txWeight([], payW)) * rate;
  const costOfChange = BigInt(changeWeight + P2TR_INPUT_WEIGHT) * rate;

  const bnb = branchAndBound(usable.map((x) => x.eff), target, costOfChange, opts.maxTries ?? 100_000);
  if (bnb) {
    const inputs = bnb.map((i) => usable[i]!.c);
    const res = finish(inputs, payments.map((p) => p.value), payW, rate, changeWeight, dust, 'bnb');
    if (res) return res;
  }

  // Largest-first: add coins until the payments, the fee and a change output are covered,
  // or the changeless total is covered and the excess would be dust anyway.
  const chosen: C[] = [];
  for (const x of usable) {
    chosen.push(x.c);
    const res = finish(chosen, payments.map((p) => p.value), payW, rate, changeWeight, dust, 'largest-first');
    if (res) return res;
  }
  const have = sum(coins.map((c) => c.value));
  throw new WalletError(
    'insufficient-funds',
    `insufficient funds: need ${total} plus fee, spendable ${have} base units`,
    'check `cairn-wallet balance` (immature and unconfirmed coins may not be spendable yet) or send less',
  );
}

/** Given chosen inputs, make change if it is worth it; null if inputs don't cover it. */
function finish<C extends Coin>(
  inputs: C[], pays: bigint[], payW: number[], rate: bigint, changeWeight: number, dust: bigint,
  algorithm: Selection<C>['algorithm'],
): Selection<C> | null {
  const inTotal = sum(inputs.map((c) => c.value));
  const out = sum(pays);
  const ws = inputs.map(inW);
  const wNo = txWeight(ws, payW);
  const feeNo = feeForWeight(wNo, rate);
  const wCh = txWeight(ws, [...payW, changeWeight]);
  const feeCh = feeForWeight(wCh, rate);
  const change = inTotal - out - feeCh;
  if (change >= dust) return { inputs: [...inputs], payments: pays, change, fee: feeCh, weight: wCh, algorithm };
  if (inTotal - out >= feeNo) return { inputs: [...inputs], payments: pays, change: 0n, fee: inTotal - out, weight: wNo, algorithm };
  return null;
}

/**
 * Depth-first search over include/exclude of coins sorted by descending effective value,
 * for a subset whose sum lands in [target, target + costOfChange]; keeps the one with the
 * least excess. Returns indexes, or null when none is found within the budget.
 */
export function branchAndBound(values: bigint[], target: bigint, costOfChange: bigint, maxTries: number): number[] | null {
  const n = values.length;
  const remaining: bigint[] = new Array(n + 1).fill(0n);
  for (let i = n - 1; i >= 0; i--) remaining[i] = remaining[i + 1]! + values[i]!;
  if (remaining[0]! < target) return null;
  let best: number[] | null = null;
  let bestExcess = -1n;
  const picked: number[] = [];
  let tries = 0;
  const upper = target + costOfChange;
  const visit = (i: number, acc: bigint): void => {
    if (++tries > maxTries || bestExcess === 0n) return;
    if (acc > upper) return;
    if (acc >= target) {
      const excess = acc - target;
      if (best === null || excess < bestExcess) {
        best = [...picked];
        bestExcess = excess;
      }
      return;
    }
    if (i >= n || acc + remaining[i]! < target) return;
    picked.push(i);
    visit(i + 1, acc + values[i]!);
    picked.pop();
    // Skipping a coin equal to one just skipped explores the same sums again.
    let j = i + 1;
    while (j < n && values[j] === values[i]) j++;
    visit(j, acc);
  };
  visit(0, 0n);
  return best;
}

function selectSubtractFee<C extends Coin>(
  coins: readonly C[], payments: readonly Payment[], payW: number[], total: bigint, rate: bigint, changeWeight: number, dust: bigint,
): Selection<C> {
  const sorted = [...coins].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  const chosen: C[] = [];
  let acc = 0n;
  for (const c of sorted) {
    chosen.push(c);
    acc += c.value;
    if (acc >= total) break;
  }
  if (acc < total) {
    throw new WalletError('insufficient-funds', `insufficient funds: need ${total}, have ${acc} base units`, 'send less');
  }
  const ws = chosen.map(inW);
  let change = acc - total;
  let weight = txWeight(ws, [...payW, changeWeight]);
  let fee = feeForWeight(weight, rate);
  if (change < dust) {
    // No change output: the leftover joins the fee, the payments still bear the full fee.
    weight = txWeight(ws, payW);
    fee = feeForWeight(weight, rate);
    const leftover = change;
    change = 0n;
    const pays = spreadFee(payments.map((p) => p.value), fee, dust);
    return { inputs: chosen, payments: pays, change, fee: fee + leftover, weight, algorithm: 'largest-first' };
  }
  const pays = spreadFee(payments.map((p) => p.value), fee, dust);
  return { inputs: chosen, payments: pays, change, fee, weight, algorithm: 'largest-first' };
}

/** Split a fee over payments evenly; the first payment takes the remainder. */
function spreadFee(values: bigint[], fee: bigint, dust: bigint): bigint[] {
  const n = BigInt(values.length);
  const share = fee / n;
  const out = values.map((v, i) => v - share - (i === 0 ? fee % n : 0n));
  for (const v of out) {
    if (v < dust) {
      throw new WalletError('dust', `after subtracting the fee a payment would be ${v} base units, below the dust limit`, 'send more or drop --subtract-fee');
    }
  }
  return out;
}
