// Bans: keys (a host, or 'id:<hex>' for an identity key) refused until an expiry time.
// The node bans a peer's host when its misbehaviour score reaches the threshold and
// refuses inbound connections and outbound dials to banned keys. Bans are written
// through to the store on every change, so they survive restarts; expired entries are
// dropped lazily. Times are the injected clock's milliseconds.
import type { Clock } from '../primitives/index.js';
import type { KvStore } from './store.js';

export interface BanEntry {
  readonly key: string;
  /** expiry, ms since the epoch */
  readonly until: number;
  readonly reason: string;
  readonly created: number;
}

export interface BanManOptions {
  clock: Clock;
  store?: KvStore;
  /** store key; defaults to 'banlist' */
  storeKey?: string;
}

const FORMAT = 1;

export class BanMan {
  private readonly bans = new Map<string, BanEntry>();
  private readonly clock: Clock;
  private readonly store: KvStore | undefined;
  private readonly storeKey: string;

  constructor(o: BanManOptions) {
    this.clock = o.clock;
    this.store = o.store;
    this.storeKey = o.storeKey ?? 'banlist';
  }

  /** Replaces the in-memory list with the stored one; malformed entries are skipped. */
  async load(): Promise<void> {
    if (!this.store) return;
    const text = await this.store.get(this.storeKey);
    this.bans.clear();
    if (text === undefined) return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Error('banman: stored ban list is not valid JSON');
    }
    const entries = (doc as { bans?: unknown })?.bans;
    if (!Array.isArray(entries)) throw new Error('banman: stored ban list has no bans array');
    for (const e of entries) {
      if (e && typeof e.key === 'string' && Number.isFinite(e.until) && typeof e.reason === 'string' && Number.isFinite(e.created)) {
        this.bans.set(e.key, { key: e.key, until: e.until, reason: e.reason, created: e.created });
      }
    }
    this.sweep();
  }

  async save(): Promise<void> {
    if (!this.store) return;
    await this.store.put(this.storeKey, JSON.stringify({ format: FORMAT, bans: [...this.bans.values()] }));
  }

  /** Bans `key` for `seconds` from now; an existing longer ban is kept. */
  async ban(key: string, seconds: number, reason: string): Promise<BanEntry> {
    if (!key) throw new RangeError('banman: empty key');
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError('banman: ban duration must be a positive number of seconds');
    const now = this.clock.now();
    const until = now + Math.round(seconds * 1000);
    const old = this.bans.get(key);
    const entry = old && old.until >= until ? old : { key, until, reason, created: now };
    this.bans.set(key, entry);
    await this.save();
    return entry;
  }

  /** Returns whether a ban was lifted. */
  async unban(key: string): Promise<boolean> {
    const had = this.bans.delete(key);
    if (had) await this.save();
    return had;
  }

  isBanned(key: string, now = this.clock.now()): boolean {
    const e = this.bans.get(key);
    return e !== undefined && e.until > now;
  }

  /** Active bans, soonest expiry first. */
  list(now = this.clock.now()): BanEntry[] {
    this.sweep(now);
    return [...this.bans.values()].sort((a, b) => a.until - b.until);
  }

  /** Forgets expired bans (in memory; the next save persists that). Returns how many. */
  sweep(now = this.clock.now()): number {
    let n = 0;
    for (const [k, e] of this.bans) {
      if (e.until <= now) {
        this.bans.delete(k);
        n++;
      }
    }
    return n;
  }
}
