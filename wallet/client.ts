// A small client for cairnd's Esplora-style REST API. Every failure becomes a WalletError:
// 'node-unreachable' (connection refused, DNS, timeout), 'node-rejected' (the node refused
// a transaction: its reason is passed on), 'not-found' (404), 'node-error' (anything else).
// 'node-untrusted' is a TLS certificate the client can't verify (a private CA needs --ca).
// fetch is injectable so tests and simulations can supply a transport.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { NETWORK_FACTS } from '../src/primitives/network.js';
import { WalletError } from './errors.js';
import { isNetwork, type Network } from './keys.js';
import type { AddressInfo, FeeEstimates, NodeInfo as ApiNodeInfo, TxInfo, TxStatus, Utxo } from '../src/api/types.js';

/** cairnd's default API port per network, from the network facts the node's params use. */
export const DEFAULT_API_PORTS: Readonly<Record<Network, number>> = Object.freeze({
  regtest: NETWORK_FACTS.regtest.defaultApiPort,
  devnet: NETWORK_FACTS.devnet.defaultApiPort,
  main: NETWORK_FACTS.main.defaultApiPort,
});

export function defaultNodeUrl(network: Network): string {
  return `http://127.0.0.1:${DEFAULT_API_PORTS[network]}`;
}

/** What the wallet needs to know about the node before trusting its answers. */
export interface NodeInfo {
  readonly network: Network;
  /** confirmations a coinbase needs before consensus lets it be spent */
  readonly coinbaseMaturity: number;
}

// The node's JSON shapes, defined once by the API (amounts as JSON numbers; the wallet
// turns them into bigint as soon as it reads them).
export type { AddressInfo, AddressStats, TxStatus, Utxo } from '../src/api/types.js';
/** A transaction as GET /api/tx/:txid and the address history serve it. */
export type EsploraTx = TxInfo;

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
const HINT_NOT_FOUND = 'check the txid or address; a transaction the node dropped from its mempool (or never saw) is unknown to it';
const HINT_NODE_ERROR = "the node had a problem: look at its log, then try again";
const HINT_NOT_CAIRND = 'is --node (or CAIRN_NODE) the API of a cairnd, e.g. http://127.0.0.1:18643?';
const HINT_UNTRUSTED = "pass --ca FILE with the PEM of the CA that signed cairnd's certificate";

// OpenSSL's verification failures as Node reports them (err.code).
const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'INVALID_CA', 'CERT_REJECTED',
]);

/**
 * A FetchLike over node:http/https that trusts exactly the given CA certificates (PEM)
 * for https URLs. Node 20's built-in fetch takes no CA option without the undici
 * package, so a private CA goes through node:https instead.
 */
export function fetchWithCa(caPem: string): FetchLike {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const body = init.body !== undefined ? Buffer.from(init.body, 'utf8') : undefined;
      const headers: Record<string, string | number> = { ...(init.headers ?? {}) };
      if (body) headers['content-length'] = body.length;
      const opts = { method: init.method ?? 'GET', headers, ...(init.signal ? { signal: init.signal } : {}) };
      const req = u.protocol === 'https:' ? httpsRequest(u, { ...opts, ca: caPem }) : httpRequest(u, opts);
      req.on('error', (e: Error & { code?: string }) => {
        // shaped like fetch's failures: a TypeError whose cause carries the code
        if (e.name === 'AbortError') return reject(e);
        reject(Object.assign(new TypeError('fetch failed'), { cause: e }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        const done = new Promise<string>((ok, bad) => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
          res.on('error', bad);
        });
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status <= 299, text: () => done });
      });
      req.end(body);
    });
}

