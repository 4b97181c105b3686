// A steady stream of valid payments between the devnet's wallets: `rate` payments a
// second for `durationS` seconds, each from a random running node's wallet to a fresh
// address of another. A wallet file must not be used by two commands at once (coin
// selection and the file write would race), so each wallet sends one payment at a time;
// a payment whose wallet is still busy is counted as skipped, which keeps the schedule
// steady instead of letting a backlog build. Payments go to each receiver's first address
// (never `address`, which would write the receiver's wallet file while it may be sending).
// The result says what was achieved.
import type { Rng } from '../src/primitives/rng.js';
import type { Env } from './devnet.js';
import { running } from './devnet.js';
import { DevnetError } from './errors.js';
import { sleep } from './proc.js';
import { apiUrl, type DevnetState } from './state.js';
import { walletSend, type WalletContext } from './wallets.js';

export interface SpamOptions {
  rate: number;
  durationS: number;
  /** smallest and largest payment in base units (default 10_000 .. 1_000_000) */
  minAmount?: number;
  maxAmount?: number;
}

export interface SpamResult {
  attempted: number;
  sent: number;
  failed: number;
  skipped: number;
  seconds: number;
  txids: string[];
  errors: string[];
}

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

export async function spam(state: DevnetState, o: SpamOptions, env: Env, ctx: WalletContext): Promise<SpamResult> {
  checkSpamOptions(o);
  const live = running(state);
  const min = o.minAmount ?? 10_000;
  const max = o.maxAmount ?? 1_000_000;
  const busy = new Set<string>();
  const r: SpamResult = { attempted: 0, sent: 0, failed: 0, skipped: 0, seconds: 0, txids: [], errors: [] };
  const inflight = new Set<Promise<void>>();
  const t0 = Date.now();
  const total = Math.max(1, Math.round(o.rate * o.durationS));
  let lastReport = t0;
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / o.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    r.attempted++;
    const [i, j] = pickPair(env.rng, live.length);
    const from = live[i]!;
    const to = live[j]!;
    if (busy.has(from.name)) {
      r.skipped++;
      continue;
    }
    busy.add(from.name);
    const amount = `${min + env.rng.int(max - min + 1)}sat`;
    const p = (async () => {
      try {
        r.txids.push(await walletSend(ctx, apiUrl(from), from.wallet, to.address!, amount));
        r.sent++;
      } catch (e) {
        r.failed++;
        if (r.errors.length < 20) r.errors.push((e as Error).message);
      } finally {
        busy.delete(from.name);
      }
    })();
    inflight.add(p);
    void p.then(() => inflight.delete(p));
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      env.progress(`spam: ${r.sent} sent, ${r.failed} failed, ${r.skipped} skipped (wallet busy) after ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  }
  await Promise.all(inflight);
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}
