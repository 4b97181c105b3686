// Shared fixtures for the p2p tests: two Peers over an in-process network on a manual
// clock, and a hand-driven remote for tests that need a misbehaving counterpart.
import { ManualClock, seededRng, type Rng } from '../../src/primitives/index.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/p2p/messages/index.js';
import { Peer, type PeerOptions } from '../../src/p2p/peer.js';
import { MemoryNetwork, type Connection } from '../../src/p2p/transport.js';

export const MAGIC = 0xcafe0001;
export const GENESIS = new Uint8Array(32).fill(7);

export function localInfo(url = '') {
  return () => ({ services: 1n, bestHeight: 5, userAgent: '/cairn-test:0.1/', listenUrl: url, relay: true });
}

export interface Recorder {
  events: string[];
  messages: Message[];
  closed?: string;
  bans: string[];
  scores: number[];
}

export function record(p: Peer): Recorder {
  const r: Recorder = { events: [], messages: [], bans: [], scores: [] };
  p.on('ready', () => r.events.push('ready'));
  p.on('message', (m) => r.messages.push(m));
  p.on('close', (reason) => {
    r.events.push('close');
    r.closed = reason;
  });
  p.on('ban', (e) => r.bans.push(e.reason));
  p.on('misbehave', (e) => r.scores.push(e.score));
  return r;
}

export function peerOn(conn: Connection, clock: ManualClock, rng: Rng, over: Partial<PeerOptions> = {}): Peer {
  return new Peer({
    conn,
    magic: MAGIC,
    genesis: GENESIS,
    clock,
    rng,
    ownNonces: new Set(),
    local: localInfo(),
    handshakeTimeoutMs: 5_000,
    pingIntervalMs: 60_000,
    pingTimeoutMs: 20_000,
    ...over,
  });
}

export function setup(aOver: Partial<PeerOptions> = {}, bOver: Partial<PeerOptions> = {}, latencyMs = 0) {
  const clock = new ManualClock(1_700_000_000_000);
  const net = new MemoryNetwork({ clock, latencyMs });
  const [ca, cb] = net.pair('a', 'b');
  const rng = seededRng(1);
  const a = peerOn(ca, clock, rng, aOver);
  const b = peerOn(cb, clock, rng, bOver);
  const ra = record(a);
  const rb = record(b);
  return { clock, net, a, b, ra, rb, flush: () => clock.advance(0) };
}

/**
 * The far end of a connection driven by the test: it decodes what it receives and can
 * complete the handshake, answer pings or stay silent.
 */
export class FakeRemote {
  received: Message[] = [];
  answerPings = true;
  closed?: string;

  constructor(
    readonly conn: Connection,
    readonly magic = MAGIC,
    readonly genesis = GENESIS,
  ) {
    conn.onMessage((d) => {
      const m = decodeMessage(this.magic, d);
      this.received.push(m);
      if (m.cmd === 'ping' && this.answerPings) this.send({ cmd: 'pong', nonce: m.nonce });
    });
    conn.onClose((r) => (this.closed = r));
  }

  send(m: Message): void {
    this.conn.send(encodeMessage(this.magic, m));
  }

  sendRaw(b: Uint8Array): void {
    this.conn.send(b);
  }

  version(nonce = 99n): void {
    this.send({
      cmd: 'version',
      version: 1,
      services: 0n,
      time: 0n,
      magic: this.magic,
      genesis: this.genesis,
      bestHeight: 0,
      nonce,
      userAgent: 'fake',
      listenUrl: '',
      relay: true,
    });
  }

  handshake(): void {
    this.version();
    this.send({ cmd: 'verack' });
  }
}
