// The simulated network: an implementation of the p2p Transport interface in which every
// message is an event on the scheduler. Links between two nodes carry latency, jitter,
// bandwidth, loss, duplication and reordering; partitions put nodes into groups that
// cannot reach each other (dials fail, messages in flight are lost), and a crashed node's
// connections end at once. All randomness comes from the world's seeded Rng.
//
// A WebSocket (TCP) stream delivers in order, exactly once; latency and jitter keep that
// (a message never overtakes an earlier one on the same connection). Loss drops a
// message silently (as FaultInjector does), and duplication and reordering break the
// Connection contract on purpose, to see that a node survives a peer whose stream does.
import type { Connection, Listener, Transport } from '../src/p2p/index.js';
import type { Rng } from '../src/primitives/index.js';
import type { Scheduler } from './scheduler.js';

export interface LinkFaults {
  /** one-way base latency, ms */
  latencyMs: number;
  /** extra uniform delay in [0, jitterMs) per message */
  jitterMs: number;
  /** bytes per second; 0 = unlimited */
  bandwidth: number;
  /** probability that a message is lost */
  loss: number;
  /** probability that a message is delivered twice */
  duplicate: number;
  /** probability that a message may overtake earlier ones (ignores FIFO) */
  reorder: number;
}

export const DEFAULT_LINK: LinkFaults = { latencyMs: 50, jitterMs: 20, bandwidth: 0, loss: 0, duplicate: 0, reorder: 0 };

export interface NetStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  bytes: number;
}

/** What the world wants to hear about (for the trace): a delivered message. */
export type DeliveryHook = (from: string, to: string, data: Uint8Array) => void;

