// The explorer's only way to read a node: cairnd's public REST API (Esplora paths plus
// Cairn's /api/node, /api/peers, /api/chain/*). Every failure becomes an ApiError whose
// status is the HTTP status (0 when the node could not be reached), so pages can tell
// "not found" (404, 400) from "node down" and never show a raw stack trace.
// A base URL other than '' reads another node (the devnet page reads sibling nodes).

// The node's JSON shapes are defined once, by the API (src/api/types.ts; types only, so
// nothing of the node enters the bundle).
export type * from '../../src/api/types.js';
import type {
  AddressInfo,
  BlockInfo,
  BlockStatus,
  ChainTip,
  MempoolInfo,
  NodeInfo,
  Outspend,
  PeerInfo,
  RecentTx,
  TreeBlock,
  TxInfo,
  TxStatus,
  Utxo,
  MempoolBlock,
  FeeLevel,
} from '../../src/api/types.js';

export class ApiError extends Error {
  readonly status: number;
  readonly path: string;
  constructor(status: number, path: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
  get notFound(): boolean {
    return this.status === 404 || this.status === 400;
  }
}

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export class Api {
  readonly base: string;
  private readonly fetchFn: Fetch;

  constructor(base = '', fetchFn: Fetch = (u, i) => fetch(u, i)) {
    this.base = base.replace(/\/+$/, '');
    this.fetchFn = fetchFn;
  }

  private async request(path: string, timeoutMs: number): Promise<Response> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, { signal: ctl.signal, headers: { accept: 'application/json, text/plain' } });
    } catch (e) {
      throw new ApiError(0, path, `could not reach ${this.base || 'the node'}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      let detail = '';
      try {
        detail = (await res.text()).slice(0, 200);
      } catch {
        /* body unreadable: the status says enough */
      }
      throw new ApiError(res.status, path, `${path}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`);
    }
    return res;
  }

  async json<T>(path: string, timeoutMs = 10_000): Promise<T> {
    const res = await this.request(path, timeoutMs);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(502, path, `${path}: the node sent invalid JSON`);
    }
  }

  async text(path: string, timeoutMs = 10_000): Promise<string> {
    return (await (await this.request(path, timeoutMs)).text()).trim();
  }

  tipHeight = async (): Promise<number> => Number(await this.text('/api/blocks/tip/height'));
  tipHash = (): Promise<string> => this.text('/api/blocks/tip/hash');
  blockHashAt = (height: number): Promise<string> => this.text(`/api/block-height/${height}`);
  blocks = (startHeight?: number): Promise<BlockInfo[]> => this.json(startHeight === undefined ? '/api/blocks' : `/api/blocks/${startHeight}`);
  block = (hash: string): Promise<BlockInfo> => this.json(`/api/block/${enc(hash)}`);
  blockStatus = (hash: string): Promise<BlockStatus> => this.json(`/api/block/${enc(hash)}/status`);
  blockTxs = (hash: string, start = 0): Promise<TxInfo[]> => this.json(`/api/block/${enc(hash)}/txs${start ? `/${start}` : ''}`);
  tx = (txid: string): Promise<TxInfo> => this.json(`/api/tx/${enc(txid)}`);
  txStatus = (txid: string): Promise<TxStatus> => this.json(`/api/tx/${enc(txid)}/status`);
  txHex = (txid: string): Promise<string> => this.text(`/api/tx/${enc(txid)}/hex`);
  outspends = (txid: string): Promise<Outspend[]> => this.json(`/api/tx/${enc(txid)}/outspends`);
  address = (addr: string): Promise<AddressInfo> => this.json(`/api/address/${enc(addr)}`);
  addressTxs = (addr: string, lastSeen?: string): Promise<TxInfo[]> =>
    this.json(lastSeen ? `/api/address/${enc(addr)}/txs/chain/${enc(lastSeen)}` : `/api/address/${enc(addr)}/txs`);
  addressUtxos = (addr: string): Promise<Utxo[]> => this.json(`/api/address/${enc(addr)}/utxo`);
  mempool = (): Promise<MempoolInfo> => this.json('/api/mempool');
  mempoolRecent = (): Promise<RecentTx[]> => this.json('/api/mempool/recent');
  mempoolBlocks = (): Promise<MempoolBlock[]> => this.json('/api/v1/fees/mempool-blocks');
  feeLevels = (): Promise<FeeLevel[]> => this.json('/api/mempool/fee-levels');
  node = (timeoutMs?: number): Promise<NodeInfo> => this.json('/api/node', timeoutMs);
  peers = (timeoutMs?: number): Promise<PeerInfo[]> => this.json('/api/peers', timeoutMs);
  chainTips = (): Promise<ChainTip[]> => this.json('/api/chain/tips');
  chainBlocks = (from: number, timeoutMs?: number): Promise<TreeBlock[]> => this.json(`/api/chain/blocks?from=${Math.max(0, from)}`, timeoutMs);
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
