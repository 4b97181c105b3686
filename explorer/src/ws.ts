// Live events from cairnd's /api/ws. The connection is re-opened with backoff when it
// drops (the node restarted, the laptop slept), subscriptions are re-sent on reconnect,
// and listeners are told the connection state so the page can say "live" or "offline".
// Timers come from the injected scheduler so the reconnect logic can be driven in tests.
import type { BlockInfo, MempoolInfo, RecentTx } from './api.js';

export type LiveEvent =
  | { type: 'block'; block: BlockInfo }
  | { type: 'reorg'; old_tip: string; new_tip: string; depth: number }
  | { type: 'tx'; tx: RecentTx }
  | { type: 'mempool'; mempool: MempoolInfo };

export type LiveState = 'connecting' | 'live' | 'offline';
type Listener = (ev: LiveEvent) => void;

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
  readonly readyState: number;
}

export interface LiveOptions {
  url: string;
  open?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

const OPEN = 1;

export class LiveFeed {
  private sock: SocketLike | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(s: LiveState) => void>();
  private readonly subs = new Map<string, number>();
  private retryMs = 500;
  private timer: unknown = null;
  private stopped = false;
  state: LiveState = 'connecting';

  constructor(private readonly opts: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) (this.opts.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = null;
    this.sock?.close();
    this.sock = null;
  }

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  /** Ask the node for this address's events; counted so two pages can share one. */
  subscribeAddress(address: string): () => void {
    this.subs.set(address, (this.subs.get(address) ?? 0) + 1);
    this.sendSub(address);
    return () => {
      const n = (this.subs.get(address) ?? 1) - 1;
      if (n <= 0) this.subs.delete(address);
      else this.subs.set(address, n);
    };
  }

  private sendSub(address: string): void {
    if (this.sock && this.sock.readyState === OPEN) this.sock.send(JSON.stringify({ subscribe: 'address', address }));
  }

  private setState(s: LiveState): void {
    if (s === this.state) return;
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState('connecting');
    const open = this.opts.open ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let sock: SocketLike;
    try {
      sock = open(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.sock = sock;
    sock.onopen = () => {
      this.retryMs = 500;
      this.setState('live');
      for (const a of this.subs.keys()) this.sendSub(a);
    };
    sock.onmessage = (ev) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return; // a garbled frame is dropped; the next event carries fresh state anyway
      }
      if (!isLiveEvent(msg)) return;
      for (const fn of [...this.listeners]) {
        try {
          fn(msg);
        } catch (e) {
          // one broken page must not stop the others from updating
          console.warn('live listener failed', e);
        }
      }
    };
    sock.onerror = () => {
      /* onclose follows and schedules the retry */
    };
    sock.onclose = () => {
      if (this.sock !== sock) return;
      this.sock = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setState('offline');
    const set = this.opts.setTimer ?? setTimeout;
    this.timer = set(() => {
      this.timer = null;
      this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }
}

export function isLiveEvent(m: unknown): m is LiveEvent {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  const o = m as Record<string, unknown>;
  switch (t) {
    case 'block':
      return typeof o.block === 'object' && o.block !== null && typeof (o.block as BlockInfo).id === 'string';
    case 'reorg':
      return typeof o.new_tip === 'string';
    case 'tx':
      return typeof o.tx === 'object' && o.tx !== null && typeof (o.tx as RecentTx).txid === 'string';
    case 'mempool':
      return typeof o.mempool === 'object' && o.mempool !== null;
    default:
      return false;
  }
}
