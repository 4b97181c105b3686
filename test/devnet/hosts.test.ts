// Hosts mode: refusals are checked everywhere (injected platform/uid/ip results and the
// CLI's message). Where this process can make network namespaces (Linux, root, iproute2:
// decided by trying), the real plumbing is built: a TCP server in one namespace is reached
// from another across the bridge, `cut` takes the link down so it no longer is, and
// teardown leaves no namespace, veth or bridge behind; then `cairn-devnet hosts up` runs
// real cairnd nodes inside the namespaces, reached from here through the bridge, and one
// node's link is cut at the network level while both sides mine, then restored, and the
// nodes converge. Without that capability the tests assert that `cairn-devnet hosts up`
// refuses cleanly and creates nothing. Everything made is removed even when a test fails.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoRng } from '../../src/primitives/rng.js';
import { cutLink, hostsCapability, hostsPresent, planHosts, requireHosts, setupHosts, teardownHosts } from '../../devnet/hosts.js';
import * as dn from '../../devnet/devnet.js';
import { runDevnet } from '../../devnet/program.js';
import { isAlive, signal, sleep } from '../../devnet/proc.js';
import { apiUrl, findNode, readState, type DevnetState } from '../../devnet/state.js';
import { cli, repoRoot, requireBuild, testEnv, until } from './helpers.js';

const ok = { status: 0, stderr: '' };

