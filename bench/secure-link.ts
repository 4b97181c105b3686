// The transport-only half of the `secure` scenario (issue #11): one WebSocket link on
// loopback, encrypted (SecureTransport) or plaintext, used as a node uses its transport,
// carrying real blocks that are decoded but not validated. `measureLink` measures ONE mode;
// bench/secure.ts runs it in child processes (bench/secure-child.ts), one mode per process,
// because alternating both modes in one process let the collector's pauses lock onto one
// of them (BENCHMARKS.md, the whole run's footnote on this row).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MAX_MESSAGE_SIZE, decodeMessage, encodeMessage } from '../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, identityFromSecret } from '../src/p2p/secure/index.js';
import { type Connection, type Transport, WsTransport } from '../src/p2p/transport.js';
import { Block, cryptoRng } from '../src/primitives/index.js';
import { secondsSince } from './types.js';

const MAGIC = 0xcafe0001;
/** test/fixtures under the repository root (the nearest directory above holding package.json), from src or dist. */
function fixture(p: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root');
    dir = up;
  }
  return join(dir, 'test', 'fixtures', p);
}

function loadBlocks(): { big: Uint8Array; small: Uint8Array[] } {
  const big = encodeMessage(MAGIC, { cmd: 'block', block: Block.decode(new Uint8Array(gunzipSync(readFileSync(fixture('bitcoinj/block481829.dat.gz'))))) });
  // btcd's mainnet blocks 1-256: [magic][u32le len][block] frames
  const raw = readFileSync(fixture('btcd/blocks1-256.dat'));
  const small: Uint8Array[] = [];
  for (let o = 0; o + 8 <= raw.length; ) {
    const len = raw.readUInt32LE(o + 4);
    small.push(encodeMessage(MAGIC, { cmd: 'block', block: Block.decode(new Uint8Array(raw.subarray(o + 8, o + 8 + len))) }));
    o += 8 + len;
  }
  return { big, small };
}

interface Link {
  send(m: Uint8Array): void;
  /** resolves after `count` more messages have arrived and decoded; rejects if the connection closes first */
  receive(count: number): Promise<void>;
  close(): Promise<void>;
}

/** The one-byte message the listening end sends once it accepts frames of any size. */
const READY = Uint8Array.of(1);
const READY_TIMEOUT_MS = 60_000;

/**
 * One WebSocket link, encrypted or not, used as a node uses its transport: a WsTransport
 * connection accepts only small frames until its user calls handshakeDone() (the
 * pre-authentication limits of src/p2p/wslimits.ts; P2PNode calls it after
 * version/verack). This link has no version handshake of its own, so the listening end
 * lifts the limit when the connection reaches it (after Noise, when encrypted) and says
 * so with READY; the dialling end lifts its own and sends nothing until READY arrives,
 * as a node sends nothing large before verack. A close on either end fails the waiting
 * receive() with its reason instead of leaving the run waiting for ever.
 */
async function link(encrypted: boolean): Promise<Link> {
  const ws = () => new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD });
  const wrap = (t: Transport, seed: number): Transport =>
    encrypted ? new SecureTransport(t, { identity: identityFromSecret(new Uint8Array(32).fill(seed)), rng: cryptoRng }) : t;
  let waiting: { left: number; done: () => void; fail: (e: Error) => void } | null = null;
  let closed: string | undefined;
  const lost = (side: string) => (reason: string) => {
    closed ??= `bench: ${encrypted ? 'encrypted' : 'plaintext'} link closed by the ${side}: ${reason}`;
    const w = waiting;
    waiting = null;
    w?.fail(new Error(closed));
  };
  const server = wrap(ws(), 1);
  const l = await server.listen(0, '127.0.0.1', (c: Connection) => {
    c.onClose(lost('listening end'));
    c.onMessage((d) => {
      decodeMessage(MAGIC, d);
      if (waiting && --waiting.left === 0) {
        const w = waiting;
        waiting = null;
        w.done();
      }
    });
    c.handshakeDone?.();
    c.send(READY);
  });
  let conn: Connection;
  try {
    conn = await wrap(ws(), 2).dial(`ws://127.0.0.1:${l.port}`);
  } catch (e) {
    await l.close();
    throw e;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: no ready message on the ${encrypted ? 'encrypted' : 'plaintext'} link within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      conn.onClose((r) => {
        clearTimeout(timer);
        lost('dialling end')(r);
        reject(new Error(closed));
      });
      conn.onMessage(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (e) {
    conn.close('bench over');
    await l.close();
    throw e;
  }
  conn.handshakeDone?.();
  return {
    send: (m) => conn.send(m),
    receive: (count) =>
      closed !== undefined
        ? Promise.reject(new Error(closed))
        : new Promise<void>((done, fail) => (waiting = { left: count, done, fail })),
    close: async () => {
      conn.close('bench over');
      await l.close();
    },
  };
}

async function propagation(l: Link, msg: Uint8Array): Promise<number> {
  const t = process.hrtime.bigint();
  const got = l.receive(1);
  l.send(msg);
  await got;
  return secondsSince(t);
}

async function sync(l: Link, msgs: Uint8Array[]): Promise<number> {
  const t = process.hrtime.bigint();
  const got = l.receive(msgs.length);
  for (const m of msgs) l.send(m);
  await got;
  return secondsSince(t);
}

export type LinkMode = 'plain' | 'enc';

/** What one process measured for one mode: per-message seconds and per-stream seconds. */
export interface LinkMeasure {
  mode: LinkMode;
  /** seconds for one big block, each of `rounds` sends */
  prop: number[];
  /** seconds for the whole stream, each of `streams` runs */
  stream: number[];
  bigBytes: number;
  streamMessages: number;
  streamBytes: number;
}

/** One mode over one link: a warm-up, then `rounds` big blocks and `streams` streams. */
export async function measureLink(mode: LinkMode, quick: boolean): Promise<LinkMeasure> {
  const { big, small } = loadBlocks();
  const rounds = quick ? 7 : 25;
  const streams = quick ? 3 : 7;
  const msgs = [...small, ...Array.from({ length: quick ? 5 : 20 }, () => big)];
  const l = await link(mode === 'enc');
  const prop: number[] = [];
  const stream: number[] = [];
  try {
    await propagation(l, big); // warm-up: JIT, socket buffers
    for (let i = 0; i < rounds; i++) prop.push(await propagation(l, big));
    for (let i = 0; i < streams; i++) stream.push(await sync(l, msgs));
  } finally {
    await l.close();
  }
  return { mode, prop, stream, bigBytes: big.length, streamMessages: msgs.length, streamBytes: msgs.reduce((a, m) => a + m.length, 0) };
}
