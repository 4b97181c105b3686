// The simulator must catch a real class of node bug. With the planted switch on, the
// mempool skips re-checking its entries after a reorg (Core's removeForReorg missing);
// a swarm of random runs must find it within a bounded number of seeds, the failure
// must replay from its command, and shrinking must give a shorter reproduction. The
// same seed without the plant passes, so it is the bug that is caught, not the world.
import { describe, expect, it } from '@jest/globals';
import { runSim, shrink, swarm, swarmConfig } from '../../sim/index.js';

const PLANT = 'reorg-keeps-conflicts';
const MAX_SEEDS = 8;

describe('sim planted bug', () => {
  it(`a swarm finds "${PLANT}" within ${MAX_SEEDS} seeds, shrinks it, and the seed passes without the plant`, async () => {
    const out = await swarm({ runs: MAX_SEEDS, from: 1n, plant: PLANT, stopOnFail: true });
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
    // the shrunk command really fails, the same way
    const again = await runSim(s.config);
    expect(again.violations.map((v) => v.kind)).toContain('mempool-conflict');

    const { plant: _p, ...clean } = swarmConfig(failed.config.seed);
    const control = await runSim(clean);
    expect(control.violations).toEqual([]);
  });
});
