// API latency under sync (issue #20): two real cairnd processes on regtest, a source that
// holds a 2,000-block chain of spends and a fresh node that syncs it over the encrypted
// p2p link. The fresh node's HTTP API is polled at a steady rate (open loop: a request is
// sent every POLL_MS whether or not the last one answered, as a dashboard would) from the
// moment it starts until its chain and index reach the source's tip, then for a while
// once it is idle. Then a second fresh node syncs the same chain with `npm run
// test:stress`'s load beside it (two CPU-bound processes pinned one per core). The figure
// is the p99 latency; the limit is the 1 s the API must meet.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Chain, VerifyPool } from '../src/chain/index.js';
import { getParams } from '../src/consensus/index.js';
import { connectAll, spendChain } from './sync.js';
import type { BenchOptions, BenchResult } from './types.js';

const params = getParams('regtest');
const CAIRND = resolve(import.meta.dirname, '..', '..', 'bin', 'cairnd.js');
const POLL_MS = 50; // 20 requests per second
const TIMEOUT_MS = 10_000; // a request that gets no answer counts as this long
const LIMIT_MS = 1000;

interface Started {
  proc: ChildProcess;
  apiUrl: string;
  p2pUrl: string;
  identity: string;
}

/**
 * Starts cairnd and resolves with its banner (the 'started' log line). `nodeArgs` go to
 * node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept).
 */
export function startCairnd(args: string[], nodeArgs: string[] = []): Promise<Started> {
  const proc = spawn(process.execPath, [...nodeArgs, CAIRND, '--network', 'regtest', '--api-port', '0', '--p2p-port', '0', '--p2p-host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let buf = '';
    let err = '';
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`bench: cairnd did not start within 120 s: ${err}`));
    }, 120_000);
    proc.stderr!.on('data', (d) => (err += d));
    proc.on('exit', (code) => {
      clearTimeout(t);
      fail(new Error(`bench: cairnd exited with ${code} before starting: ${err}`));
    });
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const j = JSON.parse(line) as { event?: string; api_url?: string; p2p_url?: string; identity?: string };
          if (j.event === 'started') {
            clearTimeout(t);
            proc.stdout!.resume();
            ok({ proc, apiUrl: j.api_url!, p2pUrl: j.p2p_url!, identity: j.identity! });
          }
        } catch {
          /* not a JSON line */
        }
      }
    });
  });
}

export async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(t);
}

export interface Poll {
  /** latencies in ms (TIMEOUT_MS for a request that failed or got no answer) */
  samples: number[];
  failures: number;
  /** why requests failed: the error's message (and its cause's), with counts */
  reasons: Record<string, number>;
}

/**
 * Sends GET url every POLL_MS until `done` says stop; each answer may update what
 * `done` sees. Returns every request's latency.
 */
export async function poll(url: string, done: (info: Record<string, unknown> | undefined) => boolean): Promise<Poll> {
  const out: Poll = { samples: [], failures: 0, reasons: {} };
  const inflight = new Set<Promise<void>>();
  let last: Record<string, unknown> | undefined;
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      last = (await r.json()) as Record<string, unknown>;
      out.samples.push(performance.now() - t0);
    } catch (e) {
      out.failures++;
      out.samples.push(TIMEOUT_MS);
      const err = e as Error & { cause?: Error };
      const why = `${err.name}: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`;
      out.reasons[why] = (out.reasons[why] ?? 0) + 1;
    }
  };
  let next = performance.now();
  while (!done(last)) {
    const p = one();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    next += POLL_MS;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = performance.now(); // the poller itself fell behind: do not burst to catch up
  }
  await Promise.all(inflight);
  return out;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface BusyLoad {
  describe(): string;
  stop(): void;
}

/** The load `npm run test:stress` runs beside the suite (scripts/busy-load.mjs, one definition). */
async function startBusyLoad(count: number): Promise<BusyLoad> {
  const url = pathToFileURL(resolve(import.meta.dirname, '..', '..', 'scripts', 'busy-load.mjs')).href;
  const m = (await import(url)) as { startBusyLoad(count: number): BusyLoad };
  return m.startBusyLoad(count);
}

