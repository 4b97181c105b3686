// A hand-driven peer speaking Cairn's plaintext wire protocol over a raw WebSocket, for
// tests that play a (misbehaving or scripted) counterpart to a real P2PNode on loopback.
// It decodes every frame into `received`, answers pings, optionally answers getheaders
// with an empty headers message, and sends whole messages or raw bytes. `handshake()`
// sends version+verack and waits for the messages that show the node completed its side.
import { WebSocket } from 'ws';
import { decodeMessage, encodeMessage, MAX_MESSAGE_SIZE, type Message } from '../../src/p2p/messages/index.js';
import { params, waitFor } from './netnode.js';

export interface RawClientOptions {
  /** The version message's user agent (default '/raw/'). */
  userAgent?: string;
  /** The version message's best height (default 0). */
  bestHeight?: number;
  /** The listen URL we announce (default ws://127.0.0.1:<a port unique in this test file>). */
  listenUrl?: string;
  /** The version nonce (default derived from the port, so unique in this test file). */
  nonce?: bigint;
  /** Answer each getheaders with an empty headers message (default false). */
  answerGetheaders?: boolean;
  /** Commands to wait for, in turn, before handshake() returns (default ['getheaders']). */
  handshakeDone?: readonly Message['cmd'][];
  /** Deadline of each wait in handshake() and next() (default: waitFor's own). */
  waitMs?: number;
  /** Skip frames that do not decode instead of throwing (default false: they fail the test). */
  tolerateBadFrames?: boolean;
}

let nextPort = 1;

export class RawClient {
  readonly ws: WebSocket;
  readonly received: Message[] = [];
  /** Set when the connection closes, with the close code and reason the node gave. */
  closed: { code: number; reason: string } | undefined;
  readonly listenUrl: string;
  protected readonly opts: RawClientOptions;
  private readonly port: number;
  private readonly opened: Promise<void>;

  constructor(url: string, opts: RawClientOptions = {}) {
    this.opts = opts;
    this.port = nextPort++;
    this.listenUrl = opts.listenUrl ?? `ws://127.0.0.1:${this.port}`;
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: MAX_MESSAGE_SIZE * 2 });
    this.opened = new Promise((res, rej) => {
      this.ws.once('open', () => res());
      this.ws.once('error', rej);
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (d: Buffer) => {
      let m: Message;
      try {
        m = decodeMessage(params.magic, new Uint8Array(d));
      } catch (e) {
        if (opts.tolerateBadFrames) return;
        throw e;
      }
      this.received.push(m);
      if (m.cmd === 'ping') this.send({ cmd: 'pong', nonce: m.nonce });
      if (m.cmd === 'getheaders' && opts.answerGetheaders) this.send({ cmd: 'headers', headers: [] });
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  open(): Promise<void> {
    return this.opened;
  }

  raw(b: Uint8Array): void {
    this.ws.send(b, { binary: true });
  }

  send(m: Message): void {
    this.raw(encodeMessage(params.magic, m));
  }

  async handshake(): Promise<void> {
    await this.open();
    this.send({
      cmd: 'version',
      version: 1,
      services: 0n,
      time: BigInt(Math.floor(Date.now() / 1000)),
      magic: params.magic,
      genesis: params.genesisHash,
      bestHeight: this.opts.bestHeight ?? 0,
      nonce: this.opts.nonce ?? BigInt(this.port) * 7919n,
      userAgent: this.opts.userAgent ?? '/raw/',
      listenUrl: this.listenUrl,
      relay: true,
    });
    this.send({ cmd: 'verack' });
    for (const cmd of this.opts.handshakeDone ?? ['getheaders']) {
      await waitFor(() => this.received.some((m) => m.cmd === cmd), `${cmd} from the node`, this.opts.waitMs);
    }
  }

  got(cmd: string): Message[] {
    return this.received.filter((m) => m.cmd === cmd);
  }
}
