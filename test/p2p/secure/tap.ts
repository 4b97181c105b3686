// Test-only plumbing for the secure layer: a wiretap that records every raw frame a
// connection carries and can rewrite what one side receives (an active attacker), and a
// Transport wrapper that taps every connection it makes.
import type { Connection, Listener, Transport } from '../../../src/p2p/transport.js';

/** Returns the frames to deliver in place of the one received (none, the same, or others). */
export type Rewrite = (frame: Uint8Array, index: number) => Uint8Array[];

export class TapConnection implements Connection {
  readonly sent: Uint8Array[] = [];
  readonly received: Uint8Array[] = [];
  rewrite: Rewrite | null = null;
  private readonly cbs: ((d: Uint8Array) => void)[] = [];

  constructor(readonly inner: Connection) {
    inner.onMessage((d) => {
      const i = this.received.length;
      this.received.push(d.slice());
      const out = this.rewrite ? this.rewrite(d, i) : [d];
      for (const f of out) for (const cb of this.cbs) cb(f);
    });
  }
  get remote(): string {
    return this.inner.remote;
  }
  get inbound(): boolean {
    return this.inner.inbound;
  }
  send(data: Uint8Array): void {
    this.sent.push(data.slice());
    this.inner.send(data);
  }
  close(reason: string): void {
    this.inner.close(reason);
  }
  handshakeDone(): void {
    this.inner.handshakeDone?.();
  }
  onMessage(cb: (data: Uint8Array) => void): void {
    this.cbs.push(cb);
  }
  onClose(cb: (reason: string) => void): void {
    this.inner.onClose(cb);
  }
}

/** Taps every connection of a transport, both listened and dialled. */
export class TapTransport implements Transport {
  readonly taps: TapConnection[] = [];
  constructor(private readonly inner: Transport) {}
  listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    return this.inner.listen(port, host, (c) => {
      const t = new TapConnection(c);
      this.taps.push(t);
      onConnection(t);
    });
  }
  async dial(url: string): Promise<Connection> {
    const t = new TapConnection(await this.inner.dial(url));
    this.taps.push(t);
    return t;
  }
  /** Every frame seen on any tapped connection, in either direction. */
  allFrames(): Uint8Array[] {
    return this.taps.flatMap((t) => [...t.sent, ...t.received]);
  }
}

export function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  outer: for (let i = hay.indexOf(first!); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Polls until cond holds; fails loudly (after about 10 s) rather than hanging. */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise((r) => (i < 1000 ? setImmediate(r) : setTimeout(r, 10)));
  }
  throw new Error(`timed out waiting for ${what}`);
}
