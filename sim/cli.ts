// `npm run sim -- --seed S --nodes N --duration 2h [--faults a,b|all] [--out DIR] ...`:
// one simulated run. Prints the trace hash, figures and any invariant violation with the
// one-line command that replays it; exits 1 when an invariant failed.
import { parseArgs } from 'node:util';
import { DEFAULTS, parseDuration, parseFaults, type SimConfig } from './config.js';
import { printResult } from './print.js';
import { writeReport } from './report.js';
import { shrink } from './shrink.js';
import { runSim } from './world.js';

const USAGE = `usage: npm run sim -- [--seed S] [--nodes N] [--duration 2h] [--faults partition,oneway,latency,loss,duplicate,reorder,slow,crash,flushcrash,skew,hostile|all]
       [--block-interval 10m] [--tx-rate PER_MIN] [--actors N] [--quiet 30m] [--drain 10m] [--skew-max 1h] [--out DIR] [--shrink] [--plant NAME] [--trace] [--disk]`;

export function configFromArgs(argv: string[]): { config: SimConfig; out?: string; shrink: boolean; printTrace: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      nodes: { type: 'string' },
      duration: { type: 'string' },
      faults: { type: 'string' },
      'block-interval': { type: 'string' },
      'tx-rate': { type: 'string' },
      actors: { type: 'string' },
      quiet: { type: 'string' },
      drain: { type: 'string' },
      'skew-max': { type: 'string' },
      out: { type: 'string' },
      shrink: { type: 'boolean' },
      plant: { type: 'string' },
      trace: { type: 'boolean' },
      disk: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (s: string | undefined, name: string, d: number): number => {
    if (s === undefined) return d;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(s)}`);
    return n;
  };
  const seedText = values.seed ?? '1';
  if (!/^\d+$/.test(seedText)) throw new Error(`--seed must be a non-negative integer, got ${JSON.stringify(seedText)}`);
  const nodes = int(values.nodes, 'nodes', DEFAULTS.nodes);
  if (nodes < 1) throw new Error('--nodes must be at least 1');
  const quietMs = values.quiet ? parseDuration(values.quiet) : DEFAULTS.quietMs;
  const config: SimConfig = {
    ...DEFAULTS,
    seed: BigInt(seedText),
    nodes,
    durationMs: values.duration ? parseDuration(values.duration) : DEFAULTS.durationMs,
    faults: parseFaults(values.faults ?? ''),
    blockIntervalMs: values['block-interval'] ? parseDuration(values['block-interval']) : DEFAULTS.blockIntervalMs,
    txPerMinute: values['tx-rate'] !== undefined ? Number(values['tx-rate']) : DEFAULTS.txPerMinute,
    actors: Math.max(2, int(values.actors, 'actors', DEFAULTS.actors)),
    quietMs,
    drainMs: values.drain ? parseDuration(values.drain) : Math.min(DEFAULTS.drainMs, Math.floor(quietMs / 3)),
    skewMaxMs: values['skew-max'] ? parseDuration(values['skew-max']) : DEFAULTS.skewMaxMs,
    keepTimeline: values.out !== undefined,
    keepTrace: values.trace === true,
    ...(values.disk ? { disk: true } : {}),
    ...(values.plant ? { plant: values.plant } : {}),
  };
  if (!(config.txPerMinute >= 0)) throw new Error('--tx-rate must be a number >= 0');
  if (config.drainMs > config.quietMs) throw new Error('--drain cannot be longer than --quiet');
  return { config, ...(values.out ? { out: values.out } : {}), shrink: values.shrink === true, printTrace: values.trace === true };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof configFromArgs>;
  try {
    parsed = configFromArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const r = await runSim(parsed.config, (line) => console.error(line));
  if (parsed.printTrace && r.trace) for (const l of r.trace) console.log(l);
  printResult(r);
  if (parsed.out) console.log(`report: ${writeReport(r, parsed.out)}`);
  if (!r.ok && parsed.shrink) {
    const s = await shrink(parsed.config, (m) => console.log(m), 24, r);
    console.log(`shrunk to: ${s.replay}`);
  }
  process.exit(r.ok ? 0 : 1);
}

if (process.argv[1] && /sim[\\/]cli\.(js|ts)$/.test(process.argv[1])) void main();
