// A wiretap for tests: a TCP proxy (node:net) between a dialling node and a listening
// one that records every byte in both directions and understands just enough of
// WebSocket framing (RFC 6455 §5.2) to record each frame's unmasked payload and to act as
// an active attacker on whole frames: flip a byte, send one twice, cut one short. Client
// frames are masked on the wire, so searching the raw bytes alone would miss plaintext
// going that way; the unmasked payloads are what the transport actually carried.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'up' | 'down'; // up: dialler → listener; down: listener → dialler

export interface WsFrame {
  fin: boolean;
  /** RSV bits and opcode, as in the first header byte's low 7 bits */
  bits: number;
  opcode: number;
  mask: Uint8Array | null;
  /** unmasked */
  payload: Uint8Array;
}

/** Returns the frames to forward in place of `f` (none, the same, or others). */
export type FrameHook = (dir: Direction, f: WsFrame, index: number, conn: TapConn) => WsFrame[];

export interface TapConn {
  readonly raw: Record<Direction, Buffer[]>;
  /** unmasked payloads of data frames, in order (index 0 down is Noise msg2 on a secure link) */
  readonly payloads: Record<Direction, Uint8Array[]>;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

export function encodeFrame(f: WsFrame): Buffer {
  const n = f.payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (f.mask ? 4 : 0));
  head[0] = (f.fin ? 0x80 : 0) | f.bits;
  head[1] = (f.mask ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(n, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(n), 2);
  const body = Buffer.from(f.payload);
  if (f.mask) {
    head.set(f.mask, 2 + ext);
    for (let i = 0; i < n; i++) body[i]! ^= f.mask[i & 3]!;
  }
  return Buffer.concat([head, body]);
}

/** Parses whole frames off the front of buf; returns them and the bytes consumed. */
function parseFrames(buf: Buffer): { frames: WsFrame[]; used: number } {
  const frames: WsFrame[] = [];
  let o = 0;
  for (;;) {
    if (buf.length - o < 2) break;
    const b0 = buf[o]!;
    const b1 = buf[o + 1]!;
    let n = b1 & 0x7f;
    let p = o + 2;
    if (n === 126) {
      if (buf.length < p + 2) break;
      n = buf.readUInt16BE(p);
      p += 2;
    } else if (n === 127) {
      if (buf.length < p + 8) break;
      n = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (buf.length < p + (masked ? 4 : 0) + n) break;
    const mask = masked ? Uint8Array.from(buf.subarray(p, p + 4)) : null;
    if (masked) p += 4;
    const payload = Uint8Array.from(buf.subarray(p, p + n));
    if (mask) for (let i = 0; i < n; i++) payload[i]! ^= mask[i & 3]!;
    frames.push({ fin: (b0 & 0x80) !== 0, bits: b0 & 0x7f, opcode: b0 & 0x0f, mask, payload });
    o = p + n;
  }
  return { frames, used: o };
}

export class WireTap {
  readonly conns: TapConn[] = [];
  /** when false, new connections are cut at once (the dialler sees a failed dial) */
  accepting = true;
  hook: FrameHook | null = null;
  /** the proxy's port on 127.0.0.1, once listening */
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.onClient(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  private onClient(client: Socket): void {
    if (!this.accepting) {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.target);
    this.sockets.add(client);
    this.sockets.add(upstream);
    let closedResolve!: () => void;
    let closed = false;
    const conn: TapConn = {
      raw: { up: [], down: [] },
      payloads: { up: [], down: [] },
      closed: new Promise<void>((r) => (closedResolve = r)),
      isClosed: () => closed,
    };
    this.conns.push(conn);
    const pump = (dir: Direction, from: Socket, to: Socket): void => {
      let buf = Buffer.alloc(0);
      let inHttp = true;
      let index = 0;
      from.on('data', (d: Buffer) => {
        conn.raw[dir].push(Buffer.from(d));
        buf = Buffer.concat([buf, d]);
        if (inHttp) {
          // The upgrade request and response pass through untouched.
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          to.write(buf.subarray(0, end + 4));
          buf = buf.subarray(end + 4);
          inHttp = false;
        }
        const { frames, used } = parseFrames(buf);
        buf = buf.subarray(used);
        for (const f of frames) {
          if (f.opcode < 8) conn.payloads[dir].push(f.payload); // data, not WebSocket control frames
          const out = f.opcode === 2 && this.hook ? this.hook(dir, f, index++, conn) : [f];
          for (const g of out) to.write(encodeFrame(g));
        }
      });
    };
    pump('up', client, upstream);
    pump('down', upstream, client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      if (!closed) {
        closed = true;
        closedResolve();
      }
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  }

  /** Every recorded byte string: raw TCP in both directions and every unmasked payload. */
  captures(): Buffer[] {
    return this.conns.flatMap((c) => [Buffer.concat(c.raw.up), Buffer.concat(c.raw.down), ...[...c.payloads.up, ...c.payloads.down].map((p) => Buffer.from(p))]);
  }

  /** Whether any capture contains needle. */
  contains(needle: Uint8Array): boolean {
    return this.captures().some((c) => c.indexOf(Buffer.from(needle)) >= 0);
  }

  totalBytes(): number {
    return this.conns.reduce((a, c) => a + c.raw.up.reduce((x, b) => x + b.length, 0) + c.raw.down.reduce((x, b) => x + b.length, 0), 0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
