// One connected peer: the handshake, liveness, rate limits, misbehaviour score and
// per-command byte counters around a Connection. It speaks the protocol but holds no
// chain state: after the handshake every message other than ping/pong is handed to the
// node's handlers ('message' and per-command events). Invariants:
//   - before the handshake completes only version and verack are processed; anything
//     else costs the peer and disconnects it;
//   - a malformed, oversized, unknown or rate-limited message never throws out of the
//     peer: it is scored and dropped;
//   - 'close' fires exactly once with the reason, which is also logged; 'ban' fires at
//     most once, when the score first reaches the threshold, and the peer disconnects.
//
// Why this file is long: one Peer state machine (handshake, liveness, allowances, scoring)
// around a Connection; about 90 of its lines are the comments stating those rules.
import type { Clock, Rng, TimerHandle } from '../primitives/index.js';
import { DecodeError, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, equalBytes, hashToHex, silentLogger, type Logger } from '../primitives/index.js';
import {
  type Command,
  type Message,
  type MessageOf,
  type VersionMessage,
  FRAME_HEADER_SIZE,
  decodeFrameHeader,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  isCommand,
  maxPayload,
} from './messages/index.js';
import { TokenBucket } from './ratelimit.js';
import { type Connection, hostOf } from './transport.js';

export { PROTOCOL_VERSION, MIN_PROTOCOL_VERSION } from '../primitives/index.js';
export const DEFAULT_BAN_THRESHOLD = 100;
/** version/verack must be done this soon after the connection reached the peer layer (Noise done) */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** What each protocol fault found by the peer itself costs. Sync/relay logic adds its own. */
export const Score = {
  /** a payload that does not decode, or exceeds its command's limits */
  MALFORMED: 20,
  /** a well-formed frame with a command we do not know (maybe a newer peer) */
  UNKNOWN_COMMAND: 1,
  /** any message but version/verack before the handshake (and then disconnect) */
  PRE_HANDSHAKE: 10,
  /** version or verack again */
  DUPLICATE_HANDSHAKE: 1,
  /** each message dropped for exceeding the rate limit */
  RATE_LIMIT: 5,
} as const;

export interface LocalInfo {
  readonly services: bigint;
  readonly bestHeight: number;
  readonly userAgent: string;
  /** the URL we accept connections on, '' when not listening */
  readonly listenUrl: string;
  readonly relay: boolean;
}

export interface RateLimits {
  bytesPerSec: number;
  burstBytes: number;
  msgsPerSec: number;
  burstMsgs: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  bytesPerSec: 16 * 1024 * 1024,
  burstBytes: 64 * 1024 * 1024,
  msgsPerSec: 1000,
  burstMsgs: 5000,
});

/** A pino logger satisfies this (the primitives' Logger, under its p2p name). */
export type PeerLogger = Logger;

export interface PeerOptions {
  conn: Connection;
  /** network magic (frame and version) */
  magic: number;
  /** genesis hash, internal byte order */
  genesis: Uint8Array;
  clock: Clock;
  rng: Rng;
  /**
   * Nonces of our own version messages whose handshakes are still open, shared by all
   * of a node's peers: a version arriving with one of them means we dialled ourselves.
   */
  ownNonces: Set<bigint>;
  /** Read when our version is sent. */
  local: () => LocalInfo;
  id?: number;
  protocolVersion?: number;
  minProtocolVersion?: number;
  /** version+verack must complete within this (slow-loris guard) */
  handshakeTimeoutMs?: number;
  /** how often to ping a ready peer (DEFAULT_PING_INTERVAL_MS) */
  pingIntervalMs?: number;
  /** a ping unanswered this long → disconnect (stalled peer; DEFAULT_PING_TIMEOUT_MS) */
  pingTimeoutMs?: number;
  /** nothing at all received this long → disconnect */
  idleTimeoutMs?: number;
  banThreshold?: number;
  /** queued outgoing bytes beyond this → the peer is not reading → disconnect */
  maxSendBuffer?: number;
  rateLimits?: Partial<RateLimits>;
  log?: PeerLogger;
}

