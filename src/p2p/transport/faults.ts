// FaultInjector: wraps any Transport to drop, partition or delay traffic by remote URL or
// host, so a node (or a test, or the devnet's fault commands) can impose network faults
// on itself at run time.
import type { Clock, Rng } from '../../primitives/index.js';
import { BaseConnection, hostOf, type Connection, type Listener, type Transport } from './connection.js';

export interface FaultInjectorOptions {
  clock: Clock;
  /** Needed only for drop rates. */
  rng?: Rng;
}

interface Rule {
  partitioned: boolean;
  latencyMs: number;
  dropRate: number;
}

/**
 * Wraps a transport and applies rules to connections whose remote URL or host matches
 * a key ('*' matches all). Rules act on both directions of a matching connection and
 * can change at any time. An inbound connection's remote is the caller's ephemeral
 * address, so to cut or slow the link between two nodes configure the side that dialled
 * (or both sides, with each other's listen URL).
 */
export class FaultInjector implements Transport {
  private readonly rules = new Map<string, Rule>();
  private readonly clock: Clock;
  private readonly rng: Rng | undefined;

  constructor(
    private readonly inner: Transport,
    opts: FaultInjectorOptions,
  ) {
    this.clock = opts.clock;
    this.rng = opts.rng;
  }

  private rule(key: string): Rule {
    let r = this.rules.get(key);
    if (!r) {
      r = { partitioned: false, latencyMs: 0, dropRate: 0 };
      this.rules.set(key, r);
    }
    return r;
  }

  /** Black-holes traffic to and from these remotes (URLs or hosts); new dials to them fail. */
  partition(keys: readonly string[]): void {
    for (const k of keys) this.rule(k).partitioned = true;
  }

  /** Lifts partitions for these keys, or all when none are given. */
  heal(keys?: readonly string[]): void {
    for (const [k, r] of this.rules) if (!keys || keys.includes(k)) r.partitioned = false;
  }

  /** One-way delay added to every message of matching connections. */
  setLatency(ms: number, key = '*'): void {
    if (!(ms >= 0)) throw new RangeError('fault: latency must be >= 0');
    this.rule(key).latencyMs = ms;
  }

  /** Fraction of messages silently lost, in each direction. */
  setDropRate(p: number, key = '*'): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError('fault: drop rate must be within [0, 1]');
    if (p > 0 && !this.rng) throw new Error('fault: drop rates need an rng');
    this.rule(key).dropRate = p;
  }

  /** The combined effect of every rule matching a remote. */
  effective(remote: string): Rule {
    const host = hostOf(remote);
    const out: Rule = { partitioned: false, latencyMs: 0, dropRate: 0 };
    for (const key of ['*', host, remote]) {
      const r = this.rules.get(key);
      if (!r) continue;
      out.partitioned ||= r.partitioned;
      out.latencyMs = Math.max(out.latencyMs, r.latencyMs);
      out.dropRate = Math.max(out.dropRate, r.dropRate);
    }
    return out;
  }

  listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    return this.inner.listen(port, host, (c) => {
      if (this.effective(c.remote).partitioned) {
        c.close('partitioned');
        return;
      }
      onConnection(new FaultyConnection(c, this, this.clock));
    });
  }

  async dial(url: string): Promise<Connection> {
    if (this.effective(url).partitioned) throw new Error(`fault: partitioned from ${url}`);
    return new FaultyConnection(await this.inner.dial(url), this, this.clock);
  }

  /** True when this message should be lost. */
  lose(remote: string): boolean {
    const r = this.effective(remote);
    return r.partitioned || (r.dropRate > 0 && this.rng!.float() < r.dropRate);
  }
}

class FaultyConnection extends BaseConnection {
  private lastOut = 0;
  private lastIn = 0;

  constructor(
    private readonly inner: Connection,
    private readonly faults: FaultInjector,
    private readonly clock: Clock,
  ) {
    super(inner.remote, inner.inbound);
    inner.onMessage((d) => {
      if (this.faults.lose(this.remote)) return;
      this.lastIn = this.delay(this.lastIn, () => this.deliver(d));
    });
    inner.onClose((r) => this.finish(r));
  }

  get bufferedAmount(): number | undefined {
    return this.inner.bufferedAmount;
  }

  handshakeDone(): void {
    this.inner.handshakeDone?.();
  }

  /** the authenticated identity of a secure inner connection, passed through (peer info, bans) */
  get remoteIdentity(): string | null {
    return (this.inner as { remoteIdentity?: string | null }).remoteIdentity ?? null;
  }

  /** Runs fn after the current latency, keeping order with what was delayed before. */
  private delay(last: number, fn: () => void): number {
    const ms = this.faults.effective(this.remote).latencyMs;
    const now = this.clock.now();
    if (ms === 0 && last <= now) {
      fn();
      return last;
    }
    const at = Math.max(now + ms, last);
    this.clock.setTimeout(fn, at - now);
    return at;
  }

  send(data: Uint8Array): void {
    if (this.closed || this.faults.lose(this.remote)) return;
    const copy = data.slice();
    this.lastOut = this.delay(this.lastOut, () => this.inner.send(copy));
  }

  close(reason: string): void {
    if (!this.finish(reason)) return;
    this.inner.close(reason);
  }
}
