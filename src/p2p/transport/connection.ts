// The transport contract: a Transport listens and dials; a Connection moves whole binary
// messages between two nodes and knows nothing of commands. A Connection delivers each
// received message exactly once, in order, and reports its end exactly once (onClose)
// whoever ended it. Messages that arrive before the owner's first onMessage (a dialled
// WebSocket can receive the listener's first frame in the same read as the upgrade
// answer, before the dial's promise has resumed its caller) are held and delivered to
// the first handler, in order, on a microtask. Peers are addressed by URL: outbound connections carry the dialled
// URL as `remote`; inbound ones carry the caller's address as a URL with its (ephemeral)
// port, so hostOf(remote) is what bans key on. Every transport (WebSocket, in-memory,
// fault injection, Noise, a simulator's) implements these three interfaces; BaseConnection
// is the shared bookkeeping of this package's own connections.

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
export abstract class BaseConnection implements Connection {
  private readonly msgCbs: ((d: Uint8Array) => void)[] = [];
  private readonly closeCbs: ((r: string) => void)[] = [];
  /** messages delivered before the first onMessage, until that handler has them; null after */
  private early: Uint8Array[] | null = [];
  private flushing = false;
  protected closed = false;
  closeReason: string | undefined;

  constructor(
    readonly remote: string,
    readonly inbound: boolean,
  ) {}

  abstract send(data: Uint8Array): void;
  abstract close(reason: string): void;

  /**
   * The first handler receives what arrived before it, on a microtask so its caller
   * finishes its setup (onClose, state) first; anything arriving meanwhile queues behind.
   * When nothing arrived before it, delivery stays synchronous from the start (worlds
   * driven by a manual clock rely on that).
   */
  onMessage(cb: (data: Uint8Array) => void): void {
    this.msgCbs.push(cb);
    if (!this.early || this.flushing) return;
    if (this.early.length === 0) {
      this.early = null;
      return;
    }
    this.flushing = true;
    queueMicrotask(() => {
      const early = this.early;
      this.early = null;
      for (const d of early ?? []) this.deliver(d);
    });
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
    if (this.early) {
      this.early.push(data);
      return;
    }
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

  /** Marks closed and notifies once; returns false if it was already closed. Held messages are dropped. */
  protected finish(reason: string): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.closeReason = reason;
    this.early = null;
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