/**
 * Keepalive timing. A connection whose other end vanished without closing it (a cable
 * pulled, a container cut off its network) shows nothing at the socket until TCP gives up,
 * minutes later; the ping is what notices. A peer that stops answering is dropped at most
 * interval + timeout = 9 s after its last pong, so peer lists and sync follow the real
 * network within seconds. The cost is one small ping and pong per peer every 3 s. A pong
 * that is late while other messages keep arriving is queued behind them (a busy peer, a
 * slow link, our own busy event loop): the peer is alive, so it gets another timeout.
 */
export const DEFAULT_PING_INTERVAL_MS = 3_000;
export const DEFAULT_PING_TIMEOUT_MS = 6_000;
/** A ping timer this late means our own event loop stalled, not the peer: wait again. */
export const PING_STALL_SLACK_MS = 1_000;

export type PeerState = 'handshake' | 'ready' | 'closed';

export interface MisbehaviourEvent {
  readonly score: number;
  readonly total: number;
  readonly reason: string;
}

export interface PeerEvents {
  /** handshake complete; remoteVersion is set */
  ready: [];
  /** every post-handshake message except ping/pong */
  message: [Message];
  misbehave: [MisbehaviourEvent];
  /** score reached the threshold; the owner should ban peer.host */
  ban: [MisbehaviourEvent];
  close: [string];
}

export interface TrafficStats {
  bytesRecv: Record<string, number>;
  bytesSent: Record<string, number>;
  msgsRecv: Record<string, number>;
  msgsSent: Record<string, number>;
}

type Handler<A extends unknown[]> = (...args: A) => void;

export class Peer {
  readonly conn: Connection;
  readonly id: number;
  readonly remote: string;
  readonly inbound: boolean;
  /** what bans key on */
  readonly host: string;
  readonly connectedAt: number;
  readonly stats: TrafficStats = { bytesRecv: {}, bytesSent: {}, msgsRecv: {}, msgsSent: {} };

  private _state: PeerState = 'handshake';
  private _score = 0;
  private banned = false;
  private started = false;
  private _remoteVersion: VersionMessage | undefined;
  private versionSent = false;
  private verackReceived = false;
  private localNonce: bigint | undefined;
  private closeReason: string | undefined;

  private pingNonce: bigint | undefined;
  private pingSentAt = 0;
  private _pingRtt: number | undefined;
  private lastRecv: number;
  /** when the last post-handshake message other than a pong arrived: proof of life while a pong is late */
  private lastTraffic = 0;

  private handshakeTimer: TimerHandle | undefined;
  private tickTimer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;

  private readonly bytesBucket: TokenBucket;
  private readonly msgsBucket: TokenBucket;
  private readonly listeners = new Map<keyof PeerEvents, Handler<never[]>[]>();
  private readonly cmdHandlers = new Map<Command, Handler<never[]>[]>();
  private readonly rawHandlers = new Map<Command, (payload: Uint8Array) => void>();
  private readonly prechecks = new Map<Command, (payload: Uint8Array) => boolean>();

  private readonly magic: number;
  private readonly genesis: Uint8Array;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly ownNonces: Set<bigint>;
  private readonly local: () => LocalInfo;
  private readonly protocolVersion: number;
  private readonly minProtocolVersion: number;
  private readonly handshakeTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  readonly banThreshold: number;
  private readonly maxSendBuffer: number;
  private readonly log: PeerLogger;

