// Package limits and replacement rules as pure functions (policy.ts): worked examples for
// each code, and generated cases checked against a model written here from the rule text
// (Core's package limits, BIP125 rules 2-5 as full RBF), using float division for fee rates
// where the code under test cross-multiplies bigints.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  DEFAULT_ANCESTOR_LIMIT,
  DEFAULT_ANCESTOR_SIZE_LIMIT,
  DEFAULT_DESCENDANT_LIMIT,
  DEFAULT_DESCENDANT_SIZE_LIMIT,
  MAX_REPLACEMENT_EVICTIONS,
  PolicyError,
  checkPackageLimits,
  checkReplacement,
  type PackageLimits,
  type PackageMember,
  type ReplacementMember,
} from '../../src/mempool/index.js';

const LIMITS: PackageLimits = {
  ancestorCount: DEFAULT_ANCESTOR_LIMIT,
  ancestorSize: DEFAULT_ANCESTOR_SIZE_LIMIT,
  descendantCount: DEFAULT_DESCENDANT_LIMIT,
  descendantSize: DEFAULT_DESCENDANT_SIZE_LIMIT,
};

/** The PolicyError `f` throws (code and detail), or undefined. */
function outcome(f: () => void): { code: string; detail: string } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return { code: e.code, detail: e.detail };
    throw e;
  }
  return undefined;
}

const hex = (i: number): string => i.toString(16).padStart(64, '0');

function member(i: number, vsize: number, descendantCount = 1, descendantSize = vsize): PackageMember {
  return { txidHex: hex(i), vsize, descendantCount, descendantSize };
}

