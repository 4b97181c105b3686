// Which nBits the next header must carry, and median time past. Pure functions over a
// HeaderAncestry view supplied by the chain (an in-memory header index), so the same code
// serves header sync, block connection and tests that hand-build a few headers.
// A missing ancestor is a caller bug (the chain always knows its own branch) and throws
// a plain Error, never a RuleError.
import type { AsertAnchor, ConsensusParams } from './params.js';
import { decodeCompact, encodeCompact } from './pow.js';

export interface AncestorHeader {
  readonly height: number;
  readonly time: number;
  readonly bits: number;
  /** Block hash, internal byte order. */
  readonly hash: Uint8Array;
}

/** A view of the branch a new header extends: the header at any height <= its parent's. */
export interface HeaderAncestry {
  ancestor(height: number): AncestorHeader | undefined;
}

/** Builds a HeaderAncestry over an array indexed by height (tests, small tools). */
export function arrayAncestry(headers: readonly AncestorHeader[]): HeaderAncestry {
  return { ancestor: (h) => headers[h] };
}

function need(ancestry: HeaderAncestry, height: number): AncestorHeader {
  const a = ancestry.ancestor(height);
  if (!a) throw new Error(`difficulty: ancestry has no header at height ${height}`);
  return a;
}

export const MEDIAN_TIME_SPAN = 11;

/** Median timestamp of the (up to) 11 blocks ending at tipHeight (Core's GetMedianTimePast). */
export function medianTimePast(tipHeight: number, ancestry: HeaderAncestry): number {
  const times: number[] = [];
  for (let h = tipHeight; h >= 0 && h > tipHeight - MEDIAN_TIME_SPAN; h--) times.push(need(ancestry, h).time);
  if (times.length === 0) throw new Error('difficulty: median time past of an empty chain');
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Bitcoin's CalculateNextWorkRequired: scale the old target by the period's actual
 * timespan, clamped to [timespan/4, timespan*4], capped at powLimit. Unlike arith_uint256
 * the product cannot silently wrap at 2^256; with Bitcoin's powLimit it never does.
 */
export function bitcoinRetarget(oldBits: number, firstTime: number, lastTime: number, timespan: number, powLimit: bigint): number {
  let actual = lastTime - firstTime;
  const min = Math.floor(timespan / 4);
  const max = timespan * 4;
  if (actual < min) actual = min;
  if (actual > max) actual = max;
  let target = (decodeCompact(oldBits).target * BigInt(actual)) / BigInt(timespan);
  if (target > powLimit) target = powLimit;
  return encodeCompact(target);
}

/**
 * aserti3-2d (Bitcoin Cash's CalculateASERT), the exact integer algorithm:
 *   target = refTarget * 2^((timeDiff - spacing * (heightDiff + 1)) / halfLife)
 * with the fractional power from a cubic approximation in 16-bit fixed point.
 * timeDiff = parent time - anchor's parent time; heightDiff = parent height - anchor height.
 */
export function asertTarget(
  refTarget: bigint,
  spacing: number,
  timeDiff: number,
  heightDiff: number,
  powLimit: bigint,
  halfLife: number,
): bigint {
  if (refTarget <= 0n || refTarget > powLimit) throw new RangeError('difficulty: ASERT reference target out of range');
  if (heightDiff < 0) throw new RangeError('difficulty: ASERT height before the anchor');
  // BigInt division truncates toward zero like C++'s int64 division; >> floors like an arithmetic shift.
  const exponent = ((BigInt(timeDiff) - BigInt(spacing) * BigInt(heightDiff + 1)) * 65536n) / BigInt(halfLife);
  let shifts = exponent >> 16n;
  const frac = BigInt.asUintN(16, exponent);
  const poly = BigInt.asUintN(64, 195766423245049n * frac + 971821376n * frac * frac + 5127n * frac * frac * frac + (1n << 47n));
  const factor = 65536n + (poly >> 48n);
  let next = refTarget * factor;
  shifts -= 16n;
  if (shifts <= 0n) {
    next >>= -shifts;
  } else {
    next <<= shifts;
    // Core detects bits lost off the top of a uint256 and answers powLimit; any such
    // value is above powLimit anyway, which the clamp below handles.
  }
  if (next === 0n) return 1n;
  if (next > powLimit) return powLimit;
  return next;
}

function asertAnchorParentTime(anchor: AsertAnchor, ancestry: HeaderAncestry, spacing: number): number {
  return anchor.parentTime ?? need(ancestry, anchor.height).time - spacing;
}

/**
 * The nBits a header at prevHeight + 1 must carry. newTime (the new header's timestamp)
 * is unused by Cairn's rules (no testnet-style minimum-difficulty exception) but is part
 * of the signature so such a rule would not change callers.
 */
export function nextWorkRequired(prevHeight: number, ancestry: HeaderAncestry, _newTime: number, params: ConsensusParams): number {
  const rule = params.difficulty;
  if (prevHeight < 0) return params.powLimitBits;
  switch (rule.kind) {
    case 'fixed':
      return params.powLimitBits;
    case 'bitcoin': {
      const last = need(ancestry, prevHeight);
      if ((prevHeight + 1) % rule.interval !== 0) return last.bits;
      const first = need(ancestry, prevHeight - (rule.interval - 1));
      // BIP94: the old target comes from the first block of the period, so a period's
      // last block cannot influence it (it also closes testnet's min-difficulty hole).
      const oldBits = rule.bip94 ? first.bits : last.bits;
      return bitcoinRetarget(oldBits, first.time, last.time, rule.timespan, params.powLimit);
    }
    case 'asert': {
      const anchor = rule.anchor;
      if (prevHeight + 1 <= anchor.height) return anchor.bits;
      const prev = need(ancestry, prevHeight);
      const anchorParentTime = asertAnchorParentTime(anchor, ancestry, params.targetSpacing);
      const target = asertTarget(
        decodeCompact(anchor.bits).target,
        params.targetSpacing,
        prev.time - anchorParentTime,
        prevHeight - anchor.height,
        params.powLimit,
        rule.halfLife,
      );
      return encodeCompact(target);
    }
  }
}
