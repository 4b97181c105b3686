// The address manager: which peers we know of, which we have reached, and which to try
// next. Simplified from Bitcoin Core's: a bounded "new" table (heard of, never connected)
// and a bounded "tried" table (connected at least once). Selection favours tried
// addresses and penalises recent and repeated failures; one gossiping source can fill
// at most maxPerSource slots of the new table, so a single peer cannot flood it (a weak
// form of Core's source-group bucketing). The whole state is saved under one store key
// and restored on start. Times are unix seconds, as in addr messages.
import type { Clock, Rng } from '../primitives/index.js';
import { bytesToHex, hexToBytes } from '../primitives/index.js';
import { MAX_ADDR, MAX_URL, isIdentityBytes, type NetAddress } from './messages/index.js';
import { isValidUrlString } from './messages/codec.js';
import type { KvStore } from './store.js';

export interface AddrInfo {
  readonly url: string;
  identity?: Uint8Array;
  services: bigint;
  /** who told us (a host, or 'self'/'config') */
  source: string;
  /** last time the address was reported working, unix seconds */
  lastSeen: number;
  lastTried: number;
  lastSuccess: number;
  /** failed attempts since the last success */
  attempts: number;
  tried: boolean;
}

export interface AddrManOptions {
  clock: Clock;
  store?: KvStore;
  storeKey?: string;
  maxNew?: number;
  maxTried?: number;
  maxPerSource?: number;
}

export interface NewAddress {
  readonly url: string;
  readonly services?: bigint;
  /** unix seconds; defaults to now */
  readonly time?: number;
  readonly identity?: Uint8Array;
}

const DAY = 86_400;
/** Probability of picking from the tried table when both have candidates. */
const TRIED_BIAS = 0.7;
const FORMAT = 1;

export class AddrMan {
  private readonly addrs = new Map<string, AddrInfo>();
  private readonly clock: Clock;
  private readonly store: KvStore | undefined;
  private readonly storeKey: string;
  readonly maxNew: number;
  readonly maxTried: number;
  readonly maxPerSource: number;
  private dirty = false;

  constructor(o: AddrManOptions) {
    this.clock = o.clock;
    this.store = o.store;
    this.storeKey = o.storeKey ?? 'addrman';
    this.maxNew = o.maxNew ?? 4096;
    this.maxTried = o.maxTried ?? 1024;
    this.maxPerSource = o.maxPerSource ?? 256;
  }

  private nowSec(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  get size(): number {
    return this.addrs.size;
  }
  get triedCount(): number {
    let n = 0;
    for (const a of this.addrs.values()) if (a.tried) n++;
    return n;
  }
  get newCount(): number {
    return this.size - this.triedCount;
  }
  /** True when there are changes not yet saved. */
  get isDirty(): boolean {
    return this.dirty;
  }

  get(url: string): Readonly<AddrInfo> | undefined {
    return this.addrs.get(url);
  }

  all(): Readonly<AddrInfo>[] {
    return [...this.addrs.values()];
  }

  /**
   * Learns an address from `source`. Returns true if it was new and kept; known
   * addresses only get fresher lastSeen/services. Invalid URLs are ignored.
   */
  add(a: NewAddress, source: string): boolean {
    if (!isValidUrlString(a.url, MAX_URL) || a.url.length === 0) return false;
    if (a.identity !== undefined && !isIdentityBytes(a.identity)) return false;
    const now = this.nowSec();
    // Times from the future are lies or bad clocks; treat them as old news (as Core does).
    let seen = a.time ?? now;
    if (seen > now + 600) seen = now - 5 * DAY;
    const known = this.addrs.get(a.url);
    if (known) {
      if (seen > known.lastSeen) known.lastSeen = seen;
      if (a.services !== undefined) known.services |= a.services;
      if (a.identity && !known.identity) known.identity = a.identity.slice();
      this.dirty = true;
      return false;
    }
    let fromSource = 0;
    for (const x of this.addrs.values()) if (!x.tried && x.source === source) fromSource++;
    if (fromSource >= this.maxPerSource) return false;
    if (this.newCount >= this.maxNew) this.evictNew(now);
    this.addrs.set(a.url, {
      url: a.url,
      ...(a.identity ? { identity: a.identity.slice() } : {}),
      services: a.services ?? 0n,
      source,
      lastSeen: seen,
      lastTried: 0,
      lastSuccess: 0,
      attempts: 0,
      tried: false,
    });
    this.dirty = true;
    return true;
  }

  /** Records a failed or started connection attempt. */
  attempt(url: string): void {
    const a = this.addrs.get(url);
    if (!a) return;
    a.lastTried = this.nowSec();
    a.attempts++;
    this.dirty = true;
  }

  /** Records a completed handshake: the address moves to (or stays in) the tried table. */
  good(url: string): void {
    let a = this.addrs.get(url);
    if (!a) {
      if (!this.add({ url }, 'self')) return;
      a = this.addrs.get(url)!;
    }
    const now = this.nowSec();
    a.lastSuccess = a.lastTried = a.lastSeen = now;
    a.attempts = 0;
    if (!a.tried) {
      if (this.triedCount >= this.maxTried) this.demoteTried();
      a.tried = true;
    }
    this.dirty = true;
  }

  remove(url: string): boolean {
    const had = this.addrs.delete(url);
    if (had) this.dirty = true;
    return had;
  }

  /** An address not worth keeping or gossiping. */
  isTerrible(a: AddrInfo, now = this.nowSec()): boolean {
    if (a.lastTried >= now - 60) return false; // just tried: give it a chance
    if (a.lastSeen > now + 600) return true;
    if (now - a.lastSeen > 30 * DAY) return true;
    if (a.lastSuccess === 0 && a.attempts >= 3) return true;
    if (now - a.lastSuccess > 7 * DAY && a.attempts >= 10) return true;
    return false;
  }

  /**
   * Picks an address to dial: the tried table with probability 0.7 (when both have
   * candidates), then an entry weighted down by recent tries and failures.
   */
  select(rng: Rng, exclude?: (url: string) => boolean): Readonly<AddrInfo> | undefined {
    const now = this.nowSec();
    const tried: AddrInfo[] = [];
    const fresh: AddrInfo[] = [];
    for (const a of this.addrs.values()) {
      if (exclude?.(a.url)) continue;
      (a.tried ? tried : fresh).push(a);
    }
    const useTried = tried.length > 0 && (fresh.length === 0 || rng.float() < TRIED_BIAS);
    return weightedPick(useTried ? tried : fresh, rng, now);
  }

  /** A random sample of good addresses for a getaddr answer (at most maxPct of all, like Core). */
  getAddresses(rng: Rng, max = MAX_ADDR, maxPct = 23): NetAddress[] {
    const now = this.nowSec();
    const pool = [...this.addrs.values()].filter((a) => !this.isTerrible(a, now));
    const n = Math.min(max, MAX_ADDR, pool.length, Math.ceil((this.addrs.size * maxPct) / 100));
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, n).map((a) => ({
      time: Math.max(0, Math.min(0xffffffff, a.lastSeen)),
      services: a.services,
      url: a.url,
      ...(a.identity ? { identity: a.identity } : {}),
    }));
  }

