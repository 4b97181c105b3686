// The wallet's per-network defaults must follow the node's: cairnd's default API port
// (the wallet can't import consensus, so it keeps a copy that this test pins), and the
// coinbase maturity, which the wallet takes from GET /api/node rather than its own table.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { addressToScript } from '../../src/primitives/index.js';
import { DEFAULT_API_PORTS, defaultNodeUrl, EsploraClient } from '../../wallet/client.js';
import { FakeEsplora } from './fake-esplora.js';
import { runWallet, type RunResult } from './cli-helpers.js';

const NETWORKS = ['regtest', 'devnet', 'main'] as const;
const env = { CAIRN_WALLET_PASSPHRASE: 'a test passphrase' };
const KDF = ['--kdf-log-n', '4'];
let dir: string;

const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  return r.json();
};
const errOf = (r: RunResult) => JSON.parse(r.err).error as { code: string; message: string; hint?: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-wallet-defaults-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('default node URL', () => {
  it.each(NETWORKS)("the %s port is cairnd's defaultApiPort", (n) => {
    expect(DEFAULT_API_PORTS[n]).toBe(getParams(n).defaultApiPort);
    expect(defaultNodeUrl(n)).toBe(`http://127.0.0.1:${getParams(n).defaultApiPort}`);
  });

  it.each(NETWORKS)('a %s wallet talks to its network\'s port unless --node or CAIRN_NODE says otherwise', async (n) => {
    const file = join(dir, `${n}.json`);
    ok(await runWallet(['--wallet', file, '--json', 'create', '--network', n, '--words', '12', ...KDF], { env }));
    expect(ok(await runWallet(['--wallet', file, '--json', 'info'], { env })).node).toBe(`http://127.0.0.1:${getParams(n).defaultApiPort}`);
    expect(ok(await runWallet(['--wallet', file, '--json', 'info'], { env: { ...env, CAIRN_NODE: 'http://10.0.0.1:1' } })).node).toBe('http://10.0.0.1:1');
    expect(ok(await runWallet(['--node', 'http://10.0.0.2:2', '--wallet', file, '--json', 'info'], { env: { ...env, CAIRN_NODE: 'http://10.0.0.1:1' } })).node).toBe('http://10.0.0.2:2');
  });

  it('without a wallet file, --network (or CAIRN_NETWORK) picks the port; main when nothing says', async () => {
    // `wait` needs no wallet; a transport that records the URL and refuses like a closed port
    const id = 'ab'.repeat(32);
    const tried = async (args: string[], e: Record<string, string> = {}) => {
      const urls: string[] = [];
      const fetch = async (url: string) => {
        urls.push(url);
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      };
      const r = await runWallet(['--json', ...args, 'wait', id], { env: e, fetch });
      expect(r.code).toBe(1);
      expect(errOf(r).code).toBe('node-unreachable');
      return new URL(urls[0]!).origin;
    };
    expect(await tried(['--network', 'devnet'])).toBe(`http://127.0.0.1:${getParams('devnet').defaultApiPort}`);
    expect(await tried([], { CAIRN_NETWORK: 'regtest' })).toBe(`http://127.0.0.1:${getParams('regtest').defaultApiPort}`);
    expect(await tried([])).toBe(`http://127.0.0.1:${getParams('main').defaultApiPort}`);
    const bad = await runWallet(['--json', 'wait', id], { env: { CAIRN_NETWORK: 'testnet' } });
    expect(bad.code).toBe(1);
    expect(errOf(bad).code).toBe('bad-input');
  });

  it('--network that contradicts the wallet file is refused and leaves the file alone', async () => {
    const file = join(dir, 'regtest.json');
    const before = readFileSync(file);
    const r = await runWallet(['--wallet', file, '--network', 'main', '--json', 'address'], { env });
    expect(r.code).toBe(1);
    expect(errOf(r).code).toBe('wrong-network');
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('coinbase maturity comes from the node', () => {
  async function minedBalance(network: 'regtest' | 'devnet', maturity: number | undefined, blocks: number) {
    const node = new FakeEsplora(network, maturity);
    await node.start();
    try {
      const file = join(dir, `m-${network}-${maturity}-${blocks}.json`);
      const W = (...a: string[]) => runWallet(['--node', node.url, '--wallet', file, '--json', ...a], { env });
      const c = ok(await W('create', '--words', '12', ...KDF));
      node.mine(blocks, addressToScript(c.address, node.hrp));
      return ok(await W('balance')) as { confirmed: number; unconfirmed: number; immature: number };
    } finally {
      await node.stop();
    }
  }

  it('devnet (20): after 21 blocks one reward is mature, 20 immature; after 20, none', async () => {
    expect(await minedBalance('devnet', undefined, 21)).toMatchObject({ confirmed: 5_000_000_000, unconfirmed: 0, immature: 20 * 5_000_000_000 });
    expect(await minedBalance('devnet', undefined, 20)).toMatchObject({ confirmed: 0, unconfirmed: 0, immature: 20 * 5_000_000_000 });
  });

  it('regtest (100): after 101 blocks one reward is mature', async () => {
    expect(await minedBalance('regtest', undefined, 101)).toMatchObject({ confirmed: 5_000_000_000, immature: 100 * 5_000_000_000 });
  });

  it('whatever the node reports is used, not a table in the wallet (a regtest node saying 5)', async () => {
    // depths 8..1: the three deeper than 5 are mature
    expect(await minedBalance('regtest', 5, 8)).toMatchObject({ confirmed: 3 * 5_000_000_000, immature: 5 * 5_000_000_000 });
  });

  it('a node that does not report coinbase_maturity is refused with node-error', async () => {
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/api/node' ? JSON.stringify({ network: 'regtest' }) : '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = new EsploraClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await expect(c.nodeInfo()).rejects.toMatchObject({ code: 'node-error', message: expect.stringContaining('coinbase_maturity') });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