interface SyncRun {
  during: Poll;
  syncS: number;
}

/** One fresh node syncing the source's chain, its API polled from start to tip. */
async function syncOnce(src: Started, nBlocks: number, procs: ChildProcess[], dirs: string[]): Promise<{ run: SyncRun; sink: Started }> {
  const sinkDir = mkdtempSync(join(tmpdir(), 'cairn-bench-api-sink-'));
  dirs.push(sinkDir);
  const t0 = performance.now();
  const sink = await startCairnd(['--datadir', sinkDir, '--no-listen', '--peer', `${src.p2pUrl}#${src.identity}`]);
  procs.push(sink.proc);
  const synced = (i: Record<string, unknown> | undefined): boolean => i?.tip_height === nBlocks && i?.index_height === nBlocks;
  const during = await poll(`${sink.apiUrl}/api/node`, synced);
  return { run: { during, syncS: (performance.now() - t0) / 1000 }, sink };
}

export async function benchApiLatency(opts: BenchOptions): Promise<BenchResult[]> {
  const nBlocks = opts.quick ? 400 : 2_000;
  // 10 spends a block (20,000 in all): a sync with real signature and UTXO work in every
  // block, while building the chain (signing in this process) stays a few minutes
  const perBlock = 10;
  const { blocks, spends } = spendChain(nBlocks, perBlock);
  const srcDir = mkdtempSync(join(tmpdir(), 'cairn-bench-api-src-'));
  const dirs = [srcDir];
  const pool = new VerifyPool();
  const procs: ChildProcess[] = [];
  let load: BusyLoad | undefined;
  try {
    const chain = await Chain.open({ params, path: join(srcDir, 'chain'), verifyPool: pool });
    await connectAll(chain, blocks);
    await chain.close();
    await pool.close();
    const src = await startCairnd(['--datadir', srcDir, '--verify-threads', '1']);
    procs.push(src.proc);
    // 1. the machine as it is
    const { run: quiet, sink } = await syncOnce(src, nBlocks, procs, dirs);
    const idleUntil = performance.now() + (opts.quick ? 10_000 : 20_000);
    const idle = await poll(`${sink.apiUrl}/api/node`, () => performance.now() >= idleUntil);
    await stop(sink.proc);
    // 2. the same sync by another fresh node beside test:stress's load: two CPU-bound
    //    processes pinned one per core, so the node's threads get what is left of 2 cores
    load = await startBusyLoad(2);
    const { run: loaded, sink: sink2 } = await syncOnce(src, nBlocks, procs, dirs);
    load.stop();
    await stop(sink2.proc);
    const p99Idle = percentile(idle.samples, 99);
    const detail = (p: Poll): string => `p50 ${percentile(p.samples, 50).toFixed(1)} ms, max ${Math.max(...p.samples).toFixed(0)} ms, ${p.samples.length} requests, ${p.failures} failed`;
    const duringRow = (r: SyncRun, name: string, extra: string): BenchResult => {
      const p99 = percentile(r.during.samples, 99);
      return {
        name,
        figure: p99,
        unit: 'ms',
        limit: LIMIT_MS,
        ratio: p99 / LIMIT_MS,
        goal: '≤ 1',
        note: `${extra}from start to chain and index at the tip in ${r.syncS.toFixed(1)} s: ${detail(r.during)}; ${(p99 / p99Idle).toFixed(1)}× the idle p99`,
      };
    };
    return [
      {
        name: 'API p99 latency, idle node (GET /api/node at 20/s)',
        figure: p99Idle,
        unit: 'ms',
        limit: LIMIT_MS,
        ratio: p99Idle / LIMIT_MS,
        goal: '≤ 1',
        note: `idle after sync: ${detail(idle)}`,
      },
      duringRow(quiet, `API p99 latency during a ${nBlocks}-block sync (${spends} spends, GET /api/node at 20/s)`, ''),
      duringRow(loaded, `API p99 latency during the same sync beside test:stress's load`, `${load.describe()}; `),
    ];
  } finally {
    load?.stop();
    await Promise.all(procs.map(stop));
    await pool.close().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
