// Transports move whole binary messages between nodes; they know nothing of commands.
// A Connection delivers each received message exactly once, in order, and reports its
// end exactly once (onClose) whoever ended it. Peers are addressed by URL: outbound
// connections carry the dialled URL as `remote`; inbound ones carry the caller's
// address as a URL with its (ephemeral) port, so hostOf(remote) is what bans key on.
//   WsTransport      real WebSockets (ws), binary frames only, bounded frame size
//   MemoryTransport  in-process pairs for simulations, optionally delayed on a Clock
//   FaultInjector    wraps any transport to drop, partition or delay traffic
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Clock, Rng, TimerHandle } from '../primitives/index.js';
import { systemClock } from '../primitives/index.js';
import { MAX_MESSAGE_SIZE } from './messages/index.js';
import { DEFAULT_PENDING_LIMITS, PendingSlots, midFrame, receiverOf, type PendingLimits } from './wslimits.js';

export interface Connection {
  readonly remote: string;
  readonly inbound: boolean;
  /** Queues one message; silently dropped once the connection is closed. */
  send(data: Uint8Array): void;
  close(reason: string): void;
  onMessage(cb: (data: Uint8Array) => void): void;
  onClose(cb: (reason: string) => void): void;
  /** Bytes queued but not yet handed to the network, where the transport can tell. */
  readonly bufferedAmount?: number;
  /**
   * When bytes last arrived (clock ms), even of a frame not yet complete, where the
   * transport can tell: a peer whose pong is queued behind a large frame still in
   * transit is alive (the ping timeout asks this).
   */
  readonly lastReceivedAt?: number;
  /**
   * Tells the transport that the peer finished the protocol handshake (Noise and
   * version/verack): pre-handshake limits (small frames, the pending-handshake slot,
   * the pre-handshake deadline) are lifted. Transports without such limits omit it.
   */
  handshakeDone?(): void;
}

export interface Listener {
  readonly port: number;
  /** the URL this listener is dialled at, when the transport can tell */
  readonly url?: string;
  close(): Promise<void>;
}

export interface Transport {
  listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener>;
  dial(url: string): Promise<Connection>;
}

/** Host part of a remote URL (without IPv6 brackets), or the string itself if it is not a URL. */
export function hostOf(remote: string): string {
  try {
    const h = new URL(remote).hostname;
    return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  } catch {
    return remote;
  }
}

/**
 * Shared bookkeeping for connection implementations: callbacks, the closed flag, and
 * the guarantee that onClose fires once and nothing is delivered after it.
 */
