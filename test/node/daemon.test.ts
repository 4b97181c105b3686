// cairnd as a process: crash safety (kill -9, restart), configuration errors and exit
// codes, the config file, a port already in use, and two daemons syncing over p2p.
import { afterAll, describe, expect, it } from '@jest/globals';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAddress } from '../../src/primitives/index.js';
import { parseConfig, parseConfigFile } from '../../src/node/index.js';
import { admin, http, run, startDaemon, tempDatadir, until, type Daemon } from '../api/daemon.js';

const ADDR = encodeAddress(new Uint8Array(32).fill(3), 'rcrn');
const dirs: string[] = [];
const running: Daemon[] = [];

function dir(): string {
  const d = tempDatadir();
  dirs.push(d);
  return d;
}

async function start(datadir: string, extra: string[] = []): Promise<Daemon> {
  const d = await startDaemon(datadir, extra);
  running.push(d);
  return d;
}

afterAll(async () => {
  for (const d of running) await d.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cairnd process', () => {
  it('serves the same tip, balances and UTXO set after kill -9 and a restart', async () => {
    const datadir = dir();
    const a = await start(datadir);
    expect(statSync(join(datadir, '.cookie')).mode & 0o777).toBe(0o600);
    const firstToken = a.token;
    const hashes = (await admin(a, '/api/admin/mine', { blocks: 30, address: ADDR })).json as string[];
    expect(hashes).toHaveLength(30);
    const before = {
      tip: (await http(a, '/api/blocks/tip/hash')).text,
      addr: (await http(a, `/api/address/${ADDR}`)).json,
      utxo: (await http(a, '/api/utxo-set-info')).json,
    };
    expect(before.addr.chain_stats.funded_txo_count).toBe(30);
    await a.kill9();

    const b = await start(datadir);
    expect(b.token).not.toBe(firstToken);
    expect((await http(b, '/api/blocks/tip/hash')).text).toBe(before.tip);
    expect((await http(b, `/api/address/${ADDR}`)).json).toEqual(before.addr);
    expect((await http(b, '/api/utxo-set-info')).json).toEqual(before.utxo);
    expect((await http(b, `/api/block/${hashes[29]}/status`)).json).toEqual({ in_best_chain: true, height: 30, next_best: null });
    // the old token is refused
    expect((await http(b, '/api/admin/mine', { method: 'POST', token: firstToken, body: '{}' })).status).toBe(401);
    // a graceful stop exits 0 and a restart after it also keeps everything
    expect(await b.stop()).toBe(0);
    expect(b.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    const c = await start(datadir);
    expect((await http(c, '/api/utxo-set-info')).json).toEqual(before.utxo);
    expect(await c.stop()).toBe(0);
  });

  it('exits with code 2 and says what to fix for bad configuration', async () => {
    const bad = await run(['--network', 'regtest', '--datadir', dir(), '--mine']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--mine needs --miner-address/);
    const net = await run(['--network', 'nope']);
    expect(net.code).toBe(2);
    expect(net.stderr).toMatch(/nope/);
    const port = await run(['--network', 'regtest', '--datadir', dir(), '--api-port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--api-port must be between 0 and 65535/);
    const wrongNet = await run(['--network', 'regtest', '--datadir', dir(), '--mine', '--miner-address', encodeAddress(new Uint8Array(32), 'crn')]);
    expect(wrongNet.code).toBe(2);
    expect(wrongNet.stderr).toMatch(/--miner-address: .*another network/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const f of ['--network', '--datadir', '--p2p-port', '--api-port', '--api-host', '--peer', '--mine', '--miner-address', '--miner-threads', '--dbcache', '--log-level', 'cairn.conf']) {
      expect(help.stdout).toContain(f);
    }
  });

  it('reads cairn.conf from the datadir, with flags overriding it', () => {
    const files: Record<string, string> = { '/x/cairn.conf': 'network=regtest\napi-port=1234\npeer=ws://a:1\npeer=ws://b:2 # two peers\nmine=0\n' };
    const read = (p: string): string | undefined => files[p];
    const c = parseConfig(['--datadir', '/x'], { readFile: read });
    expect(c).toMatchObject({ network: 'regtest', apiPort: 1234, peers: ['ws://a:1', 'ws://b:2'], mine: false, apiHost: '127.0.0.1', p2pPort: 18644 });
    const o = parseConfig(['--datadir', '/x', '--api-port', '9', '--peer', 'ws://c:3'], { readFile: read });
    expect(o).toMatchObject({ apiPort: 9, peers: ['ws://c:3'] });
    expect(() => parseConfigFile('bogus=1', 'f')).toThrow(/unknown setting 'bogus'/);
    expect(() => parseConfigFile('just a line', 'f')).toThrow(/expected key=value/);
  });

  it('refuses a second node on an API port in use with a hint, and leaves the first running', async () => {
    const a = await start(dir());
    const r = await run(['--network', 'regtest', '--datadir', dir(), '--api-port', String(a.port), '--p2p-port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${a.port} is in use: pick another with --api-port`);
    expect((await http(a, '/api/blocks/tip/height')).status).toBe(200);
  });

  it('connects two daemons with POST /api/admin/peers and syncs blocks over encrypted p2p', async () => {
    const a = await start(dir());
    const b = await start(dir());
    await admin(a, '/api/admin/mine', { blocks: 5, address: ADDR });
    const url = `${a.banner.p2p_url}#${a.banner.identity}`;
    const r = await admin(b, '/api/admin/peers', { url });
    expect(r.status).toBe(200);
    const peers = await until(async () => {
      const p = (await http(b, '/api/peers')).json;
      return p.length > 0 ? p : undefined;
    }, 'peer listed');
    expect(peers[0]).toMatchObject({ direction: 'outbound', identity: a.banner.identity });
    await until(async () => (await http(b, '/api/blocks/tip/height')).text === '5', 'sync to 5');
    expect((await http(b, '/api/blocks/tip/hash')).text).toBe((await http(a, '/api/blocks/tip/hash')).text);
    expect((await http(b, '/api/node')).json.peers).toBe(1);
    const metrics = (await http(b, '/metrics')).text;
    expect(metrics).toMatch(/^cairn_peers 1$/m);
    // b does not mine: no miner workers were ever started, none hold heap
    expect(metrics).toMatch(/^cairn_miner_workers_started_total 0$/m);
    expect(metrics).toMatch(/^cairn_miner_worker_heap_bytes\{kind="total"\} 0$/m);
    expect(metrics).toMatch(/cairn_p2p_bytes_total\{direction="in",command="headers"\} \d+/);
    // LevelDB's native memory is visible beside the heap gauges, per store
    for (const db of ['chain', 'index']) {
      const mem = new RegExp(`^cairn_leveldb_memory_bytes\\{db="${db}"\\} (\\d+)$`, 'm').exec(metrics);
      expect(Number(mem?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(new RegExp(`^cairn_leveldb_files\\{db="${db}"\\} \\d+$`, 'm'));
    }
    const id = String(peers[0].id);
    expect((await admin(b, `/api/admin/peers/${id}`, undefined, 'DELETE')).json).toEqual({ disconnected: id });
  });
});
