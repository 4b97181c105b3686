// Display formatting. Amounts arrive as integer base units (JSON numbers below 2^53, or
// strings/bigints) and are shown as decimal coins by string arithmetic on the integer, so
// no value is ever rounded through a float. Rates, sizes and hash rates are estimates
// and may use floats.

export const COIN_DECIMALS = 8;

/** 150000000 -> "1.50000000"; -1 -> "-0.00000001". Throws RangeError on non-integers. */
export function formatCoins(units: number | bigint | string): string {
  let v: bigint;
  if (typeof units === 'bigint') v = units;
  else if (typeof units === 'number') {
    if (!Number.isSafeInteger(units)) throw new RangeError(`format: amount ${units} is not a safe integer`);
    v = BigInt(units);
  } else {
    if (!/^-?\d+$/.test(units)) throw new RangeError(`format: amount ${JSON.stringify(units)} is not an integer`);
    v = BigInt(units);
  }
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(COIN_DECIMALS + 1, '0');
  const whole = digits.slice(0, digits.length - COIN_DECIMALS);
  const frac = digits.slice(digits.length - COIN_DECIMALS);
  return `${neg ? '-' : ''}${groupThousands(whole)}.${frac}`;
}

function groupThousands(intDigits: string): string {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatInt(n: number): string {
  return groupThousands(String(Math.trunc(n)));
}

/** fee (base units) over virtual size; weight/4 rounded up as Bitcoin does for vsize. */
export function feeRate(fee: number, weight: number): number {
  const vsize = Math.ceil(weight / 4);
  return vsize > 0 ? fee / vsize : 0;
}

export function formatFeeRate(rate: number): string {
  if (!Number.isFinite(rate)) return '–';
  return `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} sat/vB`;
}

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB'];
export function formatBytes(n: number, unit = 'B'): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const u = unit === 'B' ? SIZE_UNITS[i] : `${['', 'k', 'M', 'G'][i]}${unit}`;
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)} ${u}`;
}

const HASH_UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
export function formatHashrate(hps: number): string {
  if (!Number.isFinite(hps) || hps <= 0) return '–';
  let i = 0;
  let v = hps;
  while (v >= 1000 && i < HASH_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 2)} ${HASH_UNITS[i]}`;
}

/** Difficulty spans from ~1e-10 (regtest) to ~1e14 (Bitcoin today): exponent outside 0.01–1e6. */
export function formatDifficulty(d: number): string {
  if (!Number.isFinite(d) || d < 0) return '–';
  if (d === 0) return '0';
  if (d >= 1e6 || d < 0.01) return d.toExponential(3);
  if (d >= 100) return formatInt(d);
  return d.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** A block's fee-rate range, compact enough for a tile. */
export function formatFeeRange(range: readonly [number, number] | undefined, txCount: number): string {
  if (txCount <= 1) return 'no fees (coinbase only)';
  if (!range) return 'fee range n/a';
  const f = (r: number) => (r >= 100 ? r.toFixed(0) : r.toFixed(1));
  return range[0] === range[1] ? `${f(range[0])} sat/vB` : `${f(range[0])}–${f(range[1])} sat/vB`;
}

/** Seconds between two unix times, as "12 s", "5 min", "3 h", "2 d"; signed: "-5 s" below zero (else 0). */
export function formatDuration(seconds: number, signed = false): string {
  if (signed && seconds < 0) return `-${formatDuration(-seconds)}`;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function formatAge(unixSeconds: number, nowMs: number): string {
  const d = nowMs / 1000 - unixSeconds;
  if (d < -60) return `in ${formatDuration(-d)}`;
  return `${formatDuration(d)} ago`;
}

export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function shortHash(h: string, keep = 8): string {
  return h.length <= keep * 2 + 1 ? h : `${h.slice(0, keep)}…${h.slice(-keep)}`;
}

/**
 * Expected hashes to find a block at nBits `bits`: 2^256 / (target + 1). Taken from the
 * target, not from `difficulty`, because Cairn's difficulty 1 is each network's own powLimit
 * (a couple of hashes on regtest), so Bitcoin's "difficulty × 2^32" would be wrong by far.
 */
export function expectedHashes(bits: number): number {
  const exp = bits >>> 24;
  const target = (bits & 0x7fffff) * 2 ** (8 * (exp - 3));
  return 2 ** 256 / (target + 1);
}

/**
 * Network hash rate from a run of blocks (any order): the expected hashes behind all but
 * the oldest block over the time they took. Zero when the span is empty or timestamps do
 * not advance (regtest can mine many blocks in one second).
 */
export function estimateHashrate(blocks: ReadonlyArray<{ timestamp: number; bits: number; height: number }>): number {
  if (blocks.length < 2) return 0;
  const sorted = [...blocks].sort((a, b) => a.height - b.height);
  const span = sorted[sorted.length - 1]!.timestamp - sorted[0]!.timestamp;
  if (span <= 0) return 0;
  let work = 0;
  for (const b of sorted.slice(1)) work += expectedHashes(b.bits);
  return work / span;
}
