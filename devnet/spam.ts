// A steady stream of valid payments on the devnet: `rate` payments a second for
// `durationS` seconds, built and signed in this process (devnet/loadgen.ts) with every
// coin in memory, and sent to one running node's POST /api/tx (peers relay them). Setup
// funds the load once from each running node's wallet (one wallet CLI send each) and fans
// the funds out into enough coins for the rate. The schedule is kept by launching the
// payments that are due every few milliseconds, at most MAX_INFLIGHT at a time; a payment
// due while every coin is busy or resting (at the ancestor limit, waiting for a block) is
// counted as skipped. Which coins may be spent is devnet/loadgen.ts's CoinBook. `onRate`
// gets the achieved rate for a one-line live display.
import http from 'node:http';
import https from 'node:https';
import { NETWORK_FACTS } from '../src/primitives/network.js';
import type { Rng } from '../src/primitives/rng.js';
import type { Tx } from '../src/primitives/tx.js';
import type { FetchFn } from './api.js';
import type { Env } from './devnet.js';
import { client, running } from './devnet.js';
import { DevnetError } from './errors.js';
import { CoinBook, fanOut, makeKey, spendOnce, type Coin } from './loadgen.js';
import { sleep } from './proc.js';
import { apiUrl, type DevnetState } from './state.js';
import { walletSend, type WalletContext } from './wallets.js';

export interface SpamOptions {
  rate: number;
  durationS: number;
  /** called about every 250 ms with the figures so far (for one updating line) */
  onRate?: (line: string) => void;
}

export interface SpamResult {
  attempted: number;
  sent: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** this process's CPU time (user + system) over the sending, in ms: the client's cost */
  cpuMs: number;
  txids: string[];
  errors: string[];
}

const MAX_INFLIGHT = 64;
/** Devnet blocks come every ~10 s; coins for 3 block intervals at the ancestor limit. */
const BLOCK_SECONDS = 10;
const FUNDING = '0.5'; // coins from each wallet: ~250,000 payments' fees

export function checkSpamOptions(o: SpamOptions): void {
  if (!(o.rate > 0 && o.rate <= 1000)) throw new DevnetError('bad-usage', '--tps must be a number in (0, 1000]');
  if (!(o.durationS > 0 && o.durationS <= 86_400)) throw new DevnetError('bad-usage', '--duration must be a number of seconds in (0, 86400]');
}

/** Picks a sender and a different receiver among `n` wallets. */
export function pickPair(rng: Rng, n: number): [number, number] {
  if (n < 2) throw new DevnetError('bad-usage', 'spam needs at least two running nodes');
  const a = rng.int(n);
  const b = (a + 1 + rng.int(n - 1)) % n;
  return [a, b];
}

/** How many coins sustain `rate` while blocks come every BLOCK_SECONDS (at least 8). */
export function coinsFor(rate: number): number {
  return Math.max(8, Math.ceil((rate * BLOCK_SECONDS * 3) / (25 - 3)));
}

/** One POST's answer. */
interface Answer {
  status: number;
  text: string;
}
type Post = ((url: string, body: string) => Promise<Answer>) & { close?: () => void };

/**
 * POSTs over node:http with kept-alive sockets: ~0.5-0.7 ms of client CPU a request here
 * against 1.5-2.6 ms through fetch (undici), which was most of spam's cost per payment.
 * Errors carry the socket's code (ECONNRESET, EPIPE) like fetch's cause; a request with no
 * answer in 30 s fails as a TimeoutError.
 */
export function httpPoster(): Post {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: MAX_INFLIGHT }), https: new https.Agent({ keepAlive: true, maxSockets: MAX_INFLIGHT }) };
  const post: Post = (url, body) =>
    new Promise<Answer>((resolve, reject) => {
      const secure = url.startsWith('https:');
      const req = (secure ? https : http).request(url, { method: 'POST', agent: secure ? agents.https : agents.http, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('POST timed out after 30 s'), { name: 'TimeoutError' })));
      req.on('error', (e: Error & { code?: string }) => reject(Object.assign(new Error(`POST failed: ${e.message}`), { name: e.name, cause: { code: e.code, message: e.message } })));
      req.end(body);
    });
  post.close = () => {
    agents.http.destroy();
    agents.https.destroy();
  };
  return post;
}