describe('hosts capability', () => {
  it('refuses other platforms, non-root users and a failing ip netns with clear reasons', () => {
    expect(hostsCapability(() => ok, 'darwin', 0)).toEqual({ ok: false, reason: expect.stringMatching(/needs Linux network namespaces \(this is darwin\)/) });
    expect(hostsCapability(() => ok, 'linux', 1000).reason).toMatch(/needs root/);
    expect(hostsCapability(() => ({ status: 1, stderr: 'Operation not permitted' }), 'linux', 0).reason).toMatch(/ip netns add` failed here: Operation not permitted/);
    const calls: string[][] = [];
    expect(hostsCapability((a) => (calls.push(a), ok), 'linux', 0)).toEqual({ ok: true });
    expect(calls.map((c) => c.slice(0, 2))).toEqual([['netns', 'add'], ['netns', 'del']]); // the probe is removed
    expect(() => requireHosts({ ok: false, reason: 'hosts mode needs root' })).toThrow(expect.objectContaining({ code: 'not-root' }));
    expect(() => requireHosts({ ok: false, reason: 'no netns' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });

  it('plans interface names within the 15-character limit and distinct addresses', () => {
    const p = planHosts('zz9zz', 200, [250, 7]);
    for (const n of p.nodes) expect(`${n.veth}p`.length).toBeLessThanOrEqual(15);
    expect(new Set(p.nodes.map((n) => n.host)).size).toBe(200);
    expect(p.nodes[0]!.host).toBe('10.250.7.10');
    expect(p.gateway).toBe('10.250.7.1');
    expect(() => planHosts('BAD!', 3)).toThrow(/hosts id/);
  });

  it('the CLI refuses hosts up without the capability and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-hosts-'));
    try {
      let err = '';
      const code = await runDevnet(['hosts', 'up', '--dir', join(dir, 'dn')], {
        out: () => {}, err: (s) => (err += s), isTTY: false, rng: cryptoRng, interrupted: new Promise(() => {}),
        hostsCapability: () => ({ ok: false, reason: 'hosts mode needs root (it creates network namespaces, veth pairs and a bridge)' }),
      }, repoRoot);
      expect(code).toBe(1);
      expect(err).toMatch(/^error: hosts mode needs root.*\nhint: plain `cairn-devnet up`/);
      expect(existsSync(join(dir, 'dn'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Connects from namespace `from` to host:port; resolves with what the server said, or an error code. */
function connectFrom(ns: string, host: string, port: number): string {
  const script = `const s=require('net').connect({host:'${host}',port:${port},timeout:1500});s.on('data',d=>{process.stdout.write(d);s.end()});s.on('timeout',()=>{process.stdout.write('TIMEOUT');process.exit(0)});s.on('error',e=>{process.stdout.write(e.code||'ERR');process.exit(0)})`;
  return spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 }).stdout;
}

describe('network namespaces (real, where this process may create them)', () => {
  const cap = hostsCapability();
  it(cap.ok ? 'builds the bridge and namespaces, carries TCP between them, cuts a link and tears everything down' : `refuses: ${cap.reason}`, async () => {
    if (!cap.ok) {
      expect(() => requireHosts(cap)).toThrow(cap.reason!);
      return;
    }
    const id = `t${process.pid.toString(36).slice(-4)}`;
    const plan = planHosts(id, 2, [213, 200 + (process.pid % 50)]);
    setupHosts(plan);
    const server = spawn('ip', ['netns', 'exec', plan.nodes[0]!.netns, process.execPath, '-e', `require('net').createServer(s=>s.end('hello from node1')).listen(7000,'${plan.nodes[0]!.host}',()=>console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((r) => server.stdout.once('data', () => r()));
      expect(hostsPresent(plan)).toEqual({ bridge: true, netns: plan.nodes.map((n) => n.netns) });
      const addrs = spawnSync('ip', ['-n', plan.nodes[1]!.netns, '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).stdout;
      expect(addrs).toContain(`${plan.nodes[1]!.host}/24`);
      expect(connectFrom(plan.nodes[1]!.netns, plan.nodes[0]!.host, 7000)).toBe('hello from node1');
      cutLink(plan, 0, true);
      expect(connectFrom(plan.nodes[1]!.netns, plan.nodes[0]!.host, 7000)).not.toBe('hello from node1');
      cutLink(plan, 0, false);
      let again = '';
      for (let k = 0; k < 20 && again !== 'hello from node1'; k++) {
        again = connectFrom(plan.nodes[1]!.netns, plan.nodes[0]!.host, 7000);
        if (again !== 'hello from node1') await sleep(250);
      }
      expect(again).toBe('hello from node1');
    } finally {
      server.kill('SIGKILL');
      teardownHosts(plan);
    }
    expect(hostsPresent(plan)).toEqual({ bridge: false, netns: [] });
  }, 60_000);
});

/** Runs a script with node inside a namespace (where a cut node is still reachable) and returns its stdout. */
function inNetns(ns: string, script: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`in ${ns}: ${r.stderr || `exit ${r.status}`}`);
  return r.stdout;
}

/** An API call made from inside the node's own namespace: POST with the admin cookie, or GET. */
function apiFromInside(state: DevnetState, name: string, path: string, body?: unknown): unknown {
  const n = findNode(state, name);
  const headers = body === undefined ? {} : { 'content-type': 'application/json', authorization: `Bearer ${readFileSync(`${n.datadir}/.cookie`, 'utf8').trim()}` };
  const init = body === undefined ? {} : { method: 'POST', headers, body: JSON.stringify(body) };
  const script = `fetch(${JSON.stringify(apiUrl(n) + path)}, ${JSON.stringify(init)}).then(async (r) => { const t = await r.text(); if (!r.ok) { console.error(r.status, t); process.exit(1); } process.stdout.write(t); })`;
  return JSON.parse(inNetns(n.netns!, script));
}

describe('hosts up, end to end (real cairnd in network namespaces)', () => {
  const cap = hostsCapability();
  const env = testEnv();

  it(cap.ok ? 'runs the nodes in namespaces behind the bridge; a cut link splits them, mining goes on on both sides, and they converge after restore' : `refuses hosts up: ${cap.reason}`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-hosts-e2e-'));
    const dir = join(root, 'dn');
    const net = `213.${150 + (process.pid % 50)}`;
    try {
      if (!cap.ok) {
        const r = await cli(['hosts', 'up', '--detach', '--dir', dir]);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`error: ${cap.reason}`);
        expect(existsSync(dir)).toBe(false);
        return;
      }
      requireBuild();
      const up = await cli(['hosts', 'up', '--detach', '--nodes', '3', '--miners', '0', '--no-fund', '--net', net, '--dir', dir]);
      if (up.code !== 0) throw new Error(`hosts up failed (${up.code}): ${up.err}`);
      let state = readState(dir)!;
      expect(state.mode).toBe('hosts');
      const plan = planHosts(state.hosts!.id, 3, state.hosts!.net);
      expect(hostsPresent(plan)).toEqual({ bridge: true, netns: plan.nodes.map((n) => n.netns) });
      for (const [i, n] of state.nodes.entries()) {
        expect(n.host).toBe(`10.${net}.${10 + i}`);
        expect(n.netns).toBe(plan.nodes[i]!.netns);
        // the cairnd process really lives in its namespace, and its API answers from here via the bridge
        expect(statSync(`/proc/${n.pid}/ns/net`).ino).toBe(statSync(`/run/netns/${n.netns}`).ino);
        expect((await dn.client(n, env, 3000).node()).identity).toBe(n.identity);
      }
      for (const n of state.nodes) {
        const want = state.nodes.filter((x) => x !== n).map((x) => x.identity).sort();
        await until(`${n.name} linked over the bridge`, 30_000, async () => {
          const seen = [...new Set((await dn.client(n, env, 3000).peers()).map((p) => p.identity))].sort();
          return JSON.stringify(seen) === JSON.stringify(want);
        });
      }
      expect((await cli(['mine', 'node1', '--dir', dir])).code).toBe(0);
      const base = await dn.waitTipsAgree(state, env, 60_000, 1);

      expect((await cli(['hosts', 'cut', 'node3', '--dir', dir])).out).toContain('node3: link down');
      // node3 is off the network: not even its API is reachable from the host any more
      await expect(dn.client(findNode(state, 'node3'), env, 2000).node()).rejects.toThrow();
      expect((await cli(['mine', 'node1', '--blocks', '2', '--dir', dir])).code).toBe(0);
      // node3 mines its own block, asked from inside its namespace (its link is down)
      const mined3 = apiFromInside(state, 'node3', '/api/admin/mine', { blocks: 1, address: findNode(state, 'node3').address }) as { hashes?: string[] } | string[];
      const tip3 = (apiFromInside(state, 'node3', '/api/node') as { tip_hash: string; tip_height: number });
      expect(tip3.tip_height).toBe(base.height + 1);
      expect(JSON.stringify(mined3)).toContain(tip3.tip_hash);
      const side12 = await until('node2 on node1\'s side at +2', 30_000, async () => {
        const [a, b] = await Promise.all([dn.client(findNode(state, 'node1'), env).node(), dn.client(findNode(state, 'node2'), env).node()]);
        return a.tip_hash === b.tip_hash && a.tip_height === base.height + 2 ? a : undefined;
      });
      await expect(dn.client(findNode(state, 'node2'), env).request('GET', `/api/block/${tip3.tip_hash}`)).rejects.toThrow(/404/);

      expect((await cli(['hosts', 'restore', 'node3', '--dir', dir])).out).toContain('node3: link up');
      state = readState(dir)!;
      // node1's side has more work (two blocks on the common base against one)
      const final = await dn.waitTipsAgree(state, env, 120_000, base.height + 2);
      expect(final.hash).toBe(side12.tip_hash);
      const status = (await dn.client(findNode(state, 'node3'), env).request('GET', `/api/block/${tip3.tip_hash}/status`)) as { in_best_chain: boolean };
      expect(status.in_best_chain).toBe(false);
      const digests = await Promise.all(state.nodes.map(async (n) => (await dn.client(n, env).utxoSetInfo()).digest));
      expect(new Set(digests).size).toBe(1);

      const down = await cli(['hosts', 'down', '--dir', dir]);
      expect(down.code).toBe(0);
      for (const n of state.nodes) expect(isAlive(n.pid!)).toBe(false);
      expect(hostsPresent(plan)).toEqual({ bridge: false, netns: [] });
    } finally {
      // a failed run must not leave processes, namespaces, veths or a bridge behind
      const s = readState(dir);
      if (s) {
        for (const n of s.nodes) if (n.pid !== null && isAlive(n.pid)) signal(n.pid, 'SIGKILL');
        if (s.hosts) teardownHosts(planHosts(s.hosts.id, s.nodes.length, s.hosts.net));
      }
      rmSync(root, { recursive: true, force: true });
    }
  }, 240_000);
});
