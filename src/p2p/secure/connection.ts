// secureConnection(): runs Noise_XX_secp256k1_ChaChaPoly_SHA256 over any Connection and
// returns a Connection of the same shape whose messages are plaintext to its user and
// ciphertext on the wire. See docs/protocol.md, "Transport encryption", for the wire
// format; in short:
//
//   msg1  I→R  mode(1) || e(33)                    mode 1 = encrypted only,
//                                                  mode 2 = plaintext acceptable
//   msg2  R→I  0x01 || e(33) || enc s(49) || tag(16)   or  0x00 = "plaintext, then"
//   msg3  I→R  enc s(49) || tag(16)
//   data       seq u64le || len u32le || ChaChaPoly(k, seq, ad = those 12 bytes, msg)
//
// Invariants: the user's handler never sees a frame that failed any check; the first
// failure closes the connection with a reason, counts it in SecureStats and logs it once;
// nothing is delivered before the handshake is complete, and never after close.
//
// Why this file is long: SecureConn is one state machine (the handshake under its
// pre-authentication limits, then framed encryption with rekeying) whose states share
// buffers and timers; split by state, that private state would have to cross files.
import type { Clock, Rng, TimerHandle } from '../../primitives/index.js';
import { bytesToHex, silentLogger, systemClock } from '../../primitives/index.js';
import type { Connection } from '../transport.js';
import { type IdentityKey, parseIdentity } from './identity.js';
import { type Aead, type CipherState, HandshakeState, NoiseError, TAGLEN, XX, generateKeyPair, nodeAead } from './noise.js';

/** Messages per key: each direction runs Noise's REKEY() before every 1000th message. */
export const REKEY_INTERVAL = 1000;
/** Bytes the secure layer adds to every transport message. */
export const SECURE_OVERHEAD = 12 + TAGLEN;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const MODE_PLAINTEXT_ACCEPT = 0x00;
const MODE_ENCRYPTED = 0x01;
const MODE_PLAINTEXT_OK = 0x02;
const PROLOGUE_TAG = 'cairn/noise-xx/1';
const MSG1_LEN = 1 + 33;
const MSG2_LEN = 1 + 33 + 33 + TAGLEN + TAGLEN;
const MSG3_LEN = 33 + TAGLEN + TAGLEN;

export const SECURE_FAILURE_REASONS = [
  /** a transport frame failed authentication (a flipped bit anywhere in it) */
  'tampered',
  /** a frame carried an already-used sequence number */
  'replay',
  /** a frame arrived ahead of its turn (reordered, or an earlier one was lost) */
  'reorder',
  /** a frame shorter than its own length field says */
  'truncated',
  /** a frame too short to hold a header, or longer than its length field says */
  'malformed',
  /** a handshake message of the wrong size or mode, a bad key or a bad tag */
  'handshake',
  'timeout',
  /** a pinned peer presented a different identity */
  'identity-mismatch',
  /** an inbound peer not on the allow-list */
  'not-allowed',
  /** an identity the node refuses (banned) */
  'refused',
  /** one side wanted plaintext, the other requires encryption */
  'plaintext-refused',
] as const;
export type SecureFailureReason = (typeof SECURE_FAILURE_REASONS)[number];

/** Counters the node exports as secure_failures_total{reason} and secure_handshakes_total{mode}. */
export class SecureStats {
  readonly failures: Record<SecureFailureReason, number>;
  readonly handshakes = { encrypted: 0, plaintext: 0 };

  constructor() {
    this.failures = Object.fromEntries(SECURE_FAILURE_REASONS.map((r) => [r, 0])) as Record<SecureFailureReason, number>;
  }

  totalFailures(): number {
    return Object.values(this.failures).reduce((a, b) => a + b, 0);
  }
}

export class SecureError extends Error {
  readonly code: SecureFailureReason;
  constructor(code: SecureFailureReason, message: string) {
    super(message);
    this.name = 'SecureError';
    this.code = code;
  }
}