function fetchPoster(fetchFn: FetchFn): Post {
  return async (url, body) => {
    const res = await fetchFn(url, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, text: await res.text() };
  };
}

async function postTx(postFn: Post, base: string, tx: Tx): Promise<void> {
  const body = Buffer.from(tx.encode()).toString('hex');
  const post = (): Promise<Answer> => postFn(`${base}/api/tx`, body);
  let res: Answer | undefined;
  // A kept-alive socket the server had just closed fails the request before the node saw
  // it ("other side closed"); under load several pooled sockets can be stale at once, so
  // send again up to 3 times. Resending is safe: if an earlier attempt arrived after all,
  // the node answers txn-already-in-mempool (or txn-already-known once mined): success.
  for (let attempt = 1; ; attempt++) {
    try {
      res = await post();
      break;
    } catch (e) {
      if (attempt >= 4 || (e as Error).name === 'TimeoutError') throw e;
    }
  }
  const text = res.text;
  // A coin's spend is one fixed tx (one input, one output to its own key: the txid does not
  // depend on the signature), so "already in the mempool" or "already known" means this very
  // payment went through before: an earlier attempt that arrived although its answer was
  // lost (a stale socket, a timeout), or the resend of a coin whose spend was reported failed.
  if (res.status === 400 && /txn-already-(in-mempool|known)/.test(text)) return;
  if (res.status < 200 || res.status >= 300) {
    let msg = text.slice(0, 200);
    try {
      const j = JSON.parse(text) as { code?: string; message?: string; error?: string };
      // the code first (what callers match on), then the node's detail (which input, which coin)
      const detail = j.message ?? j.error;
      msg = j.code ? `${j.code}${detail && detail !== j.code ? ` (${detail})` : ''}` : msg;
    } catch {
      /* plain text */
    }
    throw new DevnetError('node-error', `POST /api/tx: HTTP ${res.status} ${msg}`);
  }
}

/** An error's message with its cause (undici's "fetch failed" hides the socket error there). */
function describeError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause ? ` (${err.cause.code ?? err.cause.message ?? String(err.cause)})` : '';
  return `${err.message}${cause}`;
}