  constructor(o: PeerOptions) {
    this.conn = o.conn;
    this.id = o.id ?? 0;
    this.remote = o.conn.remote;
    this.inbound = o.conn.inbound;
    this.host = hostOf(o.conn.remote);
    this.magic = o.magic >>> 0;
    this.genesis = o.genesis;
    this.clock = o.clock;
    this.rng = o.rng;
    this.ownNonces = o.ownNonces;
    this.local = o.local;
    this.protocolVersion = o.protocolVersion ?? PROTOCOL_VERSION;
    this.minProtocolVersion = o.minProtocolVersion ?? MIN_PROTOCOL_VERSION;
    this.handshakeTimeoutMs = o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.pingIntervalMs = o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pingTimeoutMs = o.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 20 * 60_000;
    this.banThreshold = o.banThreshold ?? DEFAULT_BAN_THRESHOLD;
    this.maxSendBuffer = o.maxSendBuffer ?? 32 * 1024 * 1024;
    const rl = { ...DEFAULT_RATE_LIMITS, ...o.rateLimits };
    this.bytesBucket = new TokenBucket(rl.bytesPerSec, rl.burstBytes, o.clock);
    this.msgsBucket = new TokenBucket(rl.msgsPerSec, rl.burstMsgs, o.clock);
    this.log = o.log ?? silentLogger;
    this.connectedAt = o.clock.now();
    this.lastRecv = this.connectedAt;
  }

  get state(): PeerState {
    return this._state;
  }
  get score(): number {
    return this._score;
  }
  /** The peer's version message, once received. */
  get remoteVersion(): VersionMessage | undefined {
    return this._remoteVersion;
  }
  /** Round trip of the last answered ping, in ms. */
  get pingRtt(): number | undefined {
    return this._pingRtt;
  }
  /** Bytes queued towards the peer (when the transport can tell). */
  get sendBuffered(): number {
    return this.conn.bufferedAmount ?? 0;
  }
  get disconnectReason(): string | undefined {
    return this.closeReason;
  }

  // ------------------------------------------------------------------ events

  /** Subscribes to a peer event; returns the unsubscribe function. */
  on<E extends keyof PeerEvents>(event: E, cb: (...args: PeerEvents[E]) => void): () => void {
    return addHandler(this.listeners, event, cb);
  }

  /** Subscribes to one post-handshake command. */
  onCommand<K extends Command>(cmd: K, cb: (msg: MessageOf<K>) => void): () => void {
    return addHandler(this.cmdHandlers, cmd, cb);
  }

  /**
   * Takes one post-handshake command before it is decoded: the handler gets the payload,
   * checked only against the frame header (magic, command, length ≤ MAX_PAYLOAD), and
   * must validate the rest itself. For big lists whose allowance is known from their
   * count (inv), so a message over it is refused without decoding it.
   */
  onRawCommand(cmd: Command, fn: (payload: Uint8Array) => void): void {
    this.rawHandlers.set(cmd, fn);
  }

  /**
   * Looks at one post-handshake command before it is decoded, for a command several
   * handlers consume decoded (notfound): `fn` gets the payload as onRawCommand's handler
   * does and returns false to drop the frame unread (scoring it itself if it wants), true
   * to let it be decoded and delivered as usual.
   */
  onPrecheck(cmd: Command, fn: (payload: Uint8Array) => boolean): void {
    this.prechecks.set(cmd, fn);
  }

  private emit<E extends keyof PeerEvents>(event: E, ...args: PeerEvents[E]): void {
    this.call(this.listeners.get(event), args, event);
  }