/** A pino logger satisfies this. */
export interface SecureLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SecureOptions {
  identity: IdentityKey;
  /** source of ephemeral keys: cryptoRng in production */
  rng: Rng;
  clock?: Clock;
  handshakeTimeoutMs?: number;
  /** outbound only: the identity the dialled peer must present */
  expectedIdentity?: string;
  /** inbound only: when set, only these identities may connect */
  allowPeers?: ReadonlySet<string>;
  /** returns a reason to refuse an authenticated identity (e.g. banned), or undefined */
  refuseIdentity?: (identity: string) => string | undefined;
  /** compatibility: plaintext when, and only when, both sides set this */
  allowPlaintext?: boolean;
  /**
   * Mixed into the handshake so that nodes of different networks cannot complete it;
   * e.g. the network name.
   */
  context?: string;
  stats?: SecureStats;
  log?: SecureLogger;
  aead?: Aead;
}

export interface SecureConnection extends Connection {
  /** both ends show the same value: the first 8 bytes of the handshake hash, in hex */
  readonly sessionId: string;
  /** the peer's authenticated identity; null on a plaintext connection */
  readonly remoteIdentity: string | null;
  readonly encrypted: boolean;
}

type Phase = 'msg1' | 'msg2' | 'msg3' | 'open' | 'plain' | 'closed';

class SecureConn implements SecureConnection {
  readonly remote: string;
  readonly inbound: boolean;
  sessionId = '';
  remoteIdentity: string | null = null;