abstract class BaseConnection implements Connection {
  private readonly msgCbs: ((d: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((r: string) => void)[] = [];
  protected closed = false;
  closeReason: string | undefined;

  constructor(
    readonly remote: string,
    readonly inbound: boolean,
  ) {}

  abstract send(data: Uint8Array): void;
  abstract close(reason: string): void;

  onMessage(cb: (data: Uint8Array) => void): void {
    this.msgCbs.push(cb);
  }

  onClose(cb: (reason: string) => void): void {
    if (this.closed) {
      const reason = this.closeReason ?? 'closed';
      queueMicrotask(() => cb(reason));
      return;
    }
    this.closeCbs.push(cb);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  protected deliver(data: Uint8Array): void {
    if (this.closed) return;
    for (const cb of this.msgCbs) {
      try {
        cb(data);
      } catch (e) {
        // A handler bug must cost this connection, never the process.
        this.close(`internal error: ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }

  /** Marks closed and notifies once; returns false if it was already closed. */
  protected finish(reason: string): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.closeReason = reason;
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

// ---------------------------------------------------------------- WebSockets

export interface WsTransportOptions extends Partial<PendingLimits> {
  /** Largest frame accepted after the handshake; defaults to the largest valid message. */
  maxPayload?: number;
  /** How long a dial may take to open. */
  dialTimeoutMs?: number;
  /** How long to wait for the closing handshake before dropping the socket. */
  closeGraceMs?: number;
  clock?: Clock;
}

const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED = 1003;

function rawToBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) {
    const all = Buffer.concat(data);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A close reason must fit the 123-byte limit of a WebSocket close frame. */
function closeFrameReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}

interface WsConnLimits {
  maxPayload: number;
  preAuthTimeoutMs: number;
  frameStallMs: number;
}

class WsConnection extends BaseConnection {
  private graceTimer: TimerHandle | undefined;
  private preAuthTimer: TimerHandle | undefined;
  private stallTimer: TimerHandle | undefined;
  private authenticated = false;
  /** called once when the pre-handshake phase ends (handshakeDone or close) */
  onPreAuthEnd: (() => void) | undefined;

  constructor(
    private readonly ws: WebSocket,
    remote: string,
    inbound: boolean,
    private readonly clock: Clock,
    private readonly closeGraceMs: number,
    private readonly limits: WsConnLimits,
  ) {
    super(remote, inbound);
    ws.binaryType = 'nodebuffer';
    const receiver = receiverOf(ws);
    ws.on('message', (data, isBinary) => {
      if (this.closed) return;
      if (!isBinary) {
        this.closeWith(CLOSE_UNSUPPORTED, 'text frames are not accepted');
        return;
      }
      this.deliver(rawToBytes(data));
    });
    // ws reports protocol violations (e.g. a frame over maxPayload) as 'error' and then
    // closes; the error must be handled here or it would crash the process.
    ws.on('error', (err) => {
      this.finish(`transport error: ${err.message}`);
    });
    ws.on('close', (code, reason) => {
      this.clearTimers();
      const text = reason.toString('utf8');
      this.finish(`remote closed (${code}${text ? `: ${text}` : ''})`);
    });
    this.onClose(() => this.endPreAuth());
    this.preAuthTimer = this.clock.setTimeout(() => this.terminate(`handshake not finished within ${this.limits.preAuthTimeoutMs} ms`), this.limits.preAuthTimeoutMs);
    // Partial frames: ws's own 'data' listener has parsed the chunk when this one runs,
    // so the receiver shows whether a frame is still open; one that makes no progress
    // for frameStallMs costs the connection (its bytes are held until then).
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    socket?.on('data', () => {
      this.lastReceivedAt = this.clock.now();
      if (this.stallTimer !== undefined) this.clock.clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      if (this.closed || !midFrame(receiver)) return;
      this.stallTimer = this.clock.setTimeout(() => this.terminate(`partial frame stalled for ${this.limits.frameStallMs} ms`), this.limits.frameStallMs);
    });
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  lastReceivedAt = 0;

  /** Lifts the pre-handshake limits: full frame size, no pre-handshake deadline, pending slot freed. */
  handshakeDone(): void {
    if (this.authenticated || this.closed) return;
    this.authenticated = true;
    receiverOf(this.ws)._maxPayload = this.limits.maxPayload;
    this.endPreAuth();
  }

  private endPreAuth(): void {
    if (this.preAuthTimer !== undefined) this.clock.clearTimeout(this.preAuthTimer);
    this.preAuthTimer = undefined;
    const cb = this.onPreAuthEnd;
    this.onPreAuthEnd = undefined;
    cb?.();
  }

  private clearTimers(): void {
    for (const t of [this.graceTimer, this.preAuthTimer, this.stallTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.graceTimer = this.preAuthTimer = this.stallTimer = undefined;
  }

  send(data: Uint8Array): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(data, { binary: true });
  }

  close(reason: string): void {
    this.closeWith(CLOSE_NORMAL, reason);
  }

  private closeWith(code: number, reason: string): void {
    if (!this.finish(reason)) return;
    this.clearTimers();
    try {
      this.ws.close(code, closeFrameReason(reason));
    } catch {
      this.ws.terminate();
      return;
    }
    // A peer that never answers the closing handshake must not hold the socket open.
    this.graceTimer = this.clock.setTimeout(() => this.ws.terminate(), this.closeGraceMs);
  }

  terminate(reason: string): void {
    this.finish(reason);
    this.clearTimers();
    this.ws.terminate();
  }
}

function remoteUrl(address: string | undefined, port: number | undefined): string {
  const a = address ?? 'unknown';
  return `ws://${a.includes(':') ? `[${a}]` : a}:${port ?? 0}`;
}

export class WsTransport implements Transport {
  private readonly maxPayload: number;
  private readonly dialTimeoutMs: number;
  private readonly closeGraceMs: number;
  private readonly clock: Clock;
  readonly limits: Readonly<PendingLimits>;
  /** pending inbound connections of the listener (one listener per transport in practice) */
  readonly pending: PendingSlots;

  constructor(opts: WsTransportOptions = {}) {
    this.maxPayload = opts.maxPayload ?? MAX_MESSAGE_SIZE;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
    this.closeGraceMs = opts.closeGraceMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
    const l: PendingLimits = { ...DEFAULT_PENDING_LIMITS };
    for (const k of Object.keys(l) as (keyof PendingLimits)[]) if (opts[k] !== undefined) l[k] = opts[k];
    this.limits = Object.freeze(l);
    this.pending = new PendingSlots(this.limits);
  }

  private connLimits(): WsConnLimits {
    return { maxPayload: this.maxPayload, preAuthTimeoutMs: this.limits.preAuthTimeoutMs, frameStallMs: this.limits.frameStallMs };
  }

  listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      // Our own HTTP server, so a connection is counted (and timed) from the TCP accept,
      // before any byte of its HTTP upgrade is read.
      const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(426, { connection: 'close' }).end();
      });
      server.headersTimeout = this.limits.upgradeTimeoutMs;
      server.requestTimeout = this.limits.upgradeTimeoutMs;
      server.maxHeadersCount = 32;
      const wss = new WebSocketServer({ server, maxPayload: this.limits.preAuthMaxPayload, perMessageDeflate: false, clientTracking: true });
      const live = new Set<WsConnection>();
      const sockets = new Set<Socket>();
      const slots = new WeakMap<Socket, { entry: { host: string; since: number; evict(r: string): void }; upgradeTimer: TimerHandle | undefined; conn?: WsConnection }>();
      server.on('connection', (socket: Socket) => {
        const host = hostOf(remoteUrl(socket.remoteAddress, socket.remotePort));
        const st: { entry: { host: string; since: number; evict(r: string): void }; upgradeTimer: TimerHandle | undefined; conn?: WsConnection } = {
          entry: {
            host,
            since: this.clock.now(),
            evict: (r) => {
              if (st.conn) st.conn.terminate(r);
              else socket.destroy();
            },
          },
          upgradeTimer: undefined,
        };
        if (!this.pending.admit(st.entry)) {
          socket.destroy();
          return;
        }
        sockets.add(socket);
        slots.set(socket, st);
        st.upgradeTimer = this.clock.setTimeout(() => {
          if (!st.conn) socket.destroy();
        }, this.limits.upgradeTimeoutMs);
        socket.once('close', () => {
          sockets.delete(socket);
          if (st.upgradeTimer !== undefined) this.clock.clearTimeout(st.upgradeTimer);
          this.pending.release(st.entry);
        });
      });
      const onListenError = (err: Error): void => reject(err);
      server.once('error', onListenError);
      wss.on('connection', (ws, req) => {
        const socket = req.socket;
        const st = slots.get(socket);
        const c = new WsConnection(ws, remoteUrl(socket.remoteAddress, socket.remotePort), true, this.clock, this.closeGraceMs, this.connLimits());
        if (st) {
          st.conn = c;
          if (st.upgradeTimer !== undefined) this.clock.clearTimeout(st.upgradeTimer);
          st.upgradeTimer = undefined;
          c.onPreAuthEnd = () => this.pending.release(st.entry);
        }
        live.add(c);
        c.onClose(() => live.delete(c));
        try {
          onConnection(c);
        } catch (e) {
          c.close(`internal error: ${(e as Error)?.message ?? String(e)}`);
        }
      });
      wss.on('error', () => undefined);
      server.once('listening', () => {
        server.off('error', onListenError);
        // After listening, server errors are logged by the owner through connections
        // closing; an unhandled 'error' must not crash the node.
        server.on('error', () => undefined);
        const addr = server.address();
        const boundPort = typeof addr === 'object' && addr ? addr.port : port;
        resolve({
          port: boundPort,
          url: remoteUrl(host, boundPort),
          close: () =>
            new Promise<void>((res) => {
              for (const c of live) c.terminate('listener closed');
              for (const ws of wss.clients) ws.terminate();
              for (const s of sockets) s.destroy();
              wss.close(() => server.close(() => res()));
            }),
        });
      });
      server.listen(port, host);
    });
  }

  dial(url: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        // Small frames until the handshake is done, as for inbound connections.
        ws = new WebSocket(url, { maxPayload: this.limits.preAuthMaxPayload, perMessageDeflate: false, handshakeTimeout: this.dialTimeoutMs });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      const onError = (err: Error): void => {
        ws.off('open', onOpen);
        ws.terminate();
        reject(err);
      };
      const onOpen = (): void => {
        ws.off('error', onError);
        resolve(new WsConnection(ws, url, false, this.clock, this.closeGraceMs, this.connLimits()));
      };
      ws.once('error', onError);
      ws.once('open', onOpen);
    });
  }
}

