// `npm run soak -- --minutes M [--no-miners] [--tps R] [--every S] [--out DIR]`: memory and
// latency over time (issue #20). A 3-node devnet (mesh, real cairnd processes, devnet/
// code), two background miners (or, with --no-miners, one block by admin mining every
// target spacing so payments still confirm), steady payments through the wallet CLI, and
// every S seconds each node's RSS and heap (from its /metrics runtime gauges), the p99 of
// a steady API poll (/api/node at 4/s per node) and its tip go to samples.csv. At the end:
// all payments confirmed everywhere, tips and UTXO digests equal, summary.json, a
// self-contained plot.html, and a heap-snapshot comparison of node1 (after warm-up vs the
// end) in heapdiff.txt. Miners hash continuously: run long soaks under `nice -n 19`.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NodeClient } from '../devnet/api.js';
import * as dn from '../devnet/devnet.js';
import { toolsAt } from '../devnet/launcher.js';
import { sleep, signal } from '../devnet/proc.js';
import { spam, type SpamResult } from '../devnet/spam.js';
import { findNode, type DevnetState } from '../devnet/state.js';
import { cryptoRng } from '../src/primitives/index.js';
import { percentile } from './api-latency.js';
import { diffHeapSnapshots } from './heapdiff.js';
import { plotHtml, type Sample } from './soak-plot.js';
import { soakSummary } from './soak-summary.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const POLL_MS = 250;

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** One labelled gauge value, e.g. labelled(text, 'cairn_miner_worker_heap_bytes', 'kind="total"'). */
function labelled(text: string, name: string, label: string): number {
  const m = new RegExp(`^${name}\\{${label}\\} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Polls /api/node on every node at a steady rate and keeps each answer's latency until taken. */
class Poller {
  private readonly lat = new Map<string, number[]>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  constructor(clients: Map<string, NodeClient>) {
    for (const [name, c] of clients) {
      this.lat.set(name, []);
      this.loops.push(this.loop(name, c));
    }
  }
  private async loop(name: string, c: NodeClient): Promise<void> {
    let next = performance.now();
    while (!this.stopped) {
      const t0 = performance.now();
      // a failure counts as the client's whole timeout (10 s)
      await c.node().then(() => this.lat.get(name)!.push(performance.now() - t0), () => this.lat.get(name)!.push(10_000));
      next += POLL_MS;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else next = performance.now();
    }
  }
  take(name: string): number[] {
    const xs = this.lat.get(name)!;
    this.lat.set(name, []);
    return xs;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

/** SIGUSR2 to the node (started with --heapsnapshot-signal) and the file it wrote, renamed to `as`. */
async function heapSnapshot(state: DevnetState, name: string, dir: string, as: string): Promise<string | undefined> {
  const n = findNode(state, name);
  const before = new Set(readdirSync(dir));
  signal(n.pid!, 'SIGUSR2');
  const end = Date.now() + 120_000;
  while (Date.now() < end) {
    await sleep(1000);
    const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
    if (f) {
      // written in one go by the node; wait until its size stops changing
      await sleep(3000);
      renameSync(join(dir, f), join(dir, as));
      return join(dir, as);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      'no-miners': { type: 'boolean', default: false },
      tps: { type: 'string', default: '0.3' },
      every: { type: 'string', default: '15' },
      out: { type: 'string' },
      'base-port': { type: 'string', default: '38400' },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error('usage: npm run soak -- --minutes M [--no-miners] [--tps R] [--every S] [--out DIR] [--base-port P]');
  const miners = !values['no-miners'];
  const everyS = Number(values.every);
  const out = resolve(values.out ?? `soak-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}${miners ? '' : '-nominers'}`);
  mkdirSync(out, { recursive: true });
  const devDir = join(out, 'devnet');
  rmSync(devDir, { recursive: true, force: true });
  // The nodes inherit this: a SIGUSR2 makes one write a heap snapshot into its cwd (out/).
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2`.trim();
  process.chdir(out);
  const log = (l: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${l}`);
  const env: dn.Env = { tools: toolsAt(ROOT), rng: cryptoRng, progress: (l) => (l.startsWith('spam:') ? undefined : log(l)) };
  devnetDir = devDir;
  let state = await dn.up({ nodes: 3, miners: miners ? 2 : 0, topology: 'mesh', dir: devDir, basePort: Number(values['base-port']), minerThreads: 1 }, env);
  const names = state.nodes.map((n) => n.name);
  const clients = new Map(state.nodes.map((n) => [n.name, dn.client(n, env, 10_000)] as const));
  const samples: Sample[] = [];
  const csv = ['t_s,node,rss_mb,heap_used_mb,heap_total_mb,external_mb,api_p50_ms,api_p99_ms,api_requests,height,tip,mempool,worker_heap_used_mb,worker_heap_total_mb,miner_workers_started,leveldb_mb,leveldb_files'];
  const poller = new Poller(clients);
  const t0 = Date.now();
  const endAt = t0 + minutes * 60_000;
  let stopping = false;
  const abort = (): void => {
    stopping = true;
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  log(`soak for ${minutes} min, ${miners ? '2 background miners' : 'no miners (node1 mines one block per 10 s by admin call)'}, ${values.tps} payments/s, sampling every ${everyS} s into ${out}`);

  // spam's set-up runs wallet processes (scrypt and node round trips each); at nice 19 on a
  // loaded machine one can pass the devnet's 60 s limit and be killed. That is the
  // machine, not the node under test: the set-up is tried again for the time left (each
  // failure logged and counted in summary.json), and the soak goes on. Before, the
  // rejection ended the soak process and left its nodes running.
  let setupFailures = 0;
  const payments = (async (): Promise<SpamResult> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spam(state, { rate: Number(values.tps), durationS: Math.max(1, Math.round((endAt - Date.now()) / 1000)) }, env, dn.walletCtx(state, env));
      } catch (e) {
        setupFailures++;
        const msg = (e as Error).message;
        log(`payments could not start (attempt ${attempt}): ${msg}`);
        if (stopping || attempt >= 10 || Date.now() > endAt - 120_000) {
          return { attempted: 0, sent: 0, failed: 0, skipped: 0, seconds: 0, cpuMs: 0, txids: [], errors: [msg] };
        }
        await sleep(15_000);
      }
    }
  })();
  const adminMiner = miners
    ? Promise.resolve()
    : (async () => {
        while (!stopping && Date.now() < endAt) {
          await dn.mine(state, 'node1', 1, env).catch((e: Error) => log(`admin mine failed: ${e.message}`));
          await sleep(10_000);
        }
      })();
  const snapAt = t0 + Math.min(10, minutes / 4) * 60_000; // after warm-up
  let early: string | undefined;
  while (!stopping && Date.now() < endAt) {
    await sleep(everyS * 1000);
    const t = Math.round((Date.now() - t0) / 1000);
    for (const name of names) {
      const c = clients.get(name)!;
      const [m, info] = await Promise.all([c.request('GET', '/metrics').catch(() => ''), c.node().catch(() => undefined)]);
      const text = String(m);
      const lat = poller.take(name);
      const s: Sample = {
        t,
        node: name,
        rssMb: metric(text, 'process_resident_memory_bytes') / 2 ** 20,
        heapUsedMb: metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
        heapTotalMb: metric(text, 'nodejs_heap_size_total_bytes') / 2 ** 20,
        externalMb: metric(text, 'nodejs_external_memory_bytes') / 2 ** 20,
        levelMb: (labelled(text, 'cairn_leveldb_memory_bytes', 'db="chain"') + labelled(text, 'cairn_leveldb_memory_bytes', 'db="index"')) / 2 ** 20,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        requests: lat.length,
        height: info?.tip_height ?? NaN,
      };
      samples.push(s);
      // the miner's worker threads (0 on a node that does not mine): not in the heap gauges above
      const wUsed = labelled(text, 'cairn_miner_worker_heap_bytes', 'kind="used"') / 2 ** 20;
      const wTotal = labelled(text, 'cairn_miner_worker_heap_bytes', 'kind="total"') / 2 ** 20;
      csv.push([t, name, s.rssMb.toFixed(1), s.heapUsedMb.toFixed(1), s.heapTotalMb.toFixed(1), s.externalMb.toFixed(1), s.p50.toFixed(1), s.p99.toFixed(1), s.requests, s.height, info?.tip_hash ?? '', info?.mempool_count ?? '', wUsed.toFixed(1), wTotal.toFixed(1), metric(text, 'cairn_miner_workers_started_total'), s.levelMb.toFixed(1), labelled(text, 'cairn_leveldb_files', 'db="chain"') + labelled(text, 'cairn_leveldb_files', 'db="index"')].join(','));
    }
    writeFileSync(join(out, 'samples.csv'), csv.join('\n') + '\n');
    const last = samples.slice(-names.length);
    log(`t=${t}s ${last.map((s) => `${s.node} rss ${s.rssMb.toFixed(0)} heap ${s.heapUsedMb.toFixed(0)} MB p99 ${s.p99.toFixed(0)} ms h ${s.height}`).join(' | ')}`);
    if (!early && Date.now() >= snapAt) early = await heapSnapshot(state, 'node1', out, 'node1-early.heapsnapshot');
  }
  const late = early ? await heapSnapshot(state, 'node1', out, 'node1-late.heapsnapshot') : undefined;
  stopping = true;
  log('stopping payments; waiting for every payment to confirm everywhere');
  const paid = await payments;
  await adminMiner;
  await poller.stop();
  // Confirm the rest: admin blocks on node1 until every node's mempool is empty and tips agree.
  const checks: Record<string, unknown> = { sent: paid.sent, failed: paid.failed, skipped: paid.skipped, setupFailures, errors: paid.errors.slice(0, 5) };
  try {
    if (miners) await dn.setMiners(state, env, false);
    for (let i = 0; i < 30; i++) {
      const infos = await Promise.all(names.map((n) => clients.get(n)!.node()));
      if (infos.every((x) => x.mempool_count === 0 && x.tip_hash === infos[0]!.tip_hash)) break;
      await dn.mine(state, 'node1', 1, env);
      await dn.waitTipsAgree(state, env, 120_000).catch(() => undefined);
    }
    const tip = await dn.waitTipsAgree(state, env, 120_000);
    let unconfirmed = 0;
    for (const txid of paid.txids) {
      for (const n of names) {
        const tx = (await clients.get(n)!.request('GET', `/api/tx/${txid}`).catch(() => undefined)) as { status?: { confirmed?: boolean } } | undefined;
        if (!tx?.status?.confirmed) unconfirmed++;
      }
    }
    const digests = await Promise.all(names.map(async (n) => (await clients.get(n)!.utxoSetInfo()).digest));
    Object.assign(checks, { tip, unconfirmedTimesNodes: unconfirmed, digestsEqual: new Set(digests).size === 1 });
  } catch (e) {
    checks.error = (e as Error).message;
  }
  state = (await dn.down(devDir, env)) ?? state;
  const summary = { minutes, miners, tps: Number(values.tps), checks, nodes: soakSummary(samples, names, Math.min(10, minutes / 3) * 60) };
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(out, 'plot.html'), plotHtml(samples, names, `cairn soak: ${minutes} min, ${miners ? 'miners on' : 'miners off'}, ${values.tps} payments/s`, summary));
  if (early && late) {
    writeFileSync(join(out, 'heapdiff.txt'), diffHeapSnapshots(early, late));
    // the snapshots are large; the comparison is what the next reader needs
    rmSync(early);
    rmSync(late);
  }
  console.log(JSON.stringify(summary, null, 2));
  log(`wrote ${join(out, 'samples.csv')}, summary.json, plot.html${early && late ? ', heapdiff.txt' : ''}`);
}

let devnetDir: string | undefined;

main().catch(async (e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  // never leave nodes running behind a failed soak (e.g. a port taken while starting node3)
  if (devnetDir) await dn.down(devnetDir, { tools: toolsAt(ROOT), rng: cryptoRng, progress: () => undefined }).catch(() => undefined);
  process.exit(1);
});
