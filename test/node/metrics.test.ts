// /metrics of two real cairnd: blocks and txs are counted whatever their source (this
// node's miner, the API, p2p), prom-client's process and runtime collectors are there,
// and both expositions pass Prometheus's own linter, `promtool check metrics`
// (Debian's prometheus package; .ci/run installs it). The same two nodes' logs show one
// line per new tip and throttled, single-unit sync progress.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { hexToBytes, scriptToAddress } from '../../src/primitives/index.js';
import { ChainBuilder, type Utxo } from '../support/chainbuilder.js';
import { ROOT, admin, http, startDaemon, tempDatadir, until, type Daemon } from '../api/daemon.js';

const builder = new ChainBuilder(getParams('regtest'));
const ADDR = scriptToAddress(builder.script, 'rcrn')!;
const dirs: string[] = [];
const daemons: Daemon[] = [];
let a: Daemon;
let b: Daemon;

async function start(): Promise<Daemon> {
  const d = tempDatadir();
  dirs.push(d);
  const n = await startDaemon(d);
  daemons.push(n);
  return n;
}

afterAll(async () => {
  for (const d of daemons) await d.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The value of one sample, e.g. value(text, 'cairn_txs_accepted_total{source="p2p"}'). */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => spawnSync(p, ['--version']).status === 0);

describe('Prometheus exposition', () => {
  it('counts blocks and txs from the miner, the API and p2p, with runtime metrics, and passes promtool', async () => {
    a = await start();
    b = await start();
    expect((await admin(b, '/api/admin/peers', { url: `${a.banner.p2p_url}#${a.banner.identity}` })).status).toBe(200);
    const mined = (await admin(a, '/api/admin/mine', { blocks: 101, address: ADDR })).json as string[];
    await until(async () => (await http(b, '/api/blocks/tip/height')).text === '101', 'b syncs 101 blocks', 60_000);

    // a tx through a's API, relayed to b over p2p
    const cb = (await http(a, `/api/block/${mined[0]}/txs`)).json[0];
    const utxo: Utxo = { outpoint: { txid: hexToBytes(cb.txid).reverse(), vout: 0 }, coin: { value: BigInt(cb.vout[0].value), script: builder.script, height: 1, coinbase: true } };
    const tx = builder.spend([utxo]);
    expect((await http(a, '/api/tx', { method: 'POST', body: Buffer.from(tx.encode()).toString('hex') })).text).toBe(tx.txidHex());
    await until(async () => (await http(b, '/api/mempool')).json.count === 1, 'tx relayed to b', 30_000);
    // a block through b's API, relayed to a over p2p
    const blk = builder.block({ hash: hexToBytes(mined[100]!).reverse(), height: 101, time: (await http(a, `/api/block/${mined[100]}`)).json.timestamp, utxos: new Map() }).block;
    expect((await http(b, '/api/block', { method: 'POST', body: Buffer.from(blk.encode()).toString('hex') })).status).toBe(200);
    await until(async () => (await http(a, '/api/blocks/tip/height')).text === '102', 'a gets the API block of b', 30_000);

    const ma = (await http(a, '/metrics')).text;
    const mb = (await http(b, '/metrics')).text;
    // blocks: a mined 101 and got one over p2p; b got 101 over p2p and one through its API
    expect(value(ma, 'cairn_block_validation_seconds_count{source="miner"}')).toBe(101);
    expect(value(ma, 'cairn_block_validation_seconds_count{source="p2p"}')).toBe(1);
    expect(value(ma, 'cairn_block_validation_seconds_count{source="api"}')).toBe(0);
    expect(value(mb, 'cairn_block_validation_seconds_count{source="p2p"}')).toBe(101);
    expect(value(mb, 'cairn_block_validation_seconds_count{source="api"}')).toBe(1);
    expect(value(mb, 'cairn_block_validation_seconds_count{source="miner"}')).toBe(0);
    // txs: the API on a, p2p on b
    expect(value(ma, 'cairn_txs_accepted_total{source="api"}')).toBe(1);
    expect(value(ma, 'cairn_txs_accepted_total{source="p2p"}')).toBe(0);
    expect(value(mb, 'cairn_txs_accepted_total{source="p2p"}')).toBe(1);
    expect(value(mb, 'cairn_tx_validation_seconds_count{source="p2p"}')).toBe(1);
    // chain gauges, build info, counters named _total, runtime collectors
    expect(value(mb, 'cairn_height')).toBe(102);
    expect(value(mb, 'cairn_headers_height')).toBe(102);
    expect(value(mb, 'cairn_sync_progress')).toBe(1);
    expect(value(mb, 'cairn_difficulty')).toBeGreaterThan(0);
    expect(value(mb, 'cairn_network_hashrate_hashes_per_second')).toBeGreaterThanOrEqual(0);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(value(mb, `cairn_build_info{version="${version}",network="regtest",node="cairnd"}`)).toBe(1);
    // b got the blocks as `block` (downloaded after headers) or as `cmpctblock` (announced
    // while it kept up): which one depends on timing (a loaded run saw only compact blocks)
    const blockBytes = ['block', 'cmpctblock'].map((c) => value(mb, `cairn_p2p_bytes_total{direction="in",command="${c}"}`) ?? 0);
    expect(blockBytes[0]! + blockBytes[1]!).toBeGreaterThan(0);
    expect(mb).not.toMatch(/^cairn_p2p_bytes\{/m);
    // compact block relay: every event exported from the start; b announced its API block
    // to a (a's only peer, so in high-bandwidth mode) as cmpctblock, and a rebuilt it
    const compact = (text: string, event: string): number | undefined => value(text, `cairn_p2p_compact_blocks_total{event="${event}"}`);
    for (const e of ['received', 'from_mempool', 'after_blocktxn', 'fallback_collision', 'fallback_check', 'fallback_timeout', 'fallback_unservable', 'sent', 'requested_compact', 'requested_full', 'served_compact', 'served_full']) {
      for (const text of [ma, mb]) expect([e, compact(text, e)! >= 0]).toEqual([e, true]);
    }
    expect(compact(mb, 'sent')).toBeGreaterThanOrEqual(1);
    expect(compact(ma, 'received')).toBeGreaterThanOrEqual(1);
    expect(compact(ma, 'from_mempool')! + compact(ma, 'after_blocktxn')!).toBeGreaterThanOrEqual(1);
    expect(compact(mb, 'requested_full')! + compact(mb, 'requested_compact')!).toBeGreaterThanOrEqual(1); // b downloaded a's 101 blocks
    for (const m of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(value(mb, m)).toBeGreaterThanOrEqual(0);
    }
    expect(mb).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    for (const line of mb.split('\n')) {
      const t = /^# TYPE (cairn_\S+) counter$/.exec(line);
      if (t) expect(t[1]).toMatch(/_total$/);
    }

    // every series the shipped Grafana dashboard queries is one cairnd exports
    const dash = JSON.parse(readFileSync(join(ROOT, 'devnet', 'monitoring', 'grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    const names = new Set(exprs.flatMap((e) => e.match(/\b(cairn|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(names.size).toBeGreaterThan(15);
    const families = new Set([...mb.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const n of names) expect([n, families.has(n) || families.has(n.replace(/_(bucket|count|sum)$/, ''))]).toEqual([n, true]);

    if (!PROMTOOL) throw new Error('promtool is missing: apt-get install prometheus (.ci/run does)');
    for (const text of [ma, mb]) {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: '' });
    }
    const cfg = spawnSync(PROMTOOL, ['check', 'config', join(ROOT, 'devnet', 'monitoring', 'prometheus.yml')], { encoding: 'utf8' });
    expect(cfg.status).toBe(0);
  });

  it('logs one line per new tip, with its source, and sync progress in percent at most every 5 s', async () => {
    const records = (d: Daemon): Record<string, unknown>[] =>
      d.lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    const info = (d: Daemon): Record<string, unknown>[] => records(d).filter((r) => r.level === 30);
    const tips = info(a).filter((r) => r.msg === 'new tip');
    // a mined 101 blocks and got 1 from b: one info line each, no second line per block
    expect(tips.filter((r) => r.source === 'miner').map((r) => r.height)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(tips.filter((r) => r.source === 'p2p').map((r) => r.height)).toEqual([102]);
    expect(info(a).filter((r) => r.msg === 'mined a block')).toEqual([]);
    expect(new Set(tips.map((r) => r.hash)).size).toBe(tips.length);
    // b: its API block is one line too; sync lines carry one unit (percent)
    expect(info(b).filter((r) => r.msg === 'new tip' && r.source === 'api').map((r) => r.height)).toEqual([102]);
    const sync = info(b).filter((r) => String(r.msg).startsWith('sync'));
    for (const r of sync) {
      expect(r.progress).toBeUndefined();
      expect(typeof r.progress_pct).toBe('number');
      expect(r.msg).toBe(`sync ${r.progress_pct}%`);
    }
    const times = sync.map((r) => Number(r.time));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5000);
  });
});