  private call(handlers: Handler<never[]>[] | undefined, args: unknown[], what: string): void {
    if (!handlers) return;
    for (const h of handlers.slice()) {
      try {
        (h as Handler<unknown[]>)(...args);
      } catch (e) {
        // A bug in the node's handler is ours, not the peer's: log it and carry on.
        this.log.error({ peer: this.remote, event: what, err: e }, 'peer handler threw');
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /** Wires the connection and starts the handshake (outbound peers speak first). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.conn.onMessage((d) => this.onData(d));
    this.conn.onClose((r) => this.teardown(r));
    if (this._state === 'closed') return;
    this.handshakeTimer = this.clock.setTimeout(() => this.close('handshake timeout'), this.handshakeTimeoutMs);
    if (!this.inbound) this.sendVersion();
  }

  close(reason: string): void {
    if (this._state === 'closed') return;
    this.teardown(reason);
    this.conn.close(reason);
  }

  private teardown(reason: string): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.closeReason = reason;
    for (const t of [this.handshakeTimer, this.tickTimer, this.pingTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.handshakeTimer = this.tickTimer = this.pingTimer = undefined;
    if (this.localNonce !== undefined) this.ownNonces.delete(this.localNonce);
    this.log.info({ peer: this.remote, id: this.id, reason, score: this._score }, 'peer disconnected');
    this.emit('close', reason);
  }

  // ------------------------------------------------------------------ sending

  /**
   * Sends a message. Returns false if the peer is closed, or if the send buffer would
   * overflow (the peer is not reading), in which case the peer is disconnected.
   */
  send(msg: Message): boolean {
    if (this._state === 'closed') return false;
    if (this._state !== 'ready' && msg.cmd !== 'version' && msg.cmd !== 'verack') this.notReady(msg.cmd);
    return this.sendFrame(msg.cmd, encodeMessage(this.magic, msg));
  }

  /**
   * Sends a payload already encoded, framed as `cmd` (a stored block as its bytes: serving
   * it needs no decode and re-encode). Same rules as send().
   */
  sendPayload(cmd: Command, payload: Uint8Array): boolean {
    if (this._state !== 'ready') return this._state === 'closed' ? false : this.notReady(cmd);
    return this.sendFrame(cmd, encodeFrame(this.magic, cmd, payload));
  }

  private notReady(cmd: string): never {
    throw new Error(`peer: cannot send ${cmd} before the handshake completes`);
  }

  private sendFrame(cmd: Command, bytes: Uint8Array): boolean {
    if (this.sendBuffered + bytes.length > this.maxSendBuffer) {
      this.close('send buffer full: peer is not reading');
      return false;
    }
    this.stats.bytesSent[cmd] = (this.stats.bytesSent[cmd] ?? 0) + bytes.length;
    this.stats.msgsSent[cmd] = (this.stats.msgsSent[cmd] ?? 0) + 1;
    this.conn.send(bytes);
    return true;
  }

  private sendVersion(): void {
    const l = this.local();
    let nonce = this.rng.u64();
    while (this.ownNonces.has(nonce)) nonce = this.rng.u64();
    this.localNonce = nonce;
    this.ownNonces.add(nonce);
    this.versionSent = true;
    this.send({
      cmd: 'version',
      version: this.protocolVersion,
      services: l.services,
      time: BigInt(Math.floor(this.clock.now() / 1000)),
      magic: this.magic,
      genesis: this.genesis,
      bestHeight: l.bestHeight,
      nonce,
      userAgent: l.userAgent,
      listenUrl: l.listenUrl,
      relay: l.relay,
    });
  }

  /** Sends a ping now (one outstanding at a time); the pong must come within the ping timeout. */
  ping(): void {
    if (this._state !== 'ready' || this.pingNonce !== undefined) return;
    this.pingNonce = this.rng.u64();
    this.pingSentAt = this.clock.now();
    this.armPingTimer(this.pingSentAt);
    this.send({ cmd: 'ping', nonce: this.pingNonce });
  }

  private armPingTimer(since: number): void {
    const due = since + this.pingTimeoutMs;
    this.pingTimer = this.clock.setTimeout(() => this.pingDue(since, due), this.pingTimeoutMs);
  }

  /**
   * The pong is late: messages (or bytes of one still arriving, which the pong may be
   * queued behind) that came since `since` prove the peer alive (wait again);
   * so does our own stall: a timer firing more than PING_STALL_SLACK_MS after it was due
   * means this event loop was busy, and timers run before pending input is read, so the
   * pong may be sitting unread in our socket (wait again, now that we read again). None
   * of these, and the peer is gone.
   */
  private pingDue(since: number, due: number, recheck = true): void {
    this.pingTimer = undefined;
    if (this._state !== 'ready' || this.pingNonce === undefined) return;
    const now = this.clock.now();
    if (this.lastTraffic > since || (this.conn.lastReceivedAt ?? 0) > since || now - due > PING_STALL_SLACK_MS) {
      this.armPingTimer(now);
      return;
    }
    if (recheck) {
      // Judge only once the input already waiting has been read: a 0 ms timer runs after
      // the event loop's next poll for input, so a pong (or any byte) that reached our
      // socket while this loop was busy — less than PING_STALL_SLACK_MS late, on a
      // starved machine — is seen first. Under test:stress the victim dropped attackers
      // that had answered, their pongs unread behind its own work.
      this.pingTimer = this.clock.setTimeout(() => this.pingDue(since, due, false), 0);
      return;
    }
    this.close('ping timeout');
  }

  // ------------------------------------------------------------------ scoring

  /** Adds to the misbehaviour score; at the threshold emits 'ban' (once) and disconnects. */
  misbehave(score: number, reason: string): void {
    if (!(score >= 0)) return;
    this._score += score;
    const ev: MisbehaviourEvent = { score, total: this._score, reason };
    this.log.warn({ peer: this.remote, id: this.id, ...ev }, 'peer misbehaved');
    this.emit('misbehave', ev);
    if (!this.banned && this._score >= this.banThreshold) {
      this.banned = true;
      this.emit('ban', ev);
      this.close(`banned: ${reason}`);
    }
  }

  // ------------------------------------------------------------------ receiving

  private count(cmd: string, n: number): void {
    this.stats.bytesRecv[cmd] = (this.stats.bytesRecv[cmd] ?? 0) + n;
    this.stats.msgsRecv[cmd] = (this.stats.msgsRecv[cmd] ?? 0) + 1;
  }

  private onData(data: Uint8Array): void {
    if (this._state === 'closed') return;
    this.lastRecv = this.clock.now();
    // Rate limits run before decoding, so a flood costs us as little as possible.
    const bytesOk = this.bytesBucket.take(data.length);
    const msgsOk = this.msgsBucket.take(1);
    if (!bytesOk || !msgsOk) {
      this.count('*ratelimited*', data.length);
      this.misbehave(Score.RATE_LIMIT, bytesOk ? 'message rate limit exceeded' : 'byte rate limit exceeded');
      return;
    }
    if (this._state === 'ready' && (this.rawHandlers.size > 0 || this.prechecks.size > 0) && this.takeRaw(data)) return;
    let msg: Message;
    try {
      msg = decodeMessage(this.magic, data);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.onBadFrame(data, e);
      return;
    }
    this.count(msg.cmd, data.length);
    if (this._state === 'handshake') this.onHandshakeMessage(msg);
    else this.onReadyMessage(msg);
  }

  /** True when a raw handler took the frame. */
  private takeRaw(data: Uint8Array): boolean {
    let cmd: string;
    let length: number;
    try {
      ({ command: cmd, length } = decodeFrameHeader(this.magic, data));
    } catch {
      return false; // decodeMessage reports it
    }
    if (!isCommand(cmd) || length > maxPayload(cmd)) return false;
    const fn = this.rawHandlers.get(cmd);
    const pre = this.prechecks.get(cmd);
    if (!fn && !pre) return false;
    // Proof of life for the ping timeout, as any decoded message is (a pong may be queued behind it).
    this.lastTraffic = this.clock.now();
    if (fn) {
      this.count(cmd, data.length);
      this.call([fn as Handler<never[]>], [data.subarray(FRAME_HEADER_SIZE)], cmd);
      return true;
    }
    let pass = true;
    try {
      pass = pre!(data.subarray(FRAME_HEADER_SIZE));
    } catch (e) {
      this.log.error({ peer: this.remote, event: cmd, err: e }, 'peer precheck threw');
    }
    if (pass) return false;
    this.count(cmd, data.length);
    return true;
  }

  private onBadFrame(data: Uint8Array, e: DecodeError): void {
    let cmd = '*invalid*';
    try {
      cmd = decodeFrameHeader(this.magic, data).command;
    } catch {
      // keep the placeholder
    }
    this.count(cmd, data.length);
    if (e.code === 'bad-magic') {
      this.close(`wrong network: ${e.message}`);
      return;
    }
    if (this._state === 'handshake') {
      this.misbehave(Score.PRE_HANDSHAKE, `invalid message before handshake: ${e.message}`);
      this.close(`invalid message before handshake (${e.code})`);
      return;
    }
    if (e.code === 'unknown-command') this.misbehave(Score.UNKNOWN_COMMAND, e.message);
    else this.misbehave(Score.MALFORMED, `malformed ${cmd}: ${e.message}`);
  }

  private onHandshakeMessage(msg: Message): void {
    if (msg.cmd === 'version') {
      this.onVersion(msg);
    } else if (msg.cmd === 'verack' && this._remoteVersion) {
      if (this.verackReceived) {
        this.misbehave(Score.DUPLICATE_HANDSHAKE, 'duplicate verack');
        return;
      }
      this.verackReceived = true;
      this.maybeReady();
    } else {
      this.misbehave(Score.PRE_HANDSHAKE, `${msg.cmd} before handshake`);
      this.close(`${msg.cmd} before handshake`);
    }
  }

  private onVersion(v: VersionMessage): void {
    if (this._remoteVersion) {
      this.misbehave(Score.DUPLICATE_HANDSHAKE, 'duplicate version');
      return;
    }
    if (v.magic >>> 0 !== this.magic) {
      this.close(`wrong network: magic ${v.magic.toString(16)} in version`);
      return;
    }
    if (!equalBytes(v.genesis, this.genesis)) {
      this.close(`wrong genesis ${hashToHex(v.genesis)}`);
      return;
    }
    if (this.ownNonces.has(v.nonce)) {
      this.close('connected to self');
      return;
    }
    if (v.version < this.minProtocolVersion) {
      this.close(`obsolete protocol version ${v.version}`);
      return;
    }
    this._remoteVersion = v;
    this.log.debug({ peer: this.remote, version: v.version, userAgent: v.userAgent, bestHeight: v.bestHeight, nonce: v.nonce.toString(16) }, 'peer version');
    if (!this.versionSent) this.sendVersion();
    this.send({ cmd: 'verack' });
    this.maybeReady();
  }

  private maybeReady(): void {
    if (this._state !== 'handshake' || !this._remoteVersion || !this.verackReceived || !this.versionSent) return;
    this._state = 'ready';
    if (this.handshakeTimer !== undefined) this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    // Our nonce only guards against self-connection while the handshake is open.
    if (this.localNonce !== undefined) this.ownNonces.delete(this.localNonce);
    this.scheduleTick();
    // Only now may the peer send large frames (see WsTransport's pre-handshake limits).
    this.conn.handshakeDone?.();
    this.log.info({ peer: this.remote, id: this.id, inbound: this.inbound, userAgent: this._remoteVersion.userAgent }, 'peer connected');
    this.emit('ready');
  }

  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => this.tick(), this.pingIntervalMs);
  }

  private tick(): void {
    this.tickTimer = undefined;
    if (this._state !== 'ready') return;
    if (this.clock.now() - this.lastRecv >= this.idleTimeoutMs) {
      this.close('inactivity timeout');
      return;
    }
    this.ping();
    if (this._state === 'ready') this.scheduleTick();
  }

  private onReadyMessage(msg: Message): void {
    if (msg.cmd !== 'pong') this.lastTraffic = this.clock.now();
    switch (msg.cmd) {
      case 'version':
      case 'verack':
        this.misbehave(Score.DUPLICATE_HANDSHAKE, `duplicate ${msg.cmd}`);
        return;
      case 'ping':
        this.send({ cmd: 'pong', nonce: msg.nonce });
        return;
      case 'pong':
        if (this.pingNonce !== undefined && msg.nonce === this.pingNonce) {
          this._pingRtt = this.clock.now() - this.pingSentAt;
          this.pingNonce = undefined;
          if (this.pingTimer !== undefined) this.clock.clearTimeout(this.pingTimer);
          this.pingTimer = undefined;
        }
        return;
      default:
        this.emit('message', msg);
        if (this._state === 'closed') return;
        this.call(this.cmdHandlers.get(msg.cmd), [msg], msg.cmd);
    }
  }
}

function addHandler<K>(map: Map<K, Handler<never[]>[]>, key: K, cb: unknown): () => void {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  list.push(cb as Handler<never[]>);
  return () => {
    const l = map.get(key);
    const i = l ? l.indexOf(cb as Handler<never[]>) : -1;
    if (l && i >= 0) l.splice(i, 1);
  };
}
