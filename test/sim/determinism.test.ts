// The simulator's first promise: one seed, one world. Two runs of a seed with every kind
// of fault give byte-identical traces; another seed gives another; and nothing in the
// simulated nodes reached for the wall clock meanwhile.
import { describe, expect, it } from '@jest/globals';
import { DEFAULTS, FAULTS, renderHtml, runSim, type SimConfig } from '../../sim/index.js';

const MIN = 60_000;

function config(seed: bigint): SimConfig {
  return {
    ...DEFAULTS,
    seed,
    nodes: 4,
    durationMs: 25 * MIN,
    quietMs: 12 * MIN,
    drainMs: 4 * MIN,
    blockIntervalMs: 2 * MIN,
    txPerMinute: 3,
    faults: [...FAULTS],
  };
}

describe('sim determinism', () => {
  it('the same seed gives the same trace hash, another seed another, and every invariant holds', async () => {
    const a = await runSim({ ...config(11n), keepTimeline: true });
    const b = await runSim(config(11n));
    const c = await runSim(config(12n));
    expect(a.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.traceLines).toBe(a.traceLines);
    expect(c.traceHash).not.toBe(a.traceHash);
    for (const r of [a, c]) {
      expect(r.violations).toEqual([]);
      expect(r.wallClockUse).toEqual([]);
      expect(r.stats.blocksMined).toBeGreaterThan(3);
      expect(r.stats.finalHeight).toBeGreaterThan(DEFAULTS.premine);
      expect(r.stats.payments.accepted).toBeGreaterThan(10);
      expect(r.stats.messages.delivered).toBeGreaterThan(100);
    }
    // the report: one row per node, its tips as a timeline, self-contained
    expect(a.timeline!.length).toBeGreaterThan(4 * 3);
    const html = renderHtml(a);
    for (const n of a.nodes) expect(html).toContain(`>${n}</text>`);
    expect(html).toContain(a.traceHash);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(a.replay).toBe('npm run sim -- --seed 11 --nodes 4 --duration 25m --faults partition,oneway,latency,loss,duplicate,reorder,slow,crash,flushcrash,skew,hostile --block-interval 2m --tx-rate 3 --quiet 12m');
    // three short worlds: bounded work, a deadline for a loaded shared machine
  }, 600_000);
});
