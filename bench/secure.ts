// Transport encryption cost (issue #11), encrypted (SecureTransport) against plain
// WsTransport, side by side in one run, as ratios (goal ≤ 1.1):
//   - transport only: one large real block, and a stream of real blocks, over one
//     WebSocket on loopback, decoded but not validated (the worst case for the ratio);
//   - nodes: initial sync of a spend-heavy chain from one P2PNode to another, and a
//     large block across a 3-node line, each node validating as cairnd does. This is
//     what an operator sees; validation dominates, so the ratio sits closer to 1.
// Encrypted and plaintext runs alternate so drift on a shared machine hits both alike; the
// transport-only rows alternate whole processes (bench/secure-link.ts says why).
import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Chain } from '../src/chain/index.js';
import { getParams } from '../src/consensus/index.js';
import { P2PNode } from '../src/p2p/net.js';
import { Block } from '../src/primitives/index.js';
import { NodeRig } from './rig.js';
import type { LinkMeasure, LinkMode } from './secure-link.js';
import { Miner, connectAll, fanOut, spendChain, spends, waitFor } from './sync.js';
import { median, secondsSince, type BenchOptions, type BenchResult } from './types.js';

const run = promisify(execFile);
const params = getParams('regtest');
const MODES: readonly LinkMode[] = ['plain', 'enc'];

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
  const syncFrom = async (mode: LinkMode): Promise<number> => {
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
  const lines = {} as Record<LinkMode, Chain[]>;
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
  const once = async (mode: LinkMode, b: Block): Promise<number> => {
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

/**
 * Transport only: each mode measured in its own child process (bench/secure-child.ts),
 * processes alternating plain, enc, enc, plain, …; the figure is the median of the
 * processes' medians. In one process the two modes' decodes of the same 1 MB block took
 * 4–5 ms or 21–25 ms depending on which one the collector's scavenges locked onto, and
 * the ratio swung 0.28–4.66 for one build (BENCHMARKS.md).
 */
async function benchSecureTransport(opts: BenchOptions): Promise<BenchResult[]> {
  const pairs = opts.quick ? 1 : 3;
  const child = fileURLToPath(new URL('./secure-child.js', import.meta.url));
  const per: Record<LinkMode, LinkMeasure[]> = { plain: [], enc: [] };
  for (let i = 0; i < pairs; i++) {
    for (const mode of i % 2 ? (['enc', 'plain'] as const) : (['plain', 'enc'] as const)) {
      const { stdout } = await run(process.execPath, [child, mode, ...(opts.quick ? ['--quick'] : [])], { maxBuffer: 1 << 20 });
      per[mode].push(JSON.parse(stdout.trim().split('\n').pop()!) as LinkMeasure);
    }
  }
  const of = (mode: LinkMode, k: 'prop' | 'stream'): number[] => per[mode].map((m) => median(m[k]));
  const p = { plain: median(of('plain', 'prop')), enc: median(of('enc', 'prop')) };
  const s = { plain: median(of('plain', 'stream')), enc: median(of('enc', 'stream')) };
  const ms = (xs: number[]): string => xs.map((x) => (x * 1000).toFixed(1)).join('/');
  const first = per.plain[0]!;
  const procs = `${pairs} process${pairs > 1 ? 'es' : ''} per mode, alternating`;
  return [
    {
      name: `p2p: propagate one ${(first.bigBytes / 1e6).toFixed(2)} MB block over WebSocket, encrypted vs plaintext`,
      figure: p.enc * 1000,
      unit: 'ms',
      limit: p.plain * 1000,
      limitUnit: 'ms plaintext',
      ratio: p.enc / p.plain,
      goal: '≤ 1.1',
      note: `median of ${procs} (each the median of ${first.prop.length} sends after a warm-up): encrypted ${ms(of('enc', 'prop'))} ms, plaintext ${ms(of('plain', 'prop'))} ms; transport and codec only (no validation)`,
    },
    {
      name: `p2p: sync stream of ${first.streamMessages} real blocks (${(first.streamBytes / 1e6).toFixed(1)} MB), encrypted vs plaintext`,
      figure: first.streamBytes / 1e6 / s.enc,
      unit: 'MB/s',
      limit: first.streamBytes / 1e6 / s.plain,
      limitUnit: 'MB/s plaintext',
      ratio: s.enc / s.plain,
      goal: '≤ 1.1',
      note: `ratio of times, median of ${procs} (each the median of ${first.stream.length} streams): encrypted ${ms(of('enc', 'stream'))} ms, plaintext ${ms(of('plain', 'stream'))} ms; transport and codec only (no validation)`,
    },
  ];
}

// `node dist/bench/secure.js [--quick]` (after `npm run build`) runs this scenario alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  benchSecure({ quick: process.argv.includes('--quick') }).then((rows) => console.log(JSON.stringify(rows, null, 2)));
}
