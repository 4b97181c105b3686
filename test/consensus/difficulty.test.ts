import { describe, expect, test } from '@jest/globals';
import {
  asertTarget,
  bitcoinMainParams,
  bitcoinRetarget,
  decodeCompact,
  devnetParams,
  encodeCompact,
  mainParams,
  medianTimePast,
  nextWorkRequired,
  regtestParams,
  type AncestorHeader,
  type ConsensusParams,
  type HeaderAncestry,
} from '../../src/consensus/index.js';
import { BlockHeader } from '../../src/primitives/index.js';
import { fixtureText } from './helpers.js';

/** Ancestry holding only the heights a test sets. */
function sparse(entries: Array<[number, number, number]>): HeaderAncestry {
  const m = new Map<number, AncestorHeader>();
  for (const [height, time, bits] of entries) m.set(height, { height, time, bits, hash: new Uint8Array(32) });
  return { ancestor: (h) => m.get(h) };
}

function chain(times: number[], bits: number): HeaderAncestry {
  return sparse(times.map((t, h) => [h, t, bits]));
}

describe('aserti3-2d vectors (BCHN run01-run12)', () => {
  const ASERT_POW_LIMIT = (1n << 224n) - 1n; // Bitcoin Cash mainnet powLimit
  const runs = Array.from({ length: 12 }, (_, i) => `run${String(i + 1).padStart(2, '0')}`);

  test.each(runs)('%s', (name) => {
    const text = fixtureText(`aserti3-2d/${name}`);
    const header = (key: string): string => {
      const m = new RegExp(`^##\\s+${key}:\\s*(\\S+)`, 'm').exec(text);
      if (!m) throw new Error(`${name}: no ${key}`);
      return m[1]!;
    };
    const anchorHeight = BigInt(header('anchor height'));
    const anchorParentTime = Number(header('anchor parent time'));
    const anchorBits = Number(header('anchor nBits'));
    const iterations = Number(header('iterations'));
    const rows = text.split('\n').filter((l) => /^\d/.test(l));
    expect(rows.length).toBe(iterations);
    for (const row of rows) {
      const [, height, time, bits] = row.trim().split(/\s+/);
      const target = asertTarget(
        decodeCompact(anchorBits).target,
        600,
        Number(time) - anchorParentTime,
        Number(BigInt(height!) - anchorHeight),
        ASERT_POW_LIMIT,
        172800,
      );
      expect('0x' + encodeCompact(target).toString(16).padStart(8, '0')).toBe(bits);
    }
  });
});

describe('ASERT through nextWorkRequired (devnet params)', () => {
  const p = devnetParams;
  const limit = p.powLimitBits;
  const s = p.targetSpacing;

  test('genesis and block 1 (the anchor) are at powLimit, however old genesis is', () => {
    expect(nextWorkRequired(0, chain([1000], limit), 0, p)).toBe(limit);
    // Block 1 a year after genesis: block 2 is still at the limit (anchored on block 1).
    const t1 = 1000 + 365 * 86400;
    expect(nextWorkRequired(1, chain([1000, t1], limit), 0, p)).toBe(limit);
  });

  test('blocks on schedule keep the target; fast blocks halve it every half-life', () => {
    const t1 = 50_000;
    const onSchedule = [0, t1, t1 + s, t1 + 2 * s];
    expect(nextWorkRequired(3, chain(onSchedule, limit), 0, p)).toBe(limit);
    // Blocks 1..21 all at the same second: block 21 is 20 x 10 s = 200 s (one half-life)
    // ahead of schedule, so the next target is half the anchor's.
    const fast = [0, ...Array.from({ length: 21 }, () => t1)];
    const bits = nextWorkRequired(21, chain(fast, limit), 0, p);
    const ratio = Number((decodeCompact(limit).target * 1_000_000n) / decodeCompact(bits).target) / 1_000_000;
    expect(ratio).toBeCloseTo(2, 4);
    // Ten more seconds ahead (block 22 at the same time again): harder still.
    const faster = nextWorkRequired(22, chain([...fast, t1], limit), 0, p);
    expect(decodeCompact(faster).target < decodeCompact(bits).target).toBe(true);
  });

  test('slow blocks never go above powLimit', () => {
    const slow = [0, 1000, 100_000, 200_000];
    expect(nextWorkRequired(3, chain(slow, limit), 0, p)).toBe(limit);
  });
});

