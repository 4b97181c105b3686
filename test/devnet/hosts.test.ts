// Hosts mode: refusals are checked everywhere (injected platform/uid/ip results and the
// CLI's message). Where this process can make network namespaces (Linux, root, iproute2:
// decided by trying), the real plumbing is built: a TCP server in one namespace is reached
// from another across the bridge, `cut` takes the link down so it no longer is, and
// teardown leaves no namespace, veth or bridge behind. Without that capability the test
// asserts that `cairn-devnet hosts up` refuses cleanly and creates nothing.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoRng } from '../../src/primitives/rng.js';
import { cutLink, hostsCapability, hostsPresent, planHosts, requireHosts, setupHosts, teardownHosts } from '../../devnet/hosts.js';
import { runDevnet } from '../../devnet/program.js';
import { sleep } from '../../devnet/proc.js';
import { repoRoot } from './helpers.js';

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