class SimConnection implements Connection {
  peer!: SimConnection;
  private readonly msgCbs: ((d: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((r: string) => void)[] = [];
  closed = false;
  /** the latest delivery time scheduled on this direction (FIFO) */
  private lastAt = 0;
  private inFlight = 0;

  constructor(
    readonly remote: string,
    readonly inbound: boolean,
    /** node names: this end's owner and the other end's */
    readonly self: string,
    readonly other: string,
    private readonly net: SimNetwork,
  ) {}

  get bufferedAmount(): number {
    return this.inFlight;
  }

  onMessage(cb: (d: Uint8Array) => void): void {
    this.msgCbs.push(cb);
  }

  onClose(cb: (r: string) => void): void {
    if (this.closed) {
      const s = this.net.sched;
      s.after(0, () => cb('closed'));
      return;
    }
    this.closeCbs.push(cb);
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    const net = this.net;
    net.stats.sent++;
    net.stats.bytes += data.length;
    if (!net.reachable(this.self, this.other)) {
      net.stats.lost++;
      return;
    }
    const f = net.link(this.self, this.other);
    if (f.loss > 0 && net.rng.float() < f.loss) {
      net.stats.lost++;
      return;
    }
    const copies = f.duplicate > 0 && net.rng.float() < f.duplicate ? 2 : 1;
    if (copies === 2) net.stats.duplicated++;
    const copy = data.slice();
    for (let i = 0; i < copies; i++) {
      const now = net.sched.now;
      const wire = f.bandwidth > 0 ? (copy.length * 1000) / f.bandwidth : 0;
      let at = now + f.latencyMs + (f.jitterMs > 0 ? net.rng.float() * f.jitterMs : 0) + wire;
      const overtakes = f.reorder > 0 && net.rng.float() < f.reorder;
      if (!overtakes) at = Math.max(at, this.lastAt);
      this.lastAt = Math.max(this.lastAt, at);
      this.inFlight += copy.length;
      net.sched.at(at, () => {
        this.inFlight -= copy.length;
        const to = this.peer;
        if (to.closed || this.closed) return;
        // a partition that started while the message was in flight loses it
        if (!net.reachable(this.self, this.other)) {
          net.stats.lost++;
          return;
        }
        net.stats.delivered++;
        net.onDeliver?.(this.self, this.other, copy);
        to.deliver(copy);
      });
    }
  }

  private deliver(d: Uint8Array): void {
    for (const cb of this.msgCbs) {
      if (this.closed) return;
      try {
        cb(d);
      } catch (e) {
        this.close(`internal error: ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }

  /** Ends this side now and tells the other side after one link latency. */
  close(reason: string): void {
    if (!this.finish(reason)) return;
    const f = this.net.link(this.self, this.other);
    this.net.sched.after(f.latencyMs, () => this.peer.finish(`remote closed: ${reason}`));
  }

  finish(reason: string): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.net.forget(this);
    for (const cb of this.closeCbs.splice(0)) {
      try {
        cb(reason);
      } catch {
        // nothing more to tear down
      }
    }
    return true;
  }
}

/** Every node's listener, links and partition groups. */
export class SimNetwork {
  private readonly listeners = new Map<string, { node: string; accept: (c: Connection) => void }>();
  private readonly links = new Map<string, LinkFaults>();
  private readonly conns = new Set<SimConnection>();
  /** node → partition group; nodes in different groups cannot reach each other */
  private groupsMap = new Map<string, number>();
  /** directed links cut one way: "a>b" means a's messages do not reach b */
  private readonly oneWay = new Set<string>();
  private nextPort = 50000;
  defaults: LinkFaults = { ...DEFAULT_LINK };
  readonly stats: NetStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, bytes: 0 };
  onDeliver: DeliveryHook | undefined;

  constructor(
    readonly sched: Scheduler,
    readonly rng: Rng,
  ) {}

  transport(node: string): Transport {
    return {
      listen: async (port: number, host: string, accept: (c: Connection) => void): Promise<Listener> => {
        const url = `sim://${host || node}:${port || this.nextPort++}`;
        if (this.listeners.has(url)) throw new Error(`sim network: ${url} already in use`);
        this.listeners.set(url, { node, accept });
        return { port: Number(new URL(url).port), url, close: async () => void this.listeners.delete(url) };
      },
      dial: (url: string): Promise<Connection> => this.dial(node, url),
    };
  }

  private async dial(from: string, url: string): Promise<Connection> {
    const l = this.listeners.get(url.split('#')[0]!);
    if (!l) throw new Error(`sim network: connection refused by ${url}`);
    if (!this.reachable(from, l.node) || !this.reachable(l.node, from)) throw new Error(`sim network: ${url} unreachable`);
    const out = new SimConnection(url, false, from, l.node, this);
    const inc = new SimConnection(`sim://${from}:${this.nextPort++}`, true, l.node, from, this);
    out.peer = inc;
    inc.peer = out;
    this.conns.add(out);
    this.conns.add(inc);
    l.accept(inc);
    return out;
  }

  forget(c: SimConnection): void {
    this.conns.delete(c);
  }

  private key(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  /** per-node profiles (its access link); a link combines both ends' */
  private readonly profiles = new Map<string, LinkFaults>();

  setProfile(node: string, f: LinkFaults): void {
    this.profiles.set(node, f);
  }

  clearProfiles(): void {
    this.profiles.clear();
  }

  /** The faults of the link between two nodes (symmetric): an override, else both ends' profiles combined. */
  link(a: string, b: string): LinkFaults {
    const o = this.links.get(this.key(a, b));
    if (o) return o;
    const pa = this.profiles.get(a);
    const pb = this.profiles.get(b);
    if (!pa && !pb) return this.defaults;
    const x = pa ?? this.defaults;
    const y = pb ?? this.defaults;
    const minBw = x.bandwidth && y.bandwidth ? Math.min(x.bandwidth, y.bandwidth) : x.bandwidth || y.bandwidth;
    return {
      latencyMs: (x.latencyMs + y.latencyMs) / 2,
      jitterMs: (x.jitterMs + y.jitterMs) / 2,
      bandwidth: minBw,
      loss: 1 - (1 - x.loss) * (1 - y.loss),
      duplicate: Math.max(x.duplicate, y.duplicate),
      reorder: Math.max(x.reorder, y.reorder),
    };
  }

  setLink(a: string, b: string, f: Partial<LinkFaults>): void {
    this.links.set(this.key(a, b), { ...this.link(a, b), ...f });
  }

  clearLinks(): void {
    this.links.clear();
  }

  /** Whether a's messages reach b now. */
  reachable(a: string, b: string): boolean {
    if (this.oneWay.has(`${a}>${b}`)) return false;
    return (this.groupsMap.get(a) ?? 0) === (this.groupsMap.get(b) ?? 0);
  }

  /** Splits the nodes into groups (node → group id); traffic across groups is lost. */
  partition(groups: Map<string, number>): void {
    this.groupsMap = new Map(groups);
  }

  cutOneWay(from: string, to: string): void {
    this.oneWay.add(`${from}>${to}`);
  }

  mendOneWay(from: string, to: string): void {
    this.oneWay.delete(`${from}>${to}`);
  }

  /** The current partition (node → group), empty when there is none. */
  get groups(): ReadonlyMap<string, number> {
    return this.groupsMap;
  }

  heal(): void {
    this.groupsMap.clear();
    this.oneWay.clear();
  }

  get partitioned(): boolean {
    return this.groupsMap.size > 0 || this.oneWay.size > 0;
  }

  /** A crash: the node's connections end at once on its side (the other side hears later). */
  crash(node: string): void {
    for (const c of [...this.conns]) if (c.self === node) c.close('connection reset');
    for (const [url, l] of [...this.listeners]) if (l.node === node) this.listeners.delete(url);
  }

  get connections(): number {
    return this.conns.size;
  }
}
