// `npm run sim:swarm -- --runs 200 [--from SEED] [--plant NAME] [--shrink]`: swarm testing.
// Each run's size, rates and fault mix are drawn from its own seed (so one seed is one
// exact run, and the printed replay command reproduces it); runs go one after another.
import { parseArgs } from 'node:util';
import { seededRng } from '../src/primitives/index.js';
import { DEFAULTS, randomFaults, type Fault, type SimConfig } from './config.js';
import { printResult, summaryLine } from './print.js';
import { shrink } from './shrink.js';
import { runSim, type SimResult } from './world.js';

const MIN = 60_000;

/**
 * The run a swarm makes of `seed`: everything but `plant` follows from the seed.
 * `without` drops fault kinds from the drawn mix (the rest of the draw is unchanged).
 */
export function swarmConfig(seed: bigint, plant?: string, without: readonly Fault[] = []): SimConfig {
  const r = seededRng(seed ^ 0x5a5a5a5an);
  const intervals = [MIN, 2 * MIN, 5 * MIN, 10 * MIN];
  return {
    ...DEFAULTS,
    seed,
    nodes: 3 + r.int(8),
    durationMs: (30 + r.int(91)) * MIN,
    quietMs: 30 * MIN,
    drainMs: 10 * MIN,
    blockIntervalMs: intervals[r.int(intervals.length)]!,
    txPerMinute: 1 + r.int(4),
    faults: randomFaults(r).filter((f) => !without.includes(f)),
    ...(plant ? { plant } : {}),
  };
}

export interface SwarmOutcome {
  runs: number;
  failed: SimResult[];
}

export async function swarm(o: { runs: number; from: bigint; plant?: string; without?: readonly Fault[]; stopOnFail?: boolean; log?: (s: string) => void }): Promise<SwarmOutcome> {
  const failed: SimResult[] = [];
  let runs = 0;
  for (let i = 0; i < o.runs; i++) {
    const r = await runSim(swarmConfig(o.from + BigInt(i), o.plant, o.without));
    runs++;
    o.log?.(summaryLine(r));
    if (!r.ok) {
      failed.push(r);
      o.log?.(`  ${r.violations[0]!.kind}: ${r.violations[0]!.detail}\n  replay: ${r.replay}`);
      if (o.stopOnFail) break;
    }
  }
  return { runs, failed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { runs: { type: 'string' }, from: { type: 'string' }, plant: { type: 'string' }, shrink: { type: 'boolean' }, 'stop-on-fail': { type: 'boolean' } },
  });
  const runs = Number(values.runs ?? '20');
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('--runs must be a positive integer');
    process.exit(2);
  }
  if (values.from !== undefined && !/^\d+$/.test(values.from)) {
    console.error('--from must be a non-negative integer');
    process.exit(2);
  }
  const out = await swarm({ runs, from: BigInt(values.from ?? '1'), ...(values.plant ? { plant: values.plant } : {}), stopOnFail: values['stop-on-fail'] === true, log: console.log });
  console.log(`swarm: ${out.runs} runs, ${out.failed.length} failed`);
  for (const f of out.failed) printResult(f);
  if (values.shrink && out.failed[0]) {
    const s = await shrink(out.failed[0].config, (m) => console.log(m), 24, out.failed[0]);
    console.log(`shrunk to (${s.runs} runs): ${s.replay}`);
  }
  process.exit(out.failed.length ? 1 : 0);
}

if (process.argv[1] && /sim[\\/]swarm\.(js|ts)$/.test(process.argv[1])) void main();
