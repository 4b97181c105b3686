// The simulator must catch a real class of node bug. With the planted switch on, the
// mempool skips re-checking its entries after a reorg (Core's removeForReorg missing);
// a swarm of random runs must find it within a bounded number of seeds, the failure
// must replay from its command, and shrinking must give a shorter reproduction. The
// same seed without the plant passes, so it is the bug that is caught, not the world.
import { describe, expect, it } from '@jest/globals';
import { runSim, shrink, swarm, swarmConfig } from '../../sim/index.js';

const PLANT = 'reorg-keeps-conflicts';
// A swarm from seed 1 finds it at seed 17 (seeds 1-16 draw no history that exposes it: it
// needs a partition, a double spend, a spent child and a reorg). The test starts at seed
// 15 so `npm test` stays short; `npm run sim:swarm -- --runs 20 --plant
// reorg-keeps-conflicts` shows the whole search. Any change to what a world draws or how
// nodes behave moves this seed (it was 10 before the renovation merge; the plant itself
// fails loudly if the method it patches moves).
// Hostile nodes came later: with them in the draw, seed 17 gets an attacker and the swarm
// from 17 ran on to seed 24 without a failure (not searched further yet), so this test
// draws its mixes without them; that leaves every other draw, and so seed 17's world, as
// it was.
const WITHOUT = ['hostile'] as const;
const FROM = 15n;
const MAX_SEEDS = 4;
// bounded work (at most 6 short worlds); the deadline is for a loaded shared machine
const DEADLINE_MS = 600_000;

describe('sim planted bug', () => {
  it(`a swarm finds "${PLANT}" within ${MAX_SEEDS} seeds from seed ${FROM}, shrinks it, and the seed passes without the plant`, async () => {
    const out = await swarm({ runs: MAX_SEEDS, from: FROM, plant: PLANT, without: WITHOUT, stopOnFail: true });
    expect(out.failed.length).toBe(1);
    const failed = out.failed[0]!;
    expect(out.runs).toBeLessThanOrEqual(MAX_SEEDS);
    expect(failed.violations[0]!.kind).toBe('mempool-conflict');
    expect(failed.replay).toContain(`--plant ${PLANT}`);
    expect(failed.replay).toContain(`--seed ${failed.config.seed}`);

    const s = await shrink(failed.config, () => undefined, 3, failed);
    expect(s.kind).toBe('mempool-conflict');
    const smaller = s.config.durationMs < failed.config.durationMs || s.config.nodes < failed.config.nodes || s.config.faults.length < failed.config.faults.length || s.config.quietMs < failed.config.quietMs;
    expect(smaller).toBe(true);
    // shrink() keeps a candidate only when it ran and failed the same way
    expect(s.runs).toBeGreaterThan(0);

    const { plant: _p, ...clean } = swarmConfig(failed.config.seed, undefined, WITHOUT);
    const control = await runSim(clean);
    expect(control.violations).toEqual([]);
  }, DEADLINE_MS);
});
