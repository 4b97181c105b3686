// Chains and P2P nodes for the network benchmarks (sync, propagation, encryption), all
// sharing one verify pool and torn down together. Nodes use real WebSockets on loopback,
// plaintext or wrapped in the secure transport exactly as cairnd builds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../src/chain/index.js';
import { getParams } from '../src/consensus/index.js';
import { MAX_MESSAGE_SIZE } from '../src/p2p/messages/index.js';
import { P2PNode } from '../src/p2p/net.js';
import { SECURE_OVERHEAD, SecureTransport, identityFromSecret } from '../src/p2p/secure/index.js';
import { type Transport, WsTransport } from '../src/p2p/transport.js';
import { cryptoRng, seededRng, systemClock } from '../src/primitives/index.js';

const params = getParams('regtest');

export interface RigNodeOptions {
  seeds?: string[];
  /** outbound connections to keep (default: one per seed) */
  outboundTarget?: number;
  /** accept inbound peers (default true) */
  listen?: boolean;
  /** Noise-encrypted transport, as cairnd's default (default false: plaintext) */
  secure?: boolean;
}

export class NodeRig {
  readonly pool: VerifyPool;
  private readonly dirs: string[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];
  private seed = 1;

  constructor(verifyThreads?: number) {
    this.pool = new VerifyPool(verifyThreads === undefined ? {} : { threads: verifyThreads });
  }

  dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
    this.dirs.push(d);
    return d;
  }

  async chain(path = join(this.dir(), 'chain')): Promise<Chain> {
    const c = await Chain.open({ params, path, verifyPool: this.pool });
    this.closers.push(() => c.close());
    return c;
  }

  async node(chain: Chain, opts: RigNodeOptions = {}): Promise<P2PNode> {
    const seed = this.seed++;
    const seeds = opts.seeds ?? [];
    const ws = new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD });
    const transport: Transport = opts.secure
      ? new SecureTransport(ws, { identity: identityFromSecret(new Uint8Array(32).fill(seed)), rng: cryptoRng, context: `cairn/${params.name}` })
      : ws;
    const n = new P2PNode({
      params,
      chain,
      transport,
      clock: systemClock,
      rng: seededRng(seed),
      ...((opts.listen ?? true) ? { listen: { host: '127.0.0.1', port: 0 } } : {}),
      seeds,
      outboundTarget: opts.outboundTarget ?? seeds.length,
      connectIntervalMs: 50,
    });
    await n.start();
    this.closers.unshift(() => n.stop());
    return n;
  }

  async close(): Promise<void> {
    for (const c of this.closers) await c().catch(() => undefined);
    await this.pool.close();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