describe('checkPackageLimits', () => {
  test('a tx with no unconfirmed ancestors passes', () => {
    expect(outcome(() => checkPackageLimits(new Set(), 100_000, LIMITS))).toBeUndefined();
  });

  test('24 ancestors pass, 25 exceed the ancestor count of 25 (the tx counts itself)', () => {
    const a24 = new Set(Array.from({ length: 24 }, (_, i) => member(i, 100)));
    expect(outcome(() => checkPackageLimits(a24, 100, LIMITS))).toBeUndefined();
    const a25 = new Set(Array.from({ length: 25 }, (_, i) => member(i, 100)));
    expect(outcome(() => checkPackageLimits(a25, 100, LIMITS))).toEqual({ code: 'too-long-mempool-chain', detail: 'too many unconfirmed ancestors [limit: 25]' });
  });

  test('ancestor size counts the tx itself: 101,000 vB passes, one more fails', () => {
    const a = new Set([member(1, 60_000, 1, 60_000)]);
    expect(outcome(() => checkPackageLimits(a, 41_000, LIMITS))).toBeUndefined();
    expect(outcome(() => checkPackageLimits(a, 41_001, LIMITS))?.detail).toBe('exceeds ancestor size limit [limit: 101000]');
  });

  test('an ancestor with 24 descendants (itself included) takes one more, not two', () => {
    const ok = new Set([member(1, 100, 24, 2400)]);
    expect(outcome(() => checkPackageLimits(ok, 100, LIMITS))).toBeUndefined();
    const full = new Set([member(1, 100, 25, 2500)]);
    expect(outcome(() => checkPackageLimits(full, 100, LIMITS))?.detail).toBe(`too many descendants for tx ${hex(1)} [limit: 25]`);
  });

  test('the descendant size of an ancestor plus the new tx may not pass the limit', () => {
    const a = new Set([member(1, 100, 2, 100_000)]);
    expect(outcome(() => checkPackageLimits(a, 1000, LIMITS))).toBeUndefined();
    expect(outcome(() => checkPackageLimits(a, 1001, LIMITS))?.detail).toBe(`exceeds descendant size limit for tx ${hex(1)} [limit: 101000]`);
  });

  // Model: the first limit exceeded, in the order ancestor count, ancestor size, then per
  // ancestor (in set order) descendant count and descendant size.
  function modelPackage(ancestors: PackageMember[], vsize: number, l: PackageLimits): string | undefined {
    if (ancestors.length >= l.ancestorCount) return 'ancestor-count';
    if (ancestors.reduce((s, a) => s + a.vsize, vsize) > l.ancestorSize) return 'ancestor-size';
    for (const a of ancestors) {
      if (a.descendantCount >= l.descendantCount) return `descendant-count ${a.txidHex}`;
      if (a.descendantSize + vsize > l.descendantSize) return `descendant-size ${a.txidHex}`;
    }
    return undefined;
  }

  function kindOf(detail: string | undefined): string | undefined {
    if (detail === undefined) return undefined;
    if (detail.startsWith('too many unconfirmed ancestors')) return 'ancestor-count';
    if (detail.startsWith('exceeds ancestor size')) return 'ancestor-size';
    const m = /^(too many descendants|exceeds descendant size limit) for tx ([0-9a-f]{64})/.exec(detail);
    if (m) return `${m[1] === 'too many descendants' ? 'descendant-count' : 'descendant-size'} ${m[2]}`;
    return `unexpected: ${detail}`;
  }

  test('generated packages: refused exactly when the model says, for the limit it names', () => {
    const arb = fc.record({
      ancestors: fc.array(
        fc.record({ vsize: fc.integer({ min: 60, max: 30_000 }), extraDesc: fc.integer({ min: 0, max: 12 }), extraDescSize: fc.integer({ min: 0, max: 40_000 }) }),
        { maxLength: 12 },
      ),
      vsize: fc.integer({ min: 60, max: 60_000 }),
      limits: fc.record({
        ancestorCount: fc.integer({ min: 1, max: 14 }),
        ancestorSize: fc.integer({ min: 1000, max: 150_000 }),
        descendantCount: fc.integer({ min: 1, max: 14 }),
        descendantSize: fc.integer({ min: 1000, max: 150_000 }),
      }),
    });
    const seen = new Set<string>();
    fc.assert(
      fc.property(arb, ({ ancestors, vsize, limits }) => {
        const list = ancestors.map((a, i) => member(i, a.vsize, 1 + a.extraDesc, a.vsize + a.extraDescSize));
        const got = outcome(() => checkPackageLimits(new Set(list), vsize, limits));
        if (got) expect(got.code).toBe('too-long-mempool-chain');
        const expected = modelPackage(list, vsize, limits);
        expect(kindOf(got?.detail)).toBe(expected);
        seen.add(expected?.split(' ')[0] ?? 'accepted');
      }),
      { numRuns: 500 },
    );
    // the generator reaches every verdict
    expect([...seen].sort()).toEqual(['accepted', 'ancestor-count', 'ancestor-size', 'descendant-count', 'descendant-size']);
  });
});

