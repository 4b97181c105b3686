// A small client of cairnd's HTTP API: the public Esplora-style reads the devnet needs
// and the admin calls, authorized with the cookie the node writes to <datadir>/.cookie
// when it starts. The cookie is re-read on every admin call because a restarted node
// writes a new one. Every failure becomes a DevnetError: 'node-unreachable' when nothing
// answered (or not in time), 'node-error' when the node answered with an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevnetError } from './errors.js';

export type FetchFn = typeof fetch;

// The node's JSON shapes are defined once, by the API (src/api/types.ts).
export type { ChainTip, NodeInfo, UtxoSetInfo } from '../src/api/types.js';
import type { ChainTip, NodeInfo, UtxoSetInfo } from '../src/api/types.js';

export interface ClientOptions {
  fetch?: FetchFn;
  timeoutMs?: number;
  /** Where the node's cookie lives (its datadir); admin calls fail without it. */
  datadir?: string;
}

/** undici's errors for a connection closed under a request (not: refused, timed out). */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function isStaleConnection(e: unknown): boolean {
  const code = ((e as Error).cause as { code?: string } | undefined)?.code;
  return code !== undefined && STALE_CONNECTION.has(code);
}

export class NodeClient {
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    private readonly opts: ClientOptions = {},
  ) {
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private cookie(): string {
    if (!this.opts.datadir) throw new DevnetError('bad-usage', `no datadir known for ${this.baseUrl}: admin calls need its cookie`);
    const path = join(this.opts.datadir, '.cookie');
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new DevnetError('node-unreachable', `cannot read the admin cookie ${path}: ${(e as Error).message}`, 'is the node running?');
    }
  }

  async request(method: string, path: string, body?: unknown, admin = false, timeoutMs = this.timeoutMs): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (admin) headers.authorization = `Bearer ${this.cookie()}`;
    const url = this.baseUrl.replace(/\/+$/, '') + path;
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await this.fetchFn(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        break;
      } catch (e) {
        // A kept-alive connection the node closed just as this request went out (its idle
        // timeout, a stalled client): a GET is idempotent, so ask again, as browsers do. The
        // pool may hold more such connections; each failed one is gone, so a few tries do.
        if (method === 'GET' && attempt < 4 && isStaleConnection(e)) continue;
        throw this.unreachable(e, method, url, timeoutMs);
      }
    }
    const text = await res.text();
    if (!res.ok) {
      let msg = text.trim().slice(0, 300);
      try {
        const j = JSON.parse(text) as { error?: unknown; message?: unknown };
        const e = j.error as { message?: unknown } | string | undefined;
        msg = typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : typeof j.message === 'string' ? j.message : msg;
      } catch {
        /* plain text error */
      }
      throw new DevnetError('node-error', `${method} ${path} on ${this.baseUrl}: HTTP ${res.status} ${msg}`);
    }
    if (text.length === 0) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private unreachable(e: unknown, method: string, url: string, timeoutMs: number): DevnetError {
    const err = e as Error;
    const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : ((err.cause as Error | undefined)?.message ?? err.message);
    return new DevnetError('node-unreachable', `${method} ${url}: ${why}`, 'is the node running? `cairn-devnet status` shows every node; `cairn-devnet start <node>` starts one that stopped');
  }

  node(): Promise<NodeInfo> {
    return this.request('GET', '/api/node') as Promise<NodeInfo>;
  }
  peers(): Promise<Array<Record<string, unknown>>> {
    return this.request('GET', '/api/peers') as Promise<Array<Record<string, unknown>>>;
  }
  async tipHeight(): Promise<number> {
    return Number(await this.request('GET', '/api/blocks/tip/height'));
  }
  utxoSetInfo(): Promise<UtxoSetInfo> {
    return this.request('GET', '/api/utxo-set-info') as Promise<UtxoSetInfo>;
  }
  mempoolTxids(): Promise<string[]> {
    return this.request('GET', '/api/mempool/txids') as Promise<string[]>;
  }
  chainTips(): Promise<ChainTip[]> {
    return this.request('GET', '/api/chain/tips') as Promise<ChainTip[]>;
  }
  tx(txid: string): Promise<{ txid: string; status: { confirmed: boolean; block_height?: number; block_hash?: string } }> {
    return this.request('GET', `/api/tx/${txid}`) as Promise<{ txid: string; status: { confirmed: boolean; block_height?: number; block_hash?: string } }>;
  }
  blockHashAt(height: number): Promise<string> {
    return this.request('GET', `/api/block-height/${height}`) as Promise<string>;
  }

  // Admin: need the cookie.
  /** Mines n blocks now (real PoW) to address; slow on purpose-free devnet difficulty, hence the long timeout. */
  mine(blocks: number, address: string, timeoutMs = 600_000): Promise<unknown> {
    return this.request('POST', '/api/admin/mine', { blocks, address }, true, timeoutMs);
  }
  setMiner(o: { enabled: boolean; address?: string; threads?: number }): Promise<unknown> {
    return this.request('POST', '/api/admin/miner', o, true);
  }
  addPeer(url: string): Promise<unknown> {
    return this.request('POST', '/api/admin/peers', { url }, true);
  }
  shutdown(): Promise<unknown> {
    return this.request('POST', '/api/admin/shutdown', {}, true);
  }
  partition(peers: string[]): Promise<unknown> {
    return this.request('POST', '/api/admin/partition', { peers }, true);
  }
  heal(): Promise<unknown> {
    return this.request('POST', '/api/admin/heal', {}, true);
  }
  latency(ms: number): Promise<unknown> {
    return this.request('POST', '/api/admin/latency', { ms }, true);
  }
}
