// Test fixtures for whole nodes: a Chain in a temp dir (regtest), a Mempool, and a
// P2PNode over an in-memory network or real WebSockets on 127.0.0.1, plus a waiting
// helper. Nodes share one signature verification pool to keep worker counts low.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { P2PNode, type P2PNodeOptions } from '../../src/p2p/net.js';
import { MemoryNetwork, WsTransport, type Transport } from '../../src/p2p/transport.js';
import { seededRng, systemClock, type Block } from '../../src/primitives/index.js';

export const params = getParams('regtest');

export interface TestNode {
  name: string;
  dir: string;
  chain: Chain;
  mempool: Mempool;
  node: P2PNode;
  url: string;
  /** stops the node and closes the chain (the datadir stays until cleanup) */
  stop(): Promise<void>;
}

export class Harness {
  readonly pool = new VerifyPool({ threads: 2 });
  private readonly dirs: string[] = [];
  private readonly running = new Set<TestNode>();
  readonly mem = new MemoryNetwork();
  private seed = 1;

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'cairn-p2p-'));
    this.dirs.push(d);
    return d;
  }

  transport(kind: 'ws' | 'mem', name: string): Transport {
    return kind === 'ws' ? new WsTransport() : this.mem.transport(name);
  }

  async node(
    name: string,
    o: { kind?: 'ws' | 'mem'; dir?: string; blocks?: readonly Block[]; seeds?: string[] } & Partial<Omit<P2PNodeOptions, 'seeds'>> = {},
  ): Promise<TestNode> {
    const dir = o.dir ?? this.tempDir();
    const chain = await Chain.open({ params, path: join(dir, 'chain'), verifyPool: this.pool });
    for (const b of o.blocks ?? []) await chain.processBlock(b);
    const mempool = new Mempool({ chain, verifyPool: this.pool, rng: seededRng(this.seed) });
    const kind = o.kind ?? 'ws';
    const { kind: _k, dir: _d, blocks: _b, ...rest } = o;
    const node = new P2PNode({
      params,
      chain,
      mempool,
      transport: this.transport(kind, name),
      clock: systemClock,
      rng: seededRng(this.seed++),
      listen: { host: kind === 'ws' ? '127.0.0.1' : name, port: 0 },
      datadir: dir,
      userAgent: `/cairn-test:${name}/`,
      connectIntervalMs: 100,
      maxBackoffMs: 500,
      ...rest,
    });
    await node.start();
    let stopped = false;
    const t: TestNode = {
      name,
      dir,
      chain,
      mempool,
      node,
      url: node.listenUrl,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.running.delete(t);
        await node.stop();
        mempool.close();
        await chain.close();
      },
    };
    this.running.add(t);
    return t;
  }

  async close(): Promise<void> {
    for (const n of [...this.running]) await n.stop().catch(() => undefined);
    await this.pool.close();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Polls `cond` until it holds; fails with `what` after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function sameTip(nodes: readonly TestNode[]): boolean {
  const h = nodes[0]!.chain.tip.hashHex;
  return nodes.every((n) => n.chain.tip.hashHex === h);
}
