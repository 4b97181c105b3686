// Transport encryption cost (issue #11): block propagation and an initial-sync-like stream
// of real blocks over WebSockets on loopback, encrypted (SecureTransport) against plain
// WsTransport, run side by side in one process. The figures cover the transport, framing
// and message codec only: a real node also validates each block, which costs far more
// than encryption, so the node-level ratio can only be closer to 1.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MAX_MESSAGE_SIZE, decodeMessage, encodeMessage } from '../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, identityFromSecret } from '../src/p2p/secure/index.js';
import { type Connection, type Transport, WsTransport } from '../src/p2p/transport.js';
import { Block, cryptoRng } from '../src/primitives/index.js';
import { type BenchOptions, type BenchResult, secondsSince } from './types.js';

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
  /** resolves after `count` more messages have arrived and decoded */
  receive(count: number): Promise<void>;
  close(): Promise<void>;
}

async function link(encrypted: boolean): Promise<Link> {
  const ws = () => new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD });
  const wrap = (t: Transport, seed: number): Transport =>
    encrypted ? new SecureTransport(t, { identity: identityFromSecret(new Uint8Array(32).fill(seed)), rng: cryptoRng }) : t;
  let waiting: { left: number; done: () => void } | null = null;
  const server = wrap(ws(), 1);
  const l = await server.listen(0, '127.0.0.1', (c: Connection) =>
    c.onMessage((d) => {
      decodeMessage(MAGIC, d);
      if (waiting && --waiting.left === 0) {
        const w = waiting;
        waiting = null;
        w.done();
      }
    }),
  );
  const conn = await wrap(ws(), 2).dial(`ws://127.0.0.1:${l.port}`);
  return {
    send: (m) => conn.send(m),
    receive: (count) => new Promise<void>((done) => (waiting = { left: count, done })),
    close: async () => {
      conn.close('bench over');
      await l.close();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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

export async function benchSecure(opts: BenchOptions): Promise<BenchResult[]> {
  const { big, small } = loadBlocks();
  const rounds = opts.quick ? 7 : 25;
  const syncMsgs = [...small, ...Array.from({ length: opts.quick ? 5 : 20 }, () => big)];
  const syncBytes = syncMsgs.reduce((a, m) => a + m.length, 0);
  const links = { plain: await link(false), enc: await link(true) };
  const prop = { plain: [] as number[], enc: [] as number[] };
  const syn = { plain: [] as number[], enc: [] as number[] };
  try {
    // warm both paths, then alternate so drift on a shared machine hits both alike
    await propagation(links.plain, big);
    await propagation(links.enc, big);
    for (let i = 0; i < rounds; i++) {
      for (const k of ['plain', 'enc'] as const) prop[k].push(await propagation(links[k], big));
    }
    for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
      for (const k of ['plain', 'enc'] as const) syn[k].push(await sync(links[k], syncMsgs));
    }
  } finally {
    await links.plain.close();
    await links.enc.close();
  }
  const p = { plain: median(prop.plain), enc: median(prop.enc) };
  const s = { plain: median(syn.plain), enc: median(syn.enc) };
  return [
    {
      name: `p2p: propagate one ${(big.length / 1e6).toFixed(2)} MB block over WebSocket, encrypted vs plaintext`,
      figure: p.enc * 1000,
      unit: 'ms',
      limit: p.plain * 1000,
      limitUnit: 'ms plaintext',
      ratio: p.enc / p.plain,
      goal: '≤ 1.1',
      note: `median of ${rounds}; transport and codec only (no validation)`,
    },
    {
      name: `p2p: sync stream of ${syncMsgs.length} real blocks (${(syncBytes / 1e6).toFixed(1)} MB), encrypted vs plaintext`,
      figure: syncBytes / 1e6 / s.enc,
      unit: 'MB/s',
      limit: syncBytes / 1e6 / s.plain,
      limitUnit: 'MB/s plaintext',
      ratio: s.enc / s.plain,
      goal: '≤ 1.1',
      note: 'ratio of times; transport and codec only (no validation)',
    },
  ];
}

// `node dist/bench/secure.js [--quick]` (after `npm run build`) runs this scenario alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  benchSecure({ quick: process.argv.includes('--quick') }).then((rows) => console.log(JSON.stringify(rows, null, 2)));
}
