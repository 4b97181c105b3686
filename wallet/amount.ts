// Amounts in and out of the wallet. Everything is bigint base units; text is either
// decimal coins with at most 8 places ("1.25") or base units with a suffix ("125000000sat").
// No Number ever holds an amount, so nothing rounds.
import { WalletError } from './errors.js';

export const COIN = 100_000_000n;
export const DECIMALS = 8;
/** Largest value a tx output can encode (int64); consensus caps lower, the node checks. */
export const MAX_AMOUNT = (1n << 63n) - 1n;
/**
 * Outputs below this many base units are refused: spending a 57.5 vB key-path input at
 * the 3 sat/vB dust-relay rate costs about this much (Bitcoin Core's P2TR dust is 330).
 * The mempool uses the same number.
 */
export const DUST_LIMIT = 330n;

const DECIMAL_RE = /^(\d+)(?:\.(\d{1,8}))?$/;
const UNITS_RE = /^(\d+)\s*(sat|sats|u)$/i;

/** Parse "1.25", "0.00000001", "125000000sat", "42u" into base units. */
export function parseAmount(text: string): bigint {
  if (typeof text !== 'string') throw new WalletError('bad-amount', 'amount: expected text');
  const s = text.trim();
  let value: bigint;
  const units = UNITS_RE.exec(s);
  if (units) {
    value = BigInt(units[1]!);
  } else {
    const m = DECIMAL_RE.exec(s.replace(/crn$/i, '').trim());
    if (!m) {
      throw new WalletError(
        'bad-amount',
        `invalid amount "${text}"`,
        'write coins with at most 8 decimal places (1.25) or base units with a suffix (125000000sat)',
      );
    }
    const frac = (m[2] ?? '').padEnd(DECIMALS, '0');
    value = BigInt(m[1]!) * COIN + BigInt(frac);
  }
  if (value > MAX_AMOUNT) throw new WalletError('bad-amount', `amount "${text}" is too large`);
  return value;
}

/** Format base units as decimal coins with exactly 8 places: 125000000n → "1.25000000". */
export function formatAmount(value: bigint): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const whole = abs / COIN;
  const frac = (abs % COIN).toString().padStart(DECIMALS, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/**
 * Fee rates are kept as integer base units per 1000 vB so "1.5" sat/vB stays exact.
 * Accepts a decimal with up to 3 places, in base units per vB.
 */
export function parseFeeRate(text: string | number): bigint {
  const s = String(text).trim();
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) {
    throw new WalletError('bad-fee-rate', `invalid fee rate "${text}"`, 'give base units per vbyte, e.g. --fee-rate 2 or 1.5');
  }
  const rate = BigInt(m[1]!) * 1000n + BigInt((m[2] ?? '').padEnd(3, '0'));
  if (rate === 0n) throw new WalletError('bad-fee-rate', 'fee rate must be above zero');
  if (rate > 100_000_000n) throw new WalletError('bad-fee-rate', `fee rate ${s} per vbyte is absurdly high`);
  return rate;
}

/** Fee rates from /api/fee-estimates are JSON numbers; round up to the next 1/1000. */
export function feeRateFromEstimate(n: number): bigint {
  if (!Number.isFinite(n) || n <= 0) return 1000n;
  return BigInt(Math.ceil(n * 1000));
}

export function formatFeeRate(perKvB: bigint): string {
  const whole = perKvB / 1000n;
  const frac = (perKvB % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Fee for a weight at a rate in base units per 1000 vB, rounded up (never underpays). */
export function feeForWeight(weight: number, perKvB: bigint): bigint {
  const num = BigInt(weight) * perKvB;
  const den = 4000n;
  return (num + den - 1n) / den;
}
