// The devnet on real containers with Compose (v2 `docker compose` or v1 `docker-compose`):
// devnet/docker-compose.yml as a user runs it, on an image built once from this checkout.
// In order, on one devnet: the containers run that one image, with no restart policy,
// healthy, published on 127.0.0.1 only; the nodes peer, mine and agree on a tip; a payment
// made through node2 confirms on all three; node3 cut off the network (docker network
// disconnect) is dropped by the others within seconds, keeps its chain and rejoins; node1
// killed with SIGKILL stays down (nothing hides the crash), restarts on its chain and
// rejoins; at the end every tip and UTXO digest agrees. A failing step prints the nodes' logs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeClient } from '../../devnet/api.js';
import { toolsAt } from '../../devnet/launcher.js';
import { createWallet, walletBalance, walletNewAddress, walletSend, type WalletContext } from '../../devnet/wallets.js';
import { freeBasePort } from '../devnet/helpers.js';
import { DOCKER, IMAGE, buildImage, composeCommand, cookieOf, docker, execApi, execApiText, logsOf, must, repoRoot, requireEngine, run, startedBanners, until } from './docker.js';

const PROJECT = process.env.CAIRN_CTEST_PROJECT ?? 'cairn-ctest';
const NODES = ['node1', 'node2', 'node3'] as const;
type Name = (typeof NODES)[number];
const FILE = join(repoRoot, 'devnet', 'docker-compose.yml');

let compose: string[] = [];
let env: NodeJS.ProcessEnv = {};
let dir = '';
let apiPort: Record<Name, number>;
const ids = {} as Record<Name, string>;
const identity = {} as Record<Name, string>;
let wallet: WalletContext;
let walletFile = '';

const composeRun = (args: string[], timeoutMs = 180_000) => must(compose[0]!, [...compose.slice(1), '-p', PROJECT, '-f', FILE, ...args], { env, timeoutMs });
const url = (n: Name) => `http://127.0.0.1:${apiPort[n]}`;
const client = (n: Name) => new NodeClient(url(n), { timeoutMs: 10_000, datadir: join(dir, n) });

/** Reads the admin token the node wrote at its last start into <dir>/<name>/.cookie. */
async function refreshCookie(n: Name): Promise<void> {
  writeFileSync(join(dir, n, '.cookie'), await cookieOf(ids[n]));
}

/** Prints every node's state and log tail, then rethrows: what a failed step leaves behind. */
async function step(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const parts: string[] = [];
    for (const n of NODES) {
      if (!ids[n]) continue;
      const st = await run(DOCKER, ['inspect', '--format', '{{.State.Status}} exit={{.State.ExitCode}} health={{if .State.Health}}{{.State.Health.Status}}{{end}}', ids[n]]).catch(() => undefined);
      parts.push(`----- ${n} (${st?.stdout.trim() ?? '?'}) -----\n${await logsOf(ids[n])}`);
    }
    process.stderr.write(`\ncontainer logs after a failed step:\n${parts.join('\n')}\n`);
    throw e;
  }
}

async function inspect<T>(id: string, format: string): Promise<T> {
  return JSON.parse(await docker(['inspect', '--format', `{{json ${format}}}`, id])) as T;
}

async function peerIdentities(n: Name, inside = false): Promise<string[]> {
  const ps = inside ? await execApi<Array<Record<string, unknown>>>(ids[n], '/api/peers') : await client(n).peers();
  return [...new Set(ps.filter((p) => typeof p.identity === 'string').map((p) => p.identity as string))].sort();
}

const others = (n: Name) => NODES.filter((o) => o !== n).map((o) => identity[o]).sort();

async function fullyPeered(): Promise<boolean> {
  for (const n of NODES) if (JSON.stringify(await peerIdentities(n)) !== JSON.stringify(others(n))) return false;
  return true;
}

/** All nodes on one tip at least `minHeight` high: [height, hash]. */
async function agreedTip(minHeight = 0): Promise<[number, string] | undefined> {
  const infos = await Promise.all(NODES.map((n) => client(n).node()));
  const hashes = new Set(infos.map((i) => i.tip_hash));
  return hashes.size === 1 && infos[0]!.tip_height >= minHeight ? [infos[0]!.tip_height, infos[0]!.tip_hash] : undefined;
}

