// The browser tests talk to "a node" through this interface only, so the server under test is
// pluggable: today the fake in fake-node.ts, later a real regtest cairnd (spawn bin/cairnd.js
// with --network regtest --datadir D --api-port P, mine with POST /api/admin/mine and the
// token in D/.cookie, pay with the wallet, reorg by mining a longer branch on a second node
// and connecting them). Assertions read the expected values from the target's own REST API,
// never from the fake's internals, so they hold for either implementation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeChain, FakeNode, fakeAddress } from './fake-node.js';

export interface ExplorerTarget {
  readonly baseUrl: string;
  /** where mined rewards go; it has coins to pay() from */
  readonly minerAddress: string;
  mine(n: number): Promise<string[]>;
  pay(to: string, value: number): Promise<string>;
  /** makes the node switch to a longer branch that replaces its last `depth` blocks */
  reorg(depth: number): Promise<void>;
  close(): Promise<void>;
}

export interface DevnetTarget {
  readonly urls: string[];
  mine(n: number): Promise<string[]>;
  close(): Promise<void>;
}

export type TargetFactory = (staticDir: string) => Promise<ExplorerTarget>;
export type DevnetFactory = (staticDir: string, nodes: number) => Promise<DevnetTarget>;

/** Builds the explorer bundle into a fresh temp dir (the same build.mjs `npm run build` runs). */
export function buildExplorer(): string {
  const out = mkdtempSync(join(tmpdir(), 'cairn-explorer-'));
  execFileSync(process.execPath, [resolve(__dirname, '../../explorer/build.mjs'), '--outdir', out], { stdio: 'pipe' });
  return out;
}

async function adminMine(baseUrl: string, token: string, blocks: number, address: string): Promise<string[]> {
  const res = await fetch(`${baseUrl}/api/admin/mine`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ blocks, address }),
  });
  if (!res.ok) throw new Error(`mine failed: HTTP ${res.status}`);
  return (await res.json()) as string[];
}

export const startFakeTarget: TargetFactory = async (staticDir) => {
  const chain = new FakeChain();
  const token = 'test-cookie-token';
  const node = new FakeNode({ chain, staticDir, token, peers: () => [{ identity: 'ab'.repeat(32), addr: '127.0.0.1:18444' }] });
  const baseUrl = await node.listen();
  const minerAddress = fakeAddress('miner');
  return {
    baseUrl,
    minerAddress,
    mine: (n) => adminMine(baseUrl, token, n, minerAddress),
    pay: async (to, value) => chain.pay(minerAddress, to, value),
    reorg: async (depth) => chain.reorg(depth, fakeAddress('other-miner')),
    close: () => node.close(),
  };
};

export const startFakeDevnet: DevnetFactory = async (staticDir, count) => {
  const chain = new FakeChain();
  const token = 'devnet-token';
  const nodes: FakeNode[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    // a ring: each node peers with its neighbours
    const node: FakeNode = new FakeNode({
      chain,
      staticDir,
      token,
      index: i,
      siblings: () => urls.filter((_, j) => j !== i),
      peers: () => nodes.filter((_, j) => j !== i && (Math.abs(j - i) === 1 || Math.abs(j - i) === count - 1)).map((n, k) => ({ identity: n.identity, addr: `127.0.0.1:${19000 + k}` })),
    });
    nodes.push(node);
    urls.push(await node.listen());
  }
  return {
    urls,
    mine: (n) => adminMine(urls[0]!, token, n, fakeAddress('devnet-miner')),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
};