export async function spam(state: DevnetState, o: SpamOptions, env: Env, ctx: WalletContext): Promise<SpamResult> {
  checkSpamOptions(o);
  const live = running(state);
  if (live.length < 2) throw new DevnetError('bad-usage', 'spam needs at least two running nodes');
  const target = live[0]!;
  const base = apiUrl(target).replace(/\/+$/, '');
  // an injected fetch (tests) is used as given; otherwise node:http with kept-alive sockets
  const poster: Post = env.fetch ? fetchPoster(env.fetch) : httpPoster();
  const node = client(target, env);

  // Setup: throwaway keys, funded once by every running wallet, fanned out into coins.
  const nCoins = coinsFor(o.rate);
  const keys = Array.from({ length: 8 }, () => makeKey(env.rng, NETWORK_FACTS.devnet.hrp));
  env.progress(`spam: funding ${nCoins} coins from ${live.length} wallets…`);
  // One wallet process at a time (each is a whole node client); a refused connection is
  // tried once more, as a person would run the command again.
  const funded: string[] = [];
  for (const [i, n] of live.entries()) {
    const send = (): Promise<string> => walletSend(ctx, apiUrl(n), n.wallet, keys[i % keys.length]!.address, FUNDING);
    funded.push(await send().catch((e: Error) => (/node-unreachable/.test(e.message) ? send() : Promise.reject(e))));
  }
  // Each funding tx and its fan-out go through the node whose wallet sent it: node1 may not
  // have the funding tx yet (relay takes a moment), and would refuse a spend of it.
  let coins: Coin[] = [];
  for (const [i, txid] of funded.entries()) {
    const key = keys[i % keys.length]!;
    const own = live[i]!;
    const tx = (await client(own, env).request('GET', `/api/tx/${txid}`)) as { vout: { scriptpubkey: string; value: number }[] };
    const vout = tx.vout.findIndex((v) => v.scriptpubkey === Buffer.from(key.script).toString('hex'));
    if (vout < 0) throw new DevnetError('wallet-error', `funding ${txid} does not pay the load key`);
    const fund: Coin = { outpoint: { txid: Uint8Array.from(Buffer.from(txid, 'hex').reverse()), vout }, value: BigInt(tx.vout[vout]!.value), key, depth: 2, txid };
    const f = fanOut(fund, keys, Math.ceil(nCoins / funded.length));
    await postTx(poster, apiUrl(own).replace(/\/+$/, ''), f.tx);
    coins.push(...f.coins.map((c) => ({ ...c, depth: 0 })));
  }
  // The mempool limits every unconfirmed tx to 25 descendants (as Core), and every coin
  // descends from a fan-out: wait until node1 has every fan-out in a block, then each
  // coin's chain of spends starts from a confirmed output.
  const fanTxids = [...new Set(coins.map((c) => c.txid))];
  env.progress(`spam: waiting for the ${fanTxids.length} fan-out transactions to be mined…`);
  const deadline = Date.now() + 180_000;
  for (const txid of fanTxids) {
    for (;;) {
      const st = (await node.request('GET', `/api/tx/${txid}/status`).catch(() => ({ confirmed: false }))) as { confirmed: boolean };
      if (st.confirmed) break;
      if (Date.now() > deadline) throw new DevnetError('node-error', 'the fan-out transactions were not mined within 3 minutes', 'is a node mining? `cairn-devnet mine node1`');
      await sleep(500);
    }
  }

  const r: SpamResult = { attempted: 0, sent: 0, failed: 0, skipped: 0, seconds: 0, cpuMs: 0, txids: [], errors: [] };
  const cpu0 = process.cpuUsage();
  const book = new CoinBook(coins);
  coins = [];
  const inflight = new Set<Promise<void>>();
  const t0 = Date.now();
  const total = Math.max(1, Math.round(o.rate * o.durationS));
  let lastReport = t0;
  let lastMempoolCheck = t0;
  let checking = false;
  // Resting coins wake once their last tx has left the mempool (it was mined).
  const wake = async (): Promise<void> => {
    checking = true;
    try {
      const asked = book.listingAsked();
      book.wake(asked, new Set((await node.request('GET', '/api/mempool/txids')) as string[]));
    } catch {
      /* the next check tries again */
    } finally {
      checking = false;
    }
  };
  const report = (): void => {
    const s = (Date.now() - t0) / 1000;
    o.onRate?.(`spam: ${r.sent} sent, ${(r.sent / Math.max(s, 0.001)).toFixed(1)} tx/s (target ${o.rate}), ${r.failed} failed, ${r.skipped} skipped, ${Math.round(s)}/${o.durationS} s`);
  };
  while (r.attempted < total) {
    const now = Date.now();
    const due = Math.min(total, Math.floor(((now - t0) * o.rate) / 1000) + 1);
    while (r.attempted < due && inflight.size < MAX_INFLIGHT) {
      r.attempted++;
      const coin = book.take();
      const spend = coin && spendOnce(coin);
      if (!coin || !spend) {
        if (coin) book.drop(coin);
        r.skipped++;
        continue;
      }
      const p = (async () => {
        try {
          await postTx(poster, base, spend.tx);
          r.sent++;
          r.txids.push(spend.next.txid);
          book.sent(coin, spend.next);
        } catch (e) {
          r.failed++;
          if (r.errors.length < 20) r.errors.push(describeError(e));
          book.failed(coin); // its state is unknown: a later listing decides
        }
      })();
      inflight.add(p);
      void p.then(() => inflight.delete(p));
    }
    if (now - lastMempoolCheck >= 1000 && book.counts.resting > 0 && !checking) {
      lastMempoolCheck = now;
      void wake();
    }
    if (now - lastReport >= 250) {
      lastReport = now;
      report();
    }
    if (r.attempted < total) await (inflight.size >= MAX_INFLIGHT ? Promise.race(inflight) : sleep(Math.max(1, Math.min(20, 1000 / o.rate))));
  }
  await Promise.all(inflight);
  poster.close?.();
  r.seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  r.cpuMs = (cpu.user + cpu.system) / 1000;
  report();
  return r;
}