  private phase: Phase;
  private hs: HandshakeState | null = null;
  private sendCipher: CipherState | null = null;
  private recvCipher: CipherState | null = null;
  private readonly msgCbs: ((d: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((r: string) => void)[] = [];
  /** plaintext delivered before anyone listened: held until the first onMessage */
  private early: Uint8Array[] | null = [];
  private flushing = false;
  private closeReason: string | undefined;
  private timer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly log: SecureLogger;
  private readonly offeredPlaintext: boolean;
  private settle: { resolve: (c: SecureConnection) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly inner: Connection,
    private readonly o: SecureOptions,
  ) {
    this.remote = inner.remote;
    this.inbound = inner.inbound;
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger;
    // A pinned identity can only be checked by the handshake, so pinning rules out plaintext.
    this.offeredPlaintext = !this.inbound && !!o.allowPlaintext && o.expectedIdentity === undefined;
    this.phase = this.inbound ? 'msg1' : 'msg2';
  }

  get encrypted(): boolean {
    return this.phase !== 'plain';
  }

  get lastReceivedAt(): number | undefined {
    return this.inner.lastReceivedAt;
  }

  get bufferedAmount(): number | undefined {
    return this.inner.bufferedAmount;
  }

  start(): Promise<SecureConnection> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.inner.onMessage((d) => this.onFrame(d));
      this.inner.onClose((r) => this.onInnerClose(r));
      this.timer = this.clock.setTimeout(
        () => this.fail('timeout', `handshake not finished within ${this.o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS} ms`),
        this.o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      );
      if (!this.inbound) {
        try {
          const mode = this.offeredPlaintext ? MODE_PLAINTEXT_OK : MODE_ENCRYPTED;
          this.hs = this.newHandshake(true, mode);
          this.inner.send(concat(Uint8Array.of(mode), this.hs.writeMessage()));
        } catch (e) {
          this.fail('handshake', (e as Error).message);
        }
      }
    });
  }

  private newHandshake(initiator: boolean, mode: number): HandshakeState {
    // The prologue binds the protocol version, the network and the mode byte (which
    // travels in clear) into the handshake hash, so tampering with any of them fails it.
    const prologue = new TextEncoder().encode(`${PROLOGUE_TAG}\0${this.o.context ?? ''}\0${mode}`);
    return new HandshakeState({
      pattern: XX,
      initiator,
      prologue,
      s: this.o.identity.keyPair,
      ephemeral: () => generateKeyPair(this.o.rng),
      aead: this.o.aead ?? nodeAead,
    });
  }

  // ---------------------------------------------------------------- receiving

  private onFrame(f: Uint8Array): void {
    try {
      switch (this.phase) {
        case 'open':
          this.onData(f);
          return;
        case 'plain':
          this.deliver(f);
          return;
        case 'msg1':
          this.onMsg1(f);
          return;
        case 'msg2':
          this.onMsg2(f);
          return;
        case 'msg3':
          this.onMsg3(f);
          return;
        case 'closed':
          return;
      }
    } catch (e) {
      if (e instanceof SecureError) this.fail(e.code, e.message);
      else if (e instanceof NoiseError) this.fail('handshake', `handshake failed: ${e.message}`);
      else this.fail('handshake', `internal error: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private onMsg1(f: Uint8Array): void {
    const mode = f[0];
    if (f.length !== MSG1_LEN || (mode !== MODE_ENCRYPTED && mode !== MODE_PLAINTEXT_OK)) {
      throw new SecureError(
        'handshake',
        `handshake: expected a ${MSG1_LEN}-byte Noise XX opening with mode 1 or 2, got ${f.length} bytes starting 0x${(mode ?? 0).toString(16)} (a peer without transport encryption?)`,
      );
    }
    if (mode === MODE_PLAINTEXT_OK && this.o.allowPlaintext && !this.o.allowPeers) {
      this.inner.send(Uint8Array.of(MODE_PLAINTEXT_ACCEPT));
      this.openPlain();
      return;
    }
    this.hs = this.newHandshake(false, mode);
    this.hs.readMessage(f.subarray(1));
    this.inner.send(concat(Uint8Array.of(MODE_ENCRYPTED), this.hs.writeMessage()));
    this.phase = 'msg3';
  }

  private onMsg2(f: Uint8Array): void {
    if (f.length === 1 && f[0] === MODE_PLAINTEXT_ACCEPT) {
      if (!this.offeredPlaintext) {
        throw new SecureError('plaintext-refused', 'peer answered in plaintext, but this node requires encryption');
      }
      this.openPlain();
      return;
    }
    if (f.length !== MSG2_LEN || f[0] !== MODE_ENCRYPTED) {
      throw new SecureError('handshake', `handshake: expected a ${MSG2_LEN}-byte reply with mode 1, got ${f.length} bytes`);
    }
    const hs = this.hs!;
    hs.readMessage(f.subarray(1));
    const presented = bytesToHex(hs.remoteStatic!);
    // Checked before msg3 so that a wrong peer never learns who we are.
    if (this.o.expectedIdentity !== undefined) {
      const expected = parseIdentity(this.o.expectedIdentity);
      if (presented !== expected) {
        throw new SecureError('identity-mismatch', `IdentityMismatch: expected ${expected}, peer presented ${presented}`);
      }
    }
    this.checkRefused(presented);
    this.inner.send(hs.writeMessage());
    this.openEncrypted(hs);
  }

  private onMsg3(f: Uint8Array): void {
    if (f.length !== MSG3_LEN) {
      throw new SecureError('handshake', `handshake: expected a ${MSG3_LEN}-byte final message, got ${f.length} bytes`);
    }
    const hs = this.hs!;
    hs.readMessage(f);
    const presented = bytesToHex(hs.remoteStatic!);
    if (this.o.allowPeers && !this.o.allowPeers.has(presented)) {
      throw new SecureError('not-allowed', `NotAllowed: peer identity ${presented} is not on the allow-list`);
    }
    this.checkRefused(presented);
    this.openEncrypted(hs);
  }

  private checkRefused(identity: string): void {
    const why = this.o.refuseIdentity?.(identity);
    if (why !== undefined) throw new SecureError('refused', `Refused: identity ${identity}: ${why}`);
  }

  private onData(f: Uint8Array): void {
    const c = this.recvCipher!;
    if (f.length < SECURE_OVERHEAD) {
      throw new SecureError('malformed', `frame of ${f.length} bytes is shorter than the ${SECURE_OVERHEAD}-byte minimum`);
    }
    const view = new DataView(f.buffer, f.byteOffset, 12);
    const seq = view.getBigUint64(0, true);
    const len = view.getUint32(8, true);
    if (seq !== c.n) {
      throw new SecureError(seq < c.n ? 'replay' : 'reorder', `frame ${seq} arrived when ${c.n} was due`);
    }
    const body = f.length - SECURE_OVERHEAD;
    if (body < len) throw new SecureError('truncated', `frame ${seq} holds ${body} of its ${len} bytes`);
    if (body > len) throw new SecureError('malformed', `frame ${seq} has ${body - len} bytes beyond its length`);
    if (c.n > 0n && c.n % BigInt(REKEY_INTERVAL) === 0n) c.rekey();
    let p: Uint8Array;
    try {
      p = c.decryptWithAd(f.subarray(0, 12), f.subarray(12));
    } catch (e) {
      if (e instanceof NoiseError && e.code === 'bad-tag') {
        throw new SecureError('tampered', `frame ${seq} failed authentication`);
      }
      throw e;
    }
    this.deliver(p);
  }

  // ---------------------------------------------------------------- state changes

  private openEncrypted(hs: HandshakeState): void {
    const r = hs.finish();
    this.sendCipher = r.send;
    this.recvCipher = r.recv;
    this.remoteIdentity = bytesToHex(r.remoteStatic);
    this.sessionId = bytesToHex(r.handshakeHash.subarray(0, 8));
    this.hs = null;
    this.phase = 'open';
    if (this.o.stats) this.o.stats.handshakes.encrypted++;
    this.opened();
  }

  private openPlain(): void {
    this.hs = null;
    this.phase = 'plain';
    this.sessionId = 'plaintext';
    if (this.o.stats) this.o.stats.handshakes.plaintext++;
    this.log.warn({ peer: this.remote }, 'peer connection is unencrypted (both sides allow plaintext)');
    this.opened();
  }

  private opened(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.settle;
    this.settle = null;
    s?.resolve(this);
  }

  private fail(reason: SecureFailureReason, detail: string): void {
    if (this.phase === 'closed') return;
    if (this.o.stats) this.o.stats.failures[reason]++;
    this.log.warn({ peer: this.remote, identity: this.remoteIdentity, reason }, `secure connection refused or closed: ${detail}`);
    this.shut(detail, new SecureError(reason, detail));
    this.inner.close(detail);
  }

  private onInnerClose(reason: string): void {
    this.shut(reason, new SecureError('handshake', `connection closed during the handshake: ${reason}`));
  }

  private shut(reason: string, handshakeError: Error): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closeReason = reason;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.sendCipher = null;
    this.recvCipher = null;
    this.hs = null;
    this.early = null;
    const s = this.settle;
    this.settle = null;
    s?.reject(handshakeError);
    for (const cb of this.closeCbs.splice(0)) {
      try {
        cb(reason);
      } catch {
        // nothing more to tear down
      }
    }
  }

  private deliver(p: Uint8Array): void {
    if (this.phase === 'closed') return;
    if (this.early) {
      this.early.push(p);
      return;
    }
    for (const cb of this.msgCbs) {
      try {
        cb(p);
      } catch (e) {
        this.close(`internal error: ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- Connection

  send(data: Uint8Array): void {
    if (this.phase === 'plain') {
      this.inner.send(data);
      return;
    }
    if (this.phase !== 'open') return;
    const c = this.sendCipher!;
    if (c.n > 0n && c.n % BigInt(REKEY_INTERVAL) === 0n) c.rekey();
    const header = new Uint8Array(12);
    const view = new DataView(header.buffer);
    view.setBigUint64(0, c.n, true);
    view.setUint32(8, data.length, true);
    this.inner.send(c.encryptWithAd(header, data, header));
  }

  /** The version handshake on top finished too: the inner transport may lift its pre-handshake limits. */
  handshakeDone(): void {
    if (this.phase === 'open' || this.phase === 'plain') this.inner.handshakeDone?.();
  }

  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.shut(reason, new SecureError('handshake', `closed locally during the handshake: ${reason}`));
    this.inner.close(reason);
  }

  onMessage(cb: (data: Uint8Array) => void): void {
    this.msgCbs.push(cb);
    if (!this.early || this.flushing) return;
    this.flushing = true;
    // Messages that arrived between the handshake and this call go first, on a microtask
    // so the caller finishes its setup; anything arriving meanwhile queues behind them.
    queueMicrotask(() => {
      const early = this.early;
      this.early = null;
      early?.forEach((p) => this.deliver(p));
    });
  }

  onClose(cb: (reason: string) => void): void {
    if (this.phase === 'closed') {
      const r = this.closeReason ?? 'closed';
      queueMicrotask(() => cb(r));
      return;
    }
    this.closeCbs.push(cb);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Runs the handshake over conn (as initiator when conn is outbound) and resolves with the
 * encrypted connection; rejects with SecureError, having closed conn, on any failure.
 */
export function secureConnection(conn: Connection, opts: SecureOptions): Promise<SecureConnection> {
  return new SecureConn(conn, opts).start();
}