/** undici's errors for a connection closed under a request (not: refused, timed out). */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export class EsploraClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;

  constructor(baseUrl: string, opts: ClientOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new WalletError('bad-input', `invalid node URL "${baseUrl}"`, 'use e.g. --node http://127.0.0.1:18643');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WalletError('bad-input', `node URL must be http(s): ${baseUrl}`);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.fetchImpl = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> {
    const url = this.baseUrl + path;
    let res;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.fetchImpl(url, {
          method,
          ...(body !== undefined ? { body, headers: { 'content-type': 'text/plain' } } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        break;
      } catch (e) {
        // A kept-alive connection the node closed just as this request went out: a GET is
        // idempotent, so it is asked again (as browsers do; each failed pooled connection is
        // gone, so a few tries do); a POST never is.
        const code = (e as { cause?: { code?: string } }).cause?.code;
        if (method === 'GET' && attempt < 3 && code !== undefined && STALE_CONNECTION.has(code)) continue;
        throw this.unreachable(e);
      }
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new WalletError('node-unreachable', `connection to ${this.baseUrl} broke: ${(e as Error).message}`, HINT_UNREACHABLE);
    }
    return { status: res.status, text };
  }

  private unreachable(e: unknown): WalletError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const code = err.cause?.code;
    if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
      return new WalletError('node-untrusted', `refusing node at ${this.baseUrl}: its TLS certificate is not trusted (${code})`, HINT_UNTRUSTED);
    }
    const why = err.name === 'TimeoutError' || err.name === 'AbortError'
      ? `no answer within ${this.timeoutMs} ms`
      : err.cause?.code ?? err.cause?.message ?? err.message;
    return new WalletError('node-unreachable', `cannot reach node at ${this.baseUrl}: ${why} (${HINT_UNREACHABLE})`, HINT_UNREACHABLE);
  }

  /**
   * GET `path`; `what` names what was asked for in words ("transaction 3fa1…"), since
   * error messages speak of transactions and the node, never of API paths.
   */
  private async get(path: string, what: string): Promise<string> {
    const { status, text } = await this.request('GET', path);
    if (status === 404) throw new WalletError('not-found', `the node at ${this.baseUrl} does not know ${what}`, HINT_NOT_FOUND);
    if (status < 200 || status > 299) {
      throw new WalletError('node-error', `the node at ${this.baseUrl} failed to give ${what} (HTTP ${status}: ${errorText(text)})`, HINT_NODE_ERROR);
    }
    return text;
  }

  private async getJson<T>(path: string, what: string): Promise<T> {
    const text = await this.get(path, what);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new WalletError('node-error', `the node at ${this.baseUrl} sent an unreadable answer for ${what}`, HINT_NOT_CAIRND);
    }
  }

  async network(): Promise<Network> {
    return (await this.nodeInfo()).network;
  }

  async nodeInfo(): Promise<NodeInfo> {
    // untrusted until checked: every field may be missing or of another type
    const info = await this.getJson<{ [K in keyof ApiNodeInfo]?: unknown }>('/api/node', 'its network and version');
    if (!isNetwork(info.network)) throw new WalletError('node-error', `the node reports an unknown network ${JSON.stringify(info.network)}`, HINT_NOT_CAIRND);
    const m = info.coinbase_maturity;
    if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0) {
      throw new WalletError('node-error', `the node does not say how many confirmations a mined coin needs (coinbase_maturity: ${JSON.stringify(m)})`, 'the wallet needs a cairnd that reports its network\'s coinbase maturity; upgrade the node');
    }
    return { network: info.network, coinbaseMaturity: m };
  }

  async tipHeight(): Promise<number> {
    const t = (await this.get('/api/blocks/tip/height', 'the height of its best block')).trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(n)) throw new WalletError('node-error', `the node sent an invalid height for its best block "${t.slice(0, 40)}"`, HINT_NOT_CAIRND);
    return n;
  }

  address(addr: string): Promise<AddressInfo> {
    return this.getJson(`/api/address/${encodeURIComponent(addr)}`, `address ${addr}`);
  }

  utxos(addr: string): Promise<Utxo[]> {
    return this.getJson(`/api/address/${encodeURIComponent(addr)}/utxo`, `the unspent outputs of ${addr}`);
  }

  /** One page of an address's txs: mempool first then confirmed, newest first (Esplora order). */
  addressTxs(addr: string, lastSeenTxid?: string): Promise<EsploraTx[]> {
    const p = lastSeenTxid ? `/api/address/${encodeURIComponent(addr)}/txs/chain/${lastSeenTxid}` : `/api/address/${encodeURIComponent(addr)}/txs`;
    return this.getJson(p, `the transactions of ${addr}`);
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
    return this.getJson(`/api/tx/${checkTxid(txid)}`, `transaction ${txid}`);
  }

  txStatus(txid: string): Promise<TxStatus> {
    return this.getJson(`/api/tx/${checkTxid(txid)}/status`, `transaction ${txid}`);
  }

  async txHex(txid: string): Promise<string> {
    return (await this.get(`/api/tx/${checkTxid(txid)}/hex`, `transaction ${txid}`)).trim();
  }

  async feeEstimates(): Promise<FeeEstimates> {
    return this.getJson('/api/fee-estimates', 'fee estimates');
  }

  /** Broadcast; returns the txid the node reports. A refusal keeps the node's reason. */
  async broadcast(hex: string): Promise<string> {
    const r = await this.submit(hex);
    if (r.ok) return r.txid;
    throw new WalletError('node-rejected', `the node refused the transaction: ${r.code}: ${r.message}`, 'nothing was sent and the wallet file is unchanged; fix what the node says (e.g. a higher --fee-rate, or wait for coins to confirm) and send again');
  }

  /** POST /api/tx: the txid, or the node's refusal (a 4xx) as data; other failures throw. */
  async submit(hex: string): Promise<{ ok: true; txid: string } | { ok: false; code: string; message: string }> {
    const { status, text } = await this.request('POST', '/api/tx', hex);
    if (status >= 200 && status <= 299) return { ok: true, txid: text.trim() };
    if (status >= 400 && status <= 499) {
      let code = 'rejected';
      let message = errorText(text);
      try {
        const j = JSON.parse(text) as { code?: unknown; message?: unknown };
        if (typeof j.code === 'string') code = j.code;
        if (typeof j.message === 'string') message = j.message;
      } catch {
        /* plain text */
      }
      return { ok: false, code, message };
    }
    throw new WalletError('node-error', `the node at ${this.baseUrl} failed while accepting the transaction (HTTP ${status}: ${errorText(text)})`, 'it may or may not have it now: check with `cairn-wallet tx TXID` or `history` before sending again');
  }

  /** The tx's status, or null when the node knows no such tx (404). */
  async txStatusIfKnown(txid: string): Promise<TxStatus | null> {
    const { status, text } = await this.request('GET', `/api/tx/${checkTxid(txid)}/status`);
    if (status === 404) return null;
    if (status < 200 || status > 299) throw new WalletError('node-error', `the node at ${this.baseUrl} failed to give the status of transaction ${txid} (HTTP ${status}: ${errorText(text)})`, HINT_NODE_ERROR);
    try {
      return JSON.parse(text) as TxStatus;
    } catch {
      throw new WalletError('node-error', `the node at ${this.baseUrl} sent an unreadable status for transaction ${txid}`, HINT_NOT_CAIRND);
    }
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
