// A small client for cairnd's Esplora-style REST API. Every failure becomes a WalletError:
// 'node-unreachable' (connection refused, DNS, timeout), 'node-rejected' (the node refused
// a transaction: its reason is passed on), 'not-found' (404), 'node-error' (anything else).
// fetch is injectable so tests and simulations can supply a transport.
import { WalletError } from './errors.js';
import { isNetwork, type Network } from './keys.js';

export interface AddressStats {
  readonly funded_txo_count: number;
  readonly funded_txo_sum: number;
  readonly spent_txo_count: number;
  readonly spent_txo_sum: number;
  readonly tx_count: number;
}

export interface AddressInfo {
  readonly address: string;
  readonly chain_stats: AddressStats;
  readonly mempool_stats: AddressStats;
}

export interface TxStatus {
  readonly confirmed: boolean;
  readonly block_height?: number;
  readonly block_hash?: string;
  readonly block_time?: number;
}

export interface Utxo {
  readonly txid: string;
  readonly vout: number;
  /** base units as a JSON number; Esplora's format. Converted to bigint at once. */
  readonly value: number;
  readonly status: TxStatus;
}

export interface EsploraTx {
  readonly txid: string;
  readonly version: number;
  readonly locktime: number;
  readonly vin: ReadonlyArray<{
    readonly txid: string;
    readonly vout: number;
    readonly is_coinbase: boolean;
    readonly sequence: number;
    readonly prevout?: { readonly scriptpubkey: string; readonly scriptpubkey_address?: string; readonly value: number } | null;
  }>;
  readonly vout: ReadonlyArray<{ readonly scriptpubkey: string; readonly scriptpubkey_address?: string; readonly value: number }>;
  readonly size: number;
  readonly weight: number;
  readonly fee?: number;
  readonly status: TxStatus;
}

export type FetchLike = (url: string, init?: { method?: string; body?: string; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{
  status: number;
  ok: boolean;
  text(): Promise<string>;
}>;

export interface ClientOptions {
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

const HINT_UNREACHABLE = 'is cairnd running? set --node or CAIRN_NODE';

export class EsploraClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;

  constructor(baseUrl: string, opts: ClientOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new WalletError('bad-input', `invalid node URL "${baseUrl}"`, 'use e.g. --node http://127.0.0.1:18443');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WalletError('bad-input', `node URL must be http(s): ${baseUrl}`);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.fetchImpl = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> {
    const url = this.baseUrl + path;
    let res;
    try {
      res = await this.fetchImpl(url, {
        method,
        ...(body !== undefined ? { body, headers: { 'content-type': 'text/plain' } } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' || err.name === 'AbortError'
        ? `no answer within ${this.timeoutMs} ms`
        : err.cause?.code ?? err.cause?.message ?? err.message;
      throw new WalletError('node-unreachable', `cannot reach node at ${this.baseUrl}: ${why} (${HINT_UNREACHABLE})`, HINT_UNREACHABLE);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new WalletError('node-unreachable', `connection to ${this.baseUrl} broke: ${(e as Error).message}`, HINT_UNREACHABLE);
    }
    return { status: res.status, text };
  }

  private async get(path: string): Promise<string> {
    const { status, text } = await this.request('GET', path);
    if (status === 404) throw new WalletError('not-found', `node has no ${path} (${errorText(text)})`);
    if (status < 200 || status > 299) throw new WalletError('node-error', `node answered ${status} for ${path}: ${errorText(text)}`);
    return text;
  }

  private async getJson<T>(path: string): Promise<T> {
    const text = await this.get(path);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new WalletError('node-error', `node sent invalid JSON for ${path}`, 'is --node pointing at a cairnd REST API?');
    }
  }

  async network(): Promise<Network> {
    const info = await this.getJson<{ network?: unknown }>('/api/node');
    if (!isNetwork(info.network)) throw new WalletError('node-error', `node reports an unknown network ${JSON.stringify(info.network)}`);
    return info.network;
  }

  async tipHeight(): Promise<number> {
    const t = (await this.get('/api/blocks/tip/height')).trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(n)) throw new WalletError('node-error', `node sent an invalid tip height "${t.slice(0, 40)}"`);
    return n;
  }

  address(addr: string): Promise<AddressInfo> {
    return this.getJson(`/api/address/${encodeURIComponent(addr)}`);
  }

  utxos(addr: string): Promise<Utxo[]> {
    return this.getJson(`/api/address/${encodeURIComponent(addr)}/utxo`);
  }

  /** One page of an address's txs: mempool first then confirmed, newest first (Esplora order). */
  addressTxs(addr: string, lastSeenTxid?: string): Promise<EsploraTx[]> {
    const p = lastSeenTxid ? `/api/address/${encodeURIComponent(addr)}/txs/chain/${lastSeenTxid}` : `/api/address/${encodeURIComponent(addr)}/txs`;
    return this.getJson(p);
  }

  /** Every tx of an address, following the confirmed-history pagination. */
  async allAddressTxs(addr: string): Promise<EsploraTx[]> {
    const first = await this.addressTxs(addr);
    const out = [...first];
    let confirmed = first.filter((t) => t.status.confirmed);
    // Esplora pages confirmed history 25 at a time; the first call returns up to 25 of them.
    while (confirmed.length >= 25) {
      const next = await this.addressTxs(addr, confirmed[confirmed.length - 1]!.txid);
      const fresh = next.filter((t) => !out.some((o) => o.txid === t.txid));
      if (fresh.length === 0) break;
      out.push(...fresh);
      confirmed = fresh.filter((t) => t.status.confirmed);
    }
    return out;
  }

  tx(txid: string): Promise<EsploraTx> {
    return this.getJson(`/api/tx/${checkTxid(txid)}`);
  }

  txStatus(txid: string): Promise<TxStatus> {
    return this.getJson(`/api/tx/${checkTxid(txid)}/status`);
  }

  async txHex(txid: string): Promise<string> {
    return (await this.get(`/api/tx/${checkTxid(txid)}/hex`)).trim();
  }

  async feeEstimates(): Promise<Record<string, number>> {
    return this.getJson('/api/fee-estimates');
  }

  /** Broadcast; returns the txid the node reports. A refusal keeps the node's reason. */
  async broadcast(hex: string): Promise<string> {
    const { status, text } = await this.request('POST', '/api/tx', hex);
    if (status >= 200 && status <= 299) return text.trim();
    if (status >= 400 && status <= 499) {
      throw new WalletError('node-rejected', `node rejected the transaction: ${errorText(text)}`, 'nothing was sent; the wallet file is unchanged');
    }
    throw new WalletError('node-error', `node answered ${status} to the broadcast: ${errorText(text)}`);
  }
}

export function checkTxid(txid: string): string {
  if (typeof txid !== 'string' || !/^[0-9a-fA-F]{64}$/.test(txid)) {
    throw new WalletError('bad-input', `"${String(txid).slice(0, 80)}" is not a txid (64 hex characters)`);
  }
  return txid.toLowerCase();
}

/** Error bodies are JSON {code, message} or plain text; keep them short either way. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { code?: unknown; message?: unknown; error?: unknown };
    if (j && typeof j === 'object') {
      const msg = j.message ?? j.error;
      if (j.code !== undefined || msg !== undefined) return [j.code, msg].filter((x) => x !== undefined).join(': ');
    }
  } catch {
    /* plain text */
  }
  const t = text.trim();
  return t.length > 300 ? t.slice(0, 300) + '…' : t || '(empty body)';
}
