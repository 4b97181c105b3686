// WsTransport: real WebSockets (ws), binary frames only, bounded frame size. Before the
// handshake a connection is held to the pre-authentication limits of wslimits.ts (small
// frames, a pending-handshake slot per source address, deadlines for the HTTP upgrade,
// partial frames and the handshake itself); handshakeDone() lifts them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Clock, TimerHandle } from '../../primitives/index.js';
import { systemClock } from '../../primitives/index.js';
import { MAX_MESSAGE_SIZE } from '../messages/index.js';
import { DEFAULT_PENDING_LIMITS, PendingSlots, midFrame, receiverOf, type PendingLimits } from '../wslimits.js';
import { BaseConnection, hostOf, type Connection, type Listener, type Transport } from './connection.js';

export interface WsTransportOptions extends Partial<PendingLimits> {
  /** Largest frame accepted after the handshake; defaults to the largest valid message. */
  maxPayload?: number;
  /** How long a dial may take to open. */
  dialTimeoutMs?: number;
  /** How long to wait for the closing handshake before dropping the socket. */
  closeGraceMs?: number;
  clock?: Clock;
  /**
   * Asked at the TCP accept, before the HTTP upgrade, the pending-handshake slot and any
   * Noise work: a reason to refuse connections from this host (e.g. it is banned), or
   * undefined. A refused socket is destroyed at once, so a banned host costs no handshake.
   */
  refuseHost?: (host: string) => string | undefined;
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
  /** inbound connections destroyed at the TCP accept because refuseHost named a reason */
  refusedAtAccept = 0;
  private readonly refuseHost: ((host: string) => string | undefined) | undefined;

  constructor(opts: WsTransportOptions = {}) {
    this.maxPayload = opts.maxPayload ?? MAX_MESSAGE_SIZE;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
    this.closeGraceMs = opts.closeGraceMs ?? 2_000;
    this.clock = opts.clock ?? systemClock;
    this.refuseHost = opts.refuseHost;
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
        if (this.refuseHost?.(host) !== undefined) {
          this.refusedAtAccept++;
          socket.destroy();
          return;
        }
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
