// `npm run bench [-- --quick] [--out FILE] [--only NAME[,NAME]]`: runs the benchmark
// scenarios in order, prints one table and optionally writes the same rows as JSON.
// Every figure sits next to a limit measured in the same run (or a named reference) and
// the ratio between them, because absolute timings drift on shared machines.
// Scenario modules are imported by name at run time, so a scenario that does not exist
// yet shows up as "skipped" instead of breaking the suite.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { meetsGoal, type BenchOptions, type BenchResult } from './types.js';

interface Scenario {
  name: string;
  module: string;
  fn: string;
  what: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'verify', module: './verify.js', fn: 'benchVerify', what: 'verify limit and alternative verifiers' },
  { name: 'connect', module: './connect.js', fn: 'benchConnect', what: 'block connect on LevelDB' },
  { name: 'sync', module: './sync.js', fn: 'benchSync', what: 'initial sync and propagation' },
  { name: 'api', module: './api-latency.js', fn: 'benchApiLatency', what: 'API latency idle and during sync' },
  { name: 'flood', module: './inv-flood.js', fn: 'benchInvFlood', what: 'API latency idle and during an inventory flood' },
  { name: 'mempool', module: './mempool.js', fn: 'benchMempool', what: 'mempool acceptance and block template' },
  { name: 'compact', module: './compact.js', fn: 'benchCompact', what: 'compact block propagation (BIP152)' },
  { name: 'secure', module: './secure.js', fn: 'benchSecure', what: 'p2p transport encryption vs plaintext' },
  { name: 'startup', module: './startup.js', fn: 'benchStartup', what: 'restart time' },
  { name: 'memory', module: './memory.js', fn: 'benchMemory', what: 'peak RSS with --dbcache 64' },
  { name: 'sim', module: './sim.js', fn: 'benchSim', what: 'network simulator speed' },
];

type Row = BenchResult & { scenario: string; met: boolean | null };

function usage(): string {
  return `usage: npm run bench -- [--quick] [--out FILE] [--only ${SCENARIOS.map((s) => s.name).join(',')}]`;
}

async function runScenario(s: Scenario, opts: BenchOptions): Promise<BenchResult[]> {
  let mod: Record<string, unknown>;
  try {
    const spec: string = s.module; // a variable, so tsc does not require the module to exist yet
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(s.module.slice(2))) {
      return [skipped(s, `skipped: bench/${s.module.slice(2).replace(/\.js$/, '.ts')} does not exist yet`)];
    }
    throw e;
  }
  const fn = mod[s.fn];
  if (typeof fn !== 'function') return [skipped(s, `skipped: ${s.module} does not export ${s.fn}`)];
  return (await (fn as (o: BenchOptions) => Promise<BenchResult[]>)(opts)) ?? [];
}

function skipped(s: Scenario, note: string): BenchResult {
  return { name: s.what, figure: NaN, unit: '', limit: null, ratio: null, goal: '—', note };
}

function fmt(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

function table(rows: Row[]): string {
  const head = ['scenario', 'figure', 'limit', 'ratio', 'goal', 'met'];
  const notes: string[] = [];
  const body = rows.map((r) => {
    let name = r.name;
    if (r.note) {
      notes.push(r.note);
      name += ` [${notes.length}]`;
    }
    return [
      name,
      Number.isFinite(r.figure) ? `${fmt(r.figure)} ${r.unit}` : '—',
      r.limit === null ? '—' : `${fmt(r.limit)} ${r.limitUnit ?? r.unit}`,
      r.ratio === null ? '—' : r.ratio.toFixed(2),
      r.goal,
      r.met === null ? '—' : r.met ? 'yes' : 'NO',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const sep = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(head), sep, ...body.map(line), '', ...notes.map((n, i) => `[${i + 1}] ${n}`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    return;
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : undefined;
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; ${usage()}`);
  const opts: BenchOptions = { quick: values.quick ?? false };
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(`cairn bench${opts.quick ? ' --quick' : ''}: ${machine.cores} cores (${machine.cpu}), node ${machine.node}`);

  const rows: Row[] = [];
  const started = Date.now();
  for (const s of SCENARIOS) {
    if (only && !only.includes(s.name)) continue;
    const t0 = Date.now();
    process.stderr.write(`running ${s.name} ...`);
    let results: BenchResult[];
    try {
      results = await runScenario(s, opts);
    } catch (e) {
      process.exitCode = 1;
      results = [{ ...skipped(s, `FAILED: ${(e as Error).stack ?? String(e)}`) }];
    }
    process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    for (const r of results) rows.push({ ...r, scenario: s.name, met: meetsGoal(r.goal, r.ratio ?? r.figure) });
  }
  console.log('\n' + table(rows));
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (values.out) {
    const json = { date: new Date().toISOString(), quick: opts.quick, machine, results: rows.map((r) => ({ ...r, figure: Number.isFinite(r.figure) ? r.figure : null })) };
    writeFileSync(values.out, JSON.stringify(json, null, 2) + '\n');
    console.log(`wrote ${values.out}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