beforeAll(async () => {
  await requireEngine();
  compose = await composeCommand();
  await buildImage();
  dir = mkdtempSync(join(tmpdir(), 'cairn-ctest-'));
  for (const n of NODES) mkdirSync(join(dir, n));
  const base = await freeBasePort(6);
  apiPort = { node1: base, node2: base + 2, node3: base + 4 };
  wallet = { tools: toolsAt(repoRoot), passphrase: 'container suite play money', timeoutMs: 120_000 };
  walletFile = join(dir, 'wallet.json');
  const minerAddress = await createWallet(wallet, walletFile);
  env = { CAIRN_IMAGE: IMAGE, MINER_ADDRESS: minerAddress };
  for (const n of NODES) {
    env[`CAIRN_${n.toUpperCase()}_API`] = String(apiPort[n]);
    env[`CAIRN_${n.toUpperCase()}_P2P`] = String(apiPort[n] + 1);
  }
  await composeRun(['down', '-v', '--remove-orphans']); // what an aborted earlier run left
  await composeRun(['up', '-d', '--no-build']);
  for (const n of NODES) ids[n] = (await composeRun(['ps', '-q', n])).trim();
}, 25 * 60_000);

afterAll(async () => {
  if (compose.length > 0) await composeRun(['down', '-v', '--remove-orphans'], 300_000).catch((e: Error) => process.stderr.write(`compose down failed: ${e.message}\n`));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 320_000);

describe('devnet on Docker Compose', () => {
  it('runs one image for all nodes, healthy, with no restart policy and ports on 127.0.0.1 only', () =>
    step(async () => {
      const images = await Promise.all(NODES.map((n) => inspect<string>(ids[n], '.Image')));
      expect(new Set(images).size).toBe(1);
      expect(images[0]).toBe((await docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).trim());
      for (const n of NODES) {
        expect(['', 'no']).toContain((await inspect<{ Name: string }>(ids[n], '.HostConfig.RestartPolicy')).Name);
        const bindings = await inspect<Record<string, Array<{ HostIp: string; HostPort: string }>>>(ids[n], '.HostConfig.PortBindings');
        expect(Object.keys(bindings).sort()).toEqual(['18543/tcp', '18544/tcp']);
        for (const b of Object.values(bindings).flat()) expect(b.HostIp).toBe('127.0.0.1');
        expect(bindings['18543/tcp']![0]!.HostPort).toBe(String(apiPort[n]));
        await until(`${n} healthy`, 120_000, async () => (await inspect<{ Status: string }>(ids[n], '.State.Health')).Status === 'healthy');
        await refreshCookie(n);
        const info = await client(n).node();
        expect(info.network).toBe('devnet');
        identity[n] = info.identity as string;
      }
      expect(new Set(Object.values(identity)).size).toBe(3);
    }),
  );

  it('peers every node with the others, mines, and agrees on one tip', () =>
    step(async () => {
      await until('a full mesh of authenticated links', 120_000, fullyPeered);
      // node1 and node3 mine in the background (10 s blocks); blocks from both spread to all
      const [h] = await until('all nodes on one tip at height ≥ 2', 240_000, () => agreedTip(2));
      expect(h).toBeGreaterThanOrEqual(2);
      expect((await client('node1').node()).mining).toBe(true);
    }),
  );

  it('confirms a payment made through node2 on every node', () =>
    step(async () => {
      // The miners pay the suite's wallet; coinbases mature after 20 blocks (devnet), so
      // node1 mines blocks on request (real proof of work, one per call) until the wallet
      // can pay. A coin at the edge of maturity can fall back (a one-block reorg between
      // the miners), so the payment itself is what is retried.
      const addr = await walletNewAddress(wallet, url('node1'), walletFile);
      const to = await walletNewAddress(wallet, url('node2'), walletFile);
      const txid = await until('the wallet to pay through node2', 600_000, async () => {
        if ((await walletBalance(wallet, url('node2'), walletFile)).confirmed > 150_000_000n) {
          const sent = await walletSend(wallet, url('node2'), walletFile, to, '1.5').catch((e: Error) => {
            if (!/insufficient/.test(e.message)) throw e;
            return undefined;
          });
          if (sent) return sent;
        }
        await client('node1').mine(1, addr, 120_000);
        return undefined;
      }, 0);
      expect(txid).toMatch(/^[0-9a-f]{64}$/);
      const where = await Promise.all(
        NODES.map((n) => until(`${txid} confirmed on ${n}`, 180_000, async () => {
          const t = await client(n).tx(txid).catch(() => undefined);
          return t?.status.confirmed ? t.status.block_hash : undefined;
        })),
      );
      expect(new Set(where).size).toBe(1);
    }),
  );

  it('drops node3 within seconds when its network is cut, keeps its chain, and rejoins', () =>
    step(async () => {
      await until('a full mesh', 120_000, fullyPeered);
      const network = `${PROJECT.replace(/[^a-z0-9_-]/g, '')}_default`;
      const before = await client('node3').node();
      const cutAt = Date.now();
      await docker(['network', 'disconnect', network, ids.node3]);
      // the others notice the dead links by their pings, not minutes later when TCP gives up
      await until('node1 and node2 to drop node3', 20_000, async () => {
        for (const n of ['node1', 'node2'] as const) if ((await peerIdentities(n)).includes(identity.node3)) return false;
        return true;
      });
      const noticedMs = Date.now() - cutAt;
      await until('node3 to see no peers', 20_000, async () => (await peerIdentities('node3', true)).length === 0);
      process.stderr.write(`node3 cut off: dropped by node1 and node2 after ${noticedMs} ms, node3 alone after ${Date.now() - cutAt} ms\n`);
      // alone, node3 still serves its chain
      const alone = await execApi<{ tip_height: number }>(ids.node3, '/api/node');
      expect(alone.tip_height).toBeGreaterThanOrEqual(before.tip_height);
      expect(await execApiText(ids.node3, `/api/block-height/${before.tip_height}`)).toBe(before.tip_hash);

      await docker(['network', 'connect', '--alias', 'node3', network, ids.node3]);
      await until('node3 back in the mesh', 180_000, fullyPeered);
      const [h] = await until('one tip again', 240_000, () => agreedTip(before.tip_height));
      expect(h).toBeGreaterThanOrEqual(before.tip_height);
      for (const n of NODES) expect(await client(n).blockHashAt(before.tip_height)).toBe(before.tip_hash);
    }),
  );

  it('leaves node1 down after SIGKILL (no restart policy), then restarts it on its chain and it rejoins', () =>
    step(async () => {
      const before = await client('node1').node();
      const banners = (await startedBanners(ids.node1)).length;
      await docker(['kill', '--signal', 'KILL', ids.node1]);
      const state = await until('node1 to exit', 60_000, async () => {
        const s = await inspect<{ Running: boolean; ExitCode: number; Status: string }>(ids.node1, '.State');
        return s.Running ? undefined : s;
      });
      expect(state.ExitCode).toBe(137);
      expect(await inspect<number>(ids.node1, '.RestartCount')).toBe(0);
      // the others see it gone
      await until('node2 and node3 to drop node1', 30_000, async () => !(await peerIdentities('node2')).includes(identity.node1) && !(await peerIdentities('node3')).includes(identity.node1));
      expect((await inspect<{ Status: string }>(ids.node1, '.State')).Status).toBe('exited');

      await docker(['start', ids.node1]);
      const started = await until('node1 started again', 120_000, async () => {
        const b = await startedBanners(ids.node1);
        return b.length > banners ? b.at(-1) : undefined;
      });
      // the chain it acknowledged before the kill was on disk
      expect(started.tip_height).toBeGreaterThanOrEqual(before.tip_height);
      await refreshCookie('node1');
      await until('node1 healthy', 120_000, async () => (await inspect<{ Status: string }>(ids.node1, '.State.Health')).Status === 'healthy');
      await until('node1 back in the mesh', 180_000, fullyPeered);
      await until('one tip again', 240_000, () => agreedTip(before.tip_height));
      expect(await client('node2').blockHashAt(before.tip_height)).toBe(before.tip_hash);
    }),
  );

  it('ends with every tip and UTXO digest in agreement', () =>
    step(async () => {
      const snap = await until('one tip and one UTXO digest on all nodes', 240_000, async () => {
        const tip = await agreedTip();
        if (!tip) return undefined;
        const infos = await Promise.all(NODES.map((n) => client(n).utxoSetInfo()));
        const again = await agreedTip();
        if (!again || again[1] !== tip[1]) return undefined; // a block landed meanwhile
        return infos.every((i) => i.bestblock === tip[1] && i.digest === infos[0]!.digest) ? infos : undefined;
      });
      expect(snap.map((i) => i.txouts)).toEqual([snap[0]!.txouts, snap[0]!.txouts, snap[0]!.txouts]);
      expect(snap[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    }),
  );
});