describe('checkReplacement', () => {
  type M = ReplacementMember & { id: number };
  const m = (id: number, fee: bigint, vsize: number): M => ({ id, txidHex: hex(id), fee, vsize });
  const none = new Set<M>();

  test('a replacement paying a higher rate and the old fee plus 1 sat/vB for its own size passes', () => {
    const old = m(1, 1000n, 200);
    const r = { conflicts: new Set([old]), evicted: new Set([old]), ancestors: none, parents: none, conflictParents: none };
    // needs 1000 + 200 (incremental 1000 sat/kvB over 200 vB) = 1200 and a rate above 5 sat/vB
    expect(outcome(() => checkReplacement({ ...r, fee: 1200n, vsize: 200 }, 1000))).toBeUndefined();
    expect(outcome(() => checkReplacement({ ...r, fee: 1199n, vsize: 200 }, 1000))).toEqual({
      code: 'insufficient-fee',
      detail: 'fee 1199 < 1200 (replaced fees plus incremental relay fee)',
    });
  });

  test('an equal fee rate is not enough, however large the absolute fee (rule 4 before rule 3)', () => {
    const old = m(1, 10_000n, 100);
    const r = { conflicts: new Set([old]), evicted: new Set([old]), ancestors: none, parents: none, conflictParents: none };
    expect(outcome(() => checkReplacement({ ...r, fee: 20_000n, vsize: 200 }, 1000))).toEqual({
      code: 'insufficient-fee',
      detail: `fee rate not above 100 sat/vB of ${hex(1)}`,
    });
  });

  test('a descendant of a conflict counts: its rate and its fee', () => {
    const old = m(1, 1000n, 100);
    const child = m(2, 5000n, 100); // 50 sat/vB
    const r = { conflicts: new Set([old]), evicted: new Set([old, child]), ancestors: none, parents: none, conflictParents: none };
    expect(outcome(() => checkReplacement({ ...r, fee: 6200n, vsize: 200 }, 1000))?.detail).toBe(`fee rate not above 50 sat/vB of ${hex(2)}`);
    expect(outcome(() => checkReplacement({ ...r, fee: 10_100n, vsize: 200 }, 1000))).toBeUndefined();
  });

  test('spending an output of what it replaces is refused', () => {
    const old = m(1, 1000n, 100);
    const child = m(2, 1000n, 100);
    const direct = { conflicts: new Set([old]), evicted: new Set([old]), ancestors: new Set([old]), parents: new Set([old]), conflictParents: none };
    expect(outcome(() => checkReplacement({ ...direct, fee: 1_000_000n, vsize: 100 }, 1000))?.code).toBe('bad-txns-spends-conflicting-tx');
    const viaChild = { conflicts: new Set([old]), evicted: new Set([old, child]), ancestors: new Set([child]), parents: new Set([child]), conflictParents: none };
    expect(outcome(() => checkReplacement({ ...viaChild, fee: 1_000_000n, vsize: 100 }, 1000))).toEqual({
      code: 'bad-txns-spends-conflicting-tx',
      detail: `spends conflicting tx ${hex(2)}`,
    });
  });

  test(`evicting ${MAX_REPLACEMENT_EVICTIONS} txs is allowed, one more is too many`, () => {
    const all = Array.from({ length: MAX_REPLACEMENT_EVICTIONS + 1 }, (_, i) => m(i, 100n, 100));
    const conflicts = new Set([all[0]!]);
    const ok = { conflicts, evicted: new Set(all.slice(0, MAX_REPLACEMENT_EVICTIONS)), ancestors: none, parents: none, conflictParents: none };
    expect(outcome(() => checkReplacement({ ...ok, fee: 1_000_000n, vsize: 100 }, 1000))).toBeUndefined();
    const over = { ...ok, evicted: new Set(all) };
    expect(outcome(() => checkReplacement({ ...over, fee: 1_000_000n, vsize: 100 }, 1000))).toEqual({
      code: 'too-many-replacements',
      detail: `would evict ${MAX_REPLACEMENT_EVICTIONS + 1} txs > ${MAX_REPLACEMENT_EVICTIONS}`,
    });
  });

  test('a new unconfirmed parent is refused; a parent the original also had is fine', () => {
    const shared = m(9, 1000n, 100);
    const other = m(8, 1000n, 100);
    const old = m(1, 1000n, 100);
    const base = { conflicts: new Set([old]), evicted: new Set([old]), conflictParents: new Set([shared]) };
    expect(outcome(() => checkReplacement({ ...base, ancestors: new Set([shared]), parents: new Set([shared]), fee: 100_000n, vsize: 100 }, 1000))).toBeUndefined();
    expect(outcome(() => checkReplacement({ ...base, ancestors: new Set([other]), parents: new Set([other]), fee: 100_000n, vsize: 100 }, 1000))).toEqual({
      code: 'replacement-adds-unconfirmed',
      detail: `new unconfirmed input from ${hex(8)}`,
    });
  });

  // Model, from BIP125 rules 2-5 (full RBF) in the order the pool applies them.
  function modelReplacement(
    fee: number,
    vsize: number,
    conflicts: number[],
    evicted: Map<number, { fee: number; vsize: number }>,
    ancestors: number[],
    parents: number[],
    conflictParents: number[],
    incremental: number,
  ): string | undefined {
    if (ancestors.some((a) => conflicts.includes(a))) return 'bad-txns-spends-conflicting-tx';
    if (evicted.size > 100) return 'too-many-replacements';
    if (ancestors.some((a) => evicted.has(a))) return 'bad-txns-spends-conflicting-tx';
    if (parents.some((p) => !conflictParents.includes(p))) return 'replacement-adds-unconfirmed';
    let sum = 0;
    for (const e of evicted.values()) {
      if (!(fee / vsize > e.fee / e.vsize)) return 'insufficient-fee';
      sum += e.fee;
    }
    if (fee < sum + Math.ceil((incremental * vsize) / 1000)) return 'insufficient-fee';
    return undefined;
  }

  test('generated replacements: the verdict is the model\u2019s', () => {
    // Ids 0..29 are small members drawn into the sets; `bulk` adds anonymous evictions so
    // the eviction count crosses the limit now and then. Fees stay below 2^16 so the
    // model's float rates compare exactly.
    const arb = fc.record({
      members: fc.array(fc.record({ fee: fc.integer({ min: 0, max: 3000 }), vsize: fc.integer({ min: 60, max: 5000 }) }), { minLength: 30, maxLength: 30 }),
      conflicts: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { minLength: 1, maxLength: 4 }),
      descendants: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 6 }),
      bulk: fc.oneof(fc.constant(0), fc.integer({ min: 90, max: 110 })),
      ancestors: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 3 }),
      parentCount: fc.integer({ min: 0, max: 3 }),
      conflictParents: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 4 }),
      fee: fc.integer({ min: 0, max: 65_000 }),
      vsize: fc.integer({ min: 60, max: 5000 }),
      incremental: fc.constantFrom(0, 1000, 2500),
    });
    const seen = new Set<string>();
    fc.assert(
      fc.property(arb, (g) => {
        const pool = g.members.map((x, i) => m(i, BigInt(x.fee), x.vsize));
        const bulk = Array.from({ length: g.bulk }, (_, i) => m(1000 + i, 1n, 100));
        const evictedIds = [...new Set([...g.conflicts, ...g.descendants])];
        const parents = g.ancestors.slice(0, g.parentCount);
        const evictedModel = new Map<number, { fee: number; vsize: number }>();
        for (const i of evictedIds) evictedModel.set(i, g.members[i]!);
        for (const b of bulk) evictedModel.set(b.id, { fee: 1, vsize: 100 });
        const expected = modelReplacement(g.fee, g.vsize, g.conflicts, evictedModel, g.ancestors, parents, g.conflictParents, g.incremental);
        const pick = (ids: number[]) => new Set(ids.map((i) => pool[i]!));
        const got = outcome(() =>
          checkReplacement(
            {
              fee: BigInt(g.fee),
              vsize: g.vsize,
              conflicts: pick(g.conflicts),
              evicted: new Set([...pick(evictedIds), ...bulk]),
              ancestors: pick(g.ancestors),
              parents: pick(parents),
              conflictParents: pick(g.conflictParents),
            },
            g.incremental,
          ),
        );
        expect(got?.code).toBe(expected);
        seen.add(expected ?? 'accepted');
      }),
      { numRuns: 1000 },
    );
    // the generator reaches every verdict
    expect([...seen].sort()).toEqual(
      ['accepted', 'bad-txns-spends-conflicting-tx', 'insufficient-fee', 'replacement-adds-unconfirmed', 'too-many-replacements'].sort(),
    );
  });
});