describe('Bitcoin retarget (Core pow_tests)', () => {
  const cp = bitcoinMainParams;
  const ts = 14 * 24 * 60 * 60;

  test('32255 -> 32256: 0x1d00ffff becomes 0x1d00d86a, period start from the 30240 checkpoint', () => {
    // Block 30240 is a bitcoinj checkpoint; read its time from there.
    const raw = fixtureText('bitcoinj/org.bitcoin.production.checkpoints.txt')
      .split('\n')
      .slice(3)
      .map((l) => new Uint8Array(Buffer.from(l.trim(), 'base64')))
      .find((b) => b.length === 96 && new DataView(b.buffer).getUint32(12, false) === 30240)!;
    expect(raw).toBeDefined();
    const first = BlockHeader.decode(raw.subarray(16));
    expect(first.time).toBe(1261130161);
    const ancestry = sparse([
      [30240, first.time, 0x1d00ffff],
      [32255, 1262152739, 0x1d00ffff],
    ]);
    expect(nextWorkRequired(32255, ancestry, 0, cp)).toBe(0x1d00d86a);
    expect(bitcoinRetarget(0x1d00ffff, 1261130161, 1262152739, ts, cp.powLimit)).toBe(0x1d00d86a);
  });

  test('capped at powLimit', () => {
    expect(bitcoinRetarget(0x1d00ffff, 1231006505, 1233061996, ts, cp.powLimit)).toBe(0x1d00ffff);
  });

  test('clamped to a quarter of the timespan (at most 4x harder)', () => {
    expect(bitcoinRetarget(0x1c05a3f4, 1279008237, 1279297671, ts, cp.powLimit)).toBe(0x1c0168fd);
  });

  test('clamped to four times the timespan (at most 4x easier)', () => {
    expect(bitcoinRetarget(0x1c387f6f, 1263163443, 1269211443, ts, cp.powLimit)).toBe(0x1d00e1fd);
  });

  test('between retargets the parent bits carry over', () => {
    const a = sparse([[2014, 5000, 0x1c05a3f4]]);
    expect(nextWorkRequired(2014, a, 0, cp)).toBe(0x1c05a3f4);
  });

  test('BIP94 takes the old target from the first block of the period, not the last', () => {
    const withBip94: ConsensusParams = mainParams;
    const without: ConsensusParams = { ...mainParams, difficulty: { kind: 'bitcoin', interval: 2016, timespan: 2016 * 600 } };
    const firstBits = 0x1d00ffff;
    const lastBits = 0x1c7fffff;
    const a = sparse([
      [0, 0, firstBits],
      [2015, 2016 * 600, lastBits],
    ]);
    expect(nextWorkRequired(2015, a, 0, withBip94)).toBe(firstBits); // exact timespan: unchanged
    expect(nextWorkRequired(2015, a, 0, without)).toBe(lastBits);
  });
});

describe('fixed difficulty and median time past', () => {
  test('regtest always requires powLimitBits', () => {
    expect(regtestParams.powLimitBits).toBe(0x207fffff);
    expect(nextWorkRequired(5000, sparse([[5000, 1, 0x1d00ffff]]), 0, regtestParams)).toBe(0x207fffff);
  });

  test('median of the last 11 timestamps, or of all of them near genesis', () => {
    expect(medianTimePast(0, chain([7], 0))).toBe(7);
    expect(medianTimePast(2, chain([30, 10, 20], 0))).toBe(20);
    expect(medianTimePast(1, chain([30, 10], 0))).toBe(30); // index floor(2/2) of [10, 30]
    // 12 blocks: the first is outside the window.
    const times = [1000, 11, 3, 9, 1, 7, 5, 10, 2, 8, 4, 6];
    expect(medianTimePast(11, chain(times, 0))).toBe(6);
  });

  test('a missing ancestor is a caller bug, not a rule failure', () => {
    expect(() => medianTimePast(3, sparse([[3, 1, 0]]))).toThrow(/no header at height 2/);
  });
});
