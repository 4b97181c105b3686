// The growth invariant: while no partition is in force, honest blocks end in the final
// chain at the rate a healthy network keeps them. Checked two ways: the bound itself
// (generated cases, against the binomial allowance written out here again), and a planted
// node bug (block announcements five minutes late) that every other invariant can miss —
// nodes still converge once mining stops — which a swarm must catch as slow growth, while
// the same seed without the plant passes.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BASE_LOSS, MIN_BLOCKS, checkGrowth, runSim, swarmConfig } from '../../sim/index.js';

describe('sim growth invariant: the bound', () => {
  it(`never fails a run that kept every block, nor one with fewer than ${MIN_BLOCKS} blocks`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 0, max: 0.2, noNaN: true }), (whole, hostileShare) => {
        expect(checkGrowth({ whole, kept: whole, hostileShare })).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MIN_BLOCKS - 1 }), fc.double({ min: 0, max: 0.2, noNaN: true }), (whole, hostileShare) => {
        expect(checkGrowth({ whole, kept: 0, hostileShare })).toBeUndefined();
      }),
    );
  });

  it('fails exactly below the allowance less three standard deviations, and says by how much', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (whole, h, f) => {
        const kept = Math.floor(whole * f);
        const p = BASE_LOSS + h;
        const lowest = whole * (1 - p) - 3 * Math.sqrt(whole * p * (1 - p)) - 1;
        const r = checkGrowth({ whole, kept, hostileShare: h });
        if (whole < MIN_BLOCKS || kept >= lowest) expect(r).toBeUndefined();
        else expect(r).toContain(`only ${kept} of ${whole} honest blocks`);
      }),
    );
    // half the blocks lost in a 100-block run with no attacker is far outside a healthy network
    expect(checkGrowth({ whole: 100, kept: 50, hostileShare: 0 })).toContain('at least 80 expected');
  });
});

// From seed 1 the swarm first reports slow growth at seed 10 (2-minute blocks, 9 nodes:
// 10 of 24 blocks kept); seeds 1-9 draw too few blocks for the bound to have power, a
// loss inside the allowance, or (seed 8) a history where the late announcements surface
// as no-convergence instead. The test starts at seed 7 so `npm test` stays short; `npm
// run sim:swarm -- --runs 10 --plant slow-block-announce` shows the whole search. Any
// change to what a world draws or how nodes behave moves this seed.
const PLANT = 'slow-block-announce';
const FROM = 7n;
const MAX_SEEDS = 6;

describe('sim growth invariant: a planted bug', () => {
  it(`a swarm finds "${PLANT}" as slow growth within ${MAX_SEEDS} seeds from seed ${FROM}, and that seed passes without the plant`, async () => {
    let found: Awaited<ReturnType<typeof runSim>> | undefined;
    for (let s = FROM; s < FROM + BigInt(MAX_SEEDS) && !found; s++) {
      const r = await runSim(swarmConfig(s, PLANT));
      if (r.violations.some((v) => v.kind === 'slow-growth')) found = r;
    }
    expect(found).toBeDefined();
    const f = found!;
    expect(f.replay).toContain(`--plant ${PLANT}`);
    const g = f.stats.growth;
    expect(g.kept).toBeLessThan(g.whole);

    const control = await runSim(swarmConfig(f.config.seed));
    expect(control.violations).toEqual([]);
    // the same world without the bug keeps (nearly) every block mined while whole
    expect(control.stats.growth.kept).toBeGreaterThan(g.kept);
  }, 600_000);
});