// ---------------------------------------------------------------- in-process

export interface MemoryNetworkOptions {
  /** With a clock, deliveries happen on its timers (after latencyMs); without, on setImmediate. */
  clock?: Clock;
  latencyMs?: number;
  /** Frames larger than this make the receiving side close, as ws does. */
  maxPayload?: number;
}

type Deliver = (fn: () => void) => void;

class MemoryConnection extends BaseConnection {
  peer!: MemoryConnection;
  private inFlight = 0;
  private lastAt = 0;

  constructor(
    remote: string,
    inbound: boolean,
    private readonly net: MemoryNetwork,
  ) {
    super(remote, inbound);
  }

  get bufferedAmount(): number {
    return this.inFlight;
  }

  /** Schedules fn after the network latency, never before anything scheduled earlier. */
  private schedule: Deliver = (fn) => {
    const clock = this.net.clock;
    if (!clock) {
      setImmediate(fn);
      return;
    }
    const at = Math.max(clock.now() + this.net.latencyMs, this.lastAt);
    this.lastAt = at;
    clock.setTimeout(fn, at - clock.now());
  };

  send(data: Uint8Array): void {
    if (this.closed) return;
    const copy = data.slice();
    this.inFlight += copy.length;
    this.schedule(() => {
      this.inFlight -= copy.length;
      const to = this.peer;
      if (to.closed) return;
      if (copy.length > this.net.maxPayload) {
        to.close(`message of ${copy.length} bytes exceeds ${this.net.maxPayload}`);
        return;
      }
      to.deliver(copy);
    });
  }

