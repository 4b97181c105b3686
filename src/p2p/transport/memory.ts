// MemoryNetwork / MemoryTransport: in-process connection pairs for tests and
// simulations, delivered on setImmediate or, with a Clock, after a fixed latency on its
// timers; frames over maxPayload make the receiving side close, as ws does.
import type { Clock } from '../../primitives/index.js';
import { MAX_MESSAGE_SIZE } from '../messages/index.js';
import { BaseConnection, type Connection, type Listener, type Transport } from './connection.js';

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
