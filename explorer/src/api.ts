// The explorer's only way to read a node: cairnd's public REST API (Esplora paths plus
// Cairn's /api/node, /api/peers, /api/chain/*). Every failure becomes an ApiError whose
// status is the HTTP status (0 when the node could not be reached), so pages can tell
// "not found" (404, 400) from "node down" and never show a raw stack trace.
// A base URL other than '' reads another node (the devnet page reads sibling nodes).

export interface BlockExtras {
  fee_range?: [number, number];
  total_fees?: number;
  reward?: number;
}

export interface BlockInfo {
  id: string;
  height: number;
  version: number;
  timestamp: number;
  mediantime: number;
  tx_count: number;
  size: number;
  weight: number;
  merkle_root: string;
  previousblockhash: string | null;
  nonce: number;
  bits: number;
  difficulty: number;
  extras?: BlockExtras;
}

export interface BlockStatus {
  in_best_chain: boolean;
  height?: number;
  next_best?: string | null;
}

export interface TxStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

export interface TxOut {
  scriptpubkey: string;
  scriptpubkey_type: string;
  scriptpubkey_address?: string;
  value: number;
}

export interface TxIn {
  txid: string;
  vout: number;
  prevout: TxOut | null;
  witness?: string[];
  sequence: number;
  is_coinbase: boolean;
}

export interface TxInfo {
  txid: string;
  version: number;
  locktime: number;
  size: number;
  weight: number;
  fee: number;
  vin: TxIn[];
  vout: TxOut[];
  status: TxStatus;
}

export interface Outspend {
  spent: boolean;
  txid?: string;
  vin?: number;
  status?: TxStatus;
}

export interface AddressStats {
  funded_txo_count: number;
  funded_txo_sum: number;
  spent_txo_count: number;
  spent_txo_sum: number;
  tx_count: number;
}

export interface AddressInfo {
  address: string;
  chain_stats: AddressStats;
  mempool_stats: AddressStats;
}

export interface Utxo {
  txid: string;
  vout: number;
  value: number;
  status: TxStatus;
}

export interface MempoolInfo {
  count: number;
  vsize: number;
  total_fee: number;
  fee_histogram: Array<[number, number]>;
}

/** One projected block (GET /api/v1/fees/mempool-blocks, mempool.space's shape). */
export interface MempoolBlock {
  blockSize: number;
  blockVSize: number;
  nTx: number;
  totalFees: number;
  medianFee: number;
  /** sat/vB by vsize: min, 10th, 25th, median, 75th, 90th percentile, max */
  feeRange: number[];
}

/** The mempool by effective fee rate (GET /api/mempool/fee-levels). */
export interface FeeLevel {
  from: number;
  to: number | null;
  count: number;
  vsize: number;
  fees: number;
}

export interface RecentTx {
  txid: string;
  fee: number;
  vsize: number;
  value: number;
}

export interface NodeInfo {
  network: string;
  /** the node's name, when it was given one (a devnet names its nodes node1, node2, …) */
  name?: string;
  version: string;
  tip_height: number;
  tip_hash: string;
  sync?: { state: string; progress: number; headers_height: number; blocks_height: number };
  peers: number;
  mempool_count: number;
  uptime: number;
  identity?: string;
  siblings?: string[];
}

export interface PeerInfo {
  id: number | string;
  addr: string;
  direction: 'inbound' | 'outbound';
  version?: number;
  user_agent?: string;
  height?: number;
  ping_ms?: number | null;
  ban_score?: number;
  bytes_in?: number;
  bytes_out?: number;
  identity?: string;
}

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
}

export interface TreeBlock {
  hash: string;
  height: number;
  prev: string;
  status?: string;
  in_best_chain: boolean;
  /** when this node received the block, unix milliseconds */
  received_at?: number;
}

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
