// Transport encryption cost (issue #11), encrypted (SecureTransport) against plain
// WsTransport, side by side in one run, as ratios (goal ≤ 1.1):
//   - transport only: one large real block, and a stream of real blocks, over one
//     WebSocket on loopback, decoded but not validated (the worst case for the ratio);
//   - nodes: initial sync of a spend-heavy chain from one P2PNode to another, and a
//     large block across a 3-node line, each node validating as cairnd does. This is
//     what an operator sees; validation dominates, so the ratio sits closer to 1.
// Encrypted and plaintext runs alternate so drift on a shared machine hits both alike.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Chain } from '../src/chain/index.js';
import { getParams } from '../src/consensus/index.js';
import { MAX_MESSAGE_SIZE, decodeMessage, encodeMessage } from '../src/p2p/messages/index.js';
import { P2PNode } from '../src/p2p/net.js';
import { SECURE_OVERHEAD, SecureTransport, identityFromSecret } from '../src/p2p/secure/index.js';
import { type Connection, type Transport, WsTransport } from '../src/p2p/transport.js';
import { Block, cryptoRng } from '../src/primitives/index.js';
import { NodeRig } from './rig.js';
import { Miner, connectAll, fanOut, spendChain, spends, waitFor } from './sync.js';
import { median, secondsSince, type BenchOptions, type BenchResult } from './types.js';

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

const params = getParams('regtest');
type Mode = 'plain' | 'enc';
const MODES: readonly Mode[] = ['plain', 'enc'];

/** Initial sync of a spend-heavy chain from one node, encrypted vs plaintext. */
async function nodeSync(rig: NodeRig, quick: boolean): Promise<BenchResult> {
  const { blocks, spends: nSpends } = spendChain(quick ? 300 : 800, quick ? 20 : 40);
  const srcDir = join(rig.dir(), 'chain');
  const src = await Chain.open({ params, path: srcDir, verifyPool: rig.pool });
  await connectAll(src, blocks);
  await src.close();
  const copy = join(rig.dir(), 'chain');
  cpSync(srcDir, copy, { recursive: true });
  const sources = { plain: await rig.node(await rig.chain(srcDir)), enc: await rig.node(await rig.chain(copy), { secure: true }) };
  const syncFrom = async (mode: Mode): Promise<number> => {
    const chain = await rig.chain();
    const t = process.hrtime.bigint();
    const n = await rig.node(chain, { seeds: [sources[mode].listenUrl], listen: false, secure: mode === 'enc' });
    await waitFor(() => chain.height === blocks.length, `initial sync (${mode})`);
    const s = secondsSince(t);
    await n.stop();
    return s;
  };
  await syncFrom('plain'); // warm-up: JIT, verify workers, LevelDB
  const times = { plain: [] as number[], enc: [] as number[] };
  for (let i = 0; i < (quick ? 2 : 3); i++) for (const m of i % 2 ? [...MODES].reverse() : MODES) times[m].push(await syncFrom(m));
  const t = { plain: median(times.plain), enc: median(times.enc) };
  return {
    name: `nodes: initial sync of ${blocks.length} blocks / ${nSpends} spends from 1 peer, encrypted vs plaintext`,
    figure: t.enc,
    unit: 's',
    limit: t.plain,
    limitUnit: 's plaintext',
    ratio: t.enc / t.plain,
    goal: '≤ 1.1',
    note: `median of ${times.enc.length} each, alternating; P2PNode + Chain with validation, loopback ws`,
  };
}

/** Large blocks across a 3-node line (2 hops, each validating), encrypted vs plaintext. */
async function nodePropagation(rig: NodeRig, quick: boolean): Promise<BenchResult> {
  const width = quick ? 300 : 1_000;
  const rounds = quick ? 3 : 5;
  const m = new Miner(params);
  let coins = fanOut(m, width);
  const base = [...m.blocks];
  const bigs: Block[] = [];
  for (let i = 0; i < rounds + 1; i++) {
    const txs = spends(coins);
    bigs.push(m.mine(txs, 500n * BigInt(txs.length)));
    coins = txs.map((t) => ({ outpoint: { txid: t.txid(), vout: 0 }, value: t.outputs[0]!.value }));
  }
  const lines = {} as Record<Mode, Chain[]>;
  for (const mode of MODES) {
    const chains: Chain[] = [];
    const nodes: P2PNode[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await rig.chain();
      for (const b of base) await c.processBlock(b);
      chains.push(c);
      nodes.push(await rig.node(c, { seeds: i > 0 ? [nodes[i - 1]!.listenUrl] : [], secure: mode === 'enc' }));
    }
    await waitFor(() => nodes[1]!.peers().length === 2 && nodes[2]!.peers().length === 1, `${mode} line connected`, 30_000);
    lines[mode] = chains;
  }
  const once = async (mode: Mode, b: Block): Promise<number> => {
    const chains = lines[mode];
    const t = process.hrtime.bigint();
    await chains[0]!.processBlock(b);
    await waitFor(() => chains[2]!.tip.hashHex === b.hashHex(), `${mode} propagation`, 120_000);
    return secondsSince(t);
  };
  // the first block warms both lines; then every block goes through both, in turn
  for (const mode of MODES) await once(mode, bigs[0]!);
  const times = { plain: [] as number[], enc: [] as number[] };
  for (let i = 1; i < bigs.length; i++) for (const mode of i % 2 ? MODES : [...MODES].reverse()) times[mode].push(await once(mode, bigs[i]!));
  const t = { plain: median(times.plain), enc: median(times.enc) };
  return {
    name: `nodes: propagation of a ${width}-spend block (${bigs[1]!.size} bytes) across a 3-node line, encrypted vs plaintext`,
    figure: t.enc * 1000,
    unit: 'ms',
    limit: t.plain * 1000,
    limitUnit: 'ms plaintext',
    ratio: t.enc / t.plain,
    goal: '≤ 1.1',
    note: `median of ${rounds} blocks each, alternating; every hop validates before relaying`,
  };
}

export async function benchSecure(opts: BenchOptions): Promise<BenchResult[]> {
  const rows = await benchSecureTransport(opts);
  const rig = new NodeRig(2);
  try {
    rows.push(await nodePropagation(rig, opts.quick));
    rows.push(await nodeSync(rig, opts.quick));
  } finally {
    await rig.close();
  }
  return rows;
}

async function benchSecureTransport(opts: BenchOptions): Promise<BenchResult[]> {
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