  private evictNew(now: number): void {
    let worst: AddrInfo | undefined;
    for (const a of this.addrs.values()) {
      if (a.tried) continue;
      if (!worst) {
        worst = a;
        continue;
      }
      const t1 = this.isTerrible(a, now);
      const t0 = this.isTerrible(worst, now);
      if ((t1 && !t0) || (t1 === t0 && a.lastSeen < worst.lastSeen)) worst = a;
    }
    if (worst) this.addrs.delete(worst.url);
  }

  /** Makes room in the tried table by moving its stalest success back to new. */
  private demoteTried(): void {
    let oldest: AddrInfo | undefined;
    for (const a of this.addrs.values()) if (a.tried && (!oldest || a.lastSuccess < oldest.lastSuccess)) oldest = a;
    if (!oldest) return;
    oldest.tried = false;
    if (this.newCount > this.maxNew) this.evictNew(this.nowSec());
  }

  async save(): Promise<void> {
    if (!this.store) return;
    const addrs = [...this.addrs.values()].map((a) => ({
      url: a.url,
      identity: a.identity ? bytesToHex(a.identity) : undefined,
      services: a.services.toString(),
      source: a.source,
      lastSeen: a.lastSeen,
      lastTried: a.lastTried,
      lastSuccess: a.lastSuccess,
      attempts: a.attempts,
      tried: a.tried,
    }));
    await this.store.put(this.storeKey, JSON.stringify({ format: FORMAT, addrs }));
    this.dirty = false;
  }

  /** Replaces the in-memory tables with the stored ones; malformed entries are skipped. */
  async load(): Promise<void> {
    if (!this.store) return;
    const text = await this.store.get(this.storeKey);
    this.addrs.clear();
    this.dirty = false;
    if (text === undefined) return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Error('addrman: stored address table is not valid JSON');
    }
    const list = (doc as { addrs?: unknown })?.addrs;
    if (!Array.isArray(list)) throw new Error('addrman: stored address table has no addrs array');
    let tried = 0;
    let fresh = 0;
    for (const e of list) {
      const a = parseStored(e);
      if (!a || this.addrs.has(a.url)) continue;
      if (a.tried ? tried >= this.maxTried : fresh >= this.maxNew) continue;
      if (a.tried) tried++;
      else fresh++;
      this.addrs.set(a.url, a);
    }
  }
}

function weightedPick(list: AddrInfo[], rng: Rng, now: number): AddrInfo | undefined {
  if (list.length === 0) return undefined;
  const weights = list.map((a) => {
    let w = now - a.lastTried < 600 ? 0.01 : 1;
    w *= 0.66 ** Math.min(a.attempts, 8);
    return w;
  });
  const total = weights.reduce((s, w) => s + w, 0);
  let x = rng.float() * total;
  for (let i = 0; i < list.length; i++) {
    x -= weights[i]!;
    if (x < 0) return list[i];
  }
  return list[list.length - 1];
}

function parseStored(e: unknown): AddrInfo | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as Record<string, unknown>;
  const nums = ['lastSeen', 'lastTried', 'lastSuccess', 'attempts'] as const;
  if (typeof o.url !== 'string' || !isValidUrlString(o.url, MAX_URL) || o.url.length === 0) return undefined;
  if (typeof o.source !== 'string' || typeof o.tried !== 'boolean' || typeof o.services !== 'string') return undefined;
  if (!nums.every((k) => Number.isSafeInteger(o[k]))) return undefined;
  let services: bigint;
  let identity: Uint8Array | undefined;
  try {
    services = BigInt(o.services);
    if (o.identity !== undefined) {
      identity = hexToBytes(String(o.identity));
      if (!isIdentityBytes(identity)) return undefined;
    }
  } catch {
    return undefined;
  }
  return {
    url: o.url,
    ...(identity ? { identity } : {}),
    services,
    source: o.source,
    lastSeen: o.lastSeen as number,
    lastTried: o.lastTried as number,
    lastSuccess: o.lastSuccess as number,
    attempts: o.attempts as number,
    tried: o.tried,
  };
}