  close(reason: string): void {
    if (!this.finish(reason)) return;
    this.schedule(() => this.peer.finish(`remote closed: ${reason}`));
  }
}

/** A namespace of in-process listeners: MemoryTransports that share it can dial each other. */
export class MemoryNetwork {
  readonly clock: Clock | undefined;
  readonly latencyMs: number;
  readonly maxPayload: number;
  private readonly listeners = new Map<string, (c: Connection) => void>();
  private nextPort = 40000;

  constructor(opts: MemoryNetworkOptions = {}) {
    this.clock = opts.clock;
    this.latencyMs = opts.latencyMs ?? 0;
    this.maxPayload = opts.maxPayload ?? MAX_MESSAGE_SIZE;
  }

  transport(name: string): MemoryTransport {
    return new MemoryTransport(this, name);
  }

  /** Two connected ends without any listener, for unit tests. */
  pair(aName = 'a', bName = 'b'): [Connection, Connection] {
    const a = new MemoryConnection(`mem://${bName}:1`, false, this);
    const b = new MemoryConnection(`mem://${aName}:${this.allocPort()}`, true, this);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  allocPort(): number {
    return this.nextPort++;
  }

  register(url: string, onConnection: (c: Connection) => void): void {
    if (this.listeners.has(url)) throw new Error(`memory transport: ${url} already in use`);
    this.listeners.set(url, onConnection);
  }

  unregister(url: string): void {
    this.listeners.delete(url);
  }

  connect(fromName: string, url: string): Connection {
    const accept = this.listeners.get(url);
    if (!accept) throw new Error(`memory transport: connection refused by ${url}`);
    const out = new MemoryConnection(url, false, this);
    const inc = new MemoryConnection(`mem://${fromName}:${this.allocPort()}`, true, this);
    out.peer = inc;
    inc.peer = out;
    accept(inc);
    return out;
  }
}

export class MemoryTransport implements Transport {
  constructor(
    readonly net: MemoryNetwork,
    readonly name: string,
  ) {}

  async listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    const p = port === 0 ? this.net.allocPort() : port;
    const url = `mem://${host || this.name}:${p}`;
    this.net.register(url, onConnection);
    return { port: p, url, close: async () => this.net.unregister(url) };
  }

  async dial(url: string): Promise<Connection> {
    return this.net.connect(this.name, url);
  }
}

// ---------------------------------------------------------------- faults

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
