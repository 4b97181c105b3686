// Network benchmarks (issue #5): initial sync over loopback WebSockets against connecting
// the same blocks locally, from one peer and from three; and propagation of a large
// block across a 6-node line against 5 × one node's validation of it. Everything runs in
// this process (sources and receiver share the CPU), so the ratios are conservative.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Chain } from '../src/chain/index.js';
import { blockSubsidy, getParams, type ConsensusParams } from '../src/consensus/index.js';
import { createBlock } from '../src/mining/index.js';
import type { P2PNode } from '../src/p2p/net.js';
import {
  Block,
  Tx,
  TaprootSighasher,
  p2trScript,
  signKeyPathInputWith,
  taprootTweakPubkey,
  xOnlyPubkey,
  type OutPoint,
} from '../src/primitives/index.js';
import { NodeRig } from './rig.js';
import { median, type BenchOptions, type BenchResult } from './types.js';


const params = getParams('regtest');
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const SCRIPT = p2trScript(taprootTweakPubkey(xOnlyPubkey(SECRET)).outputKey);

export interface Coin {
  outpoint: OutPoint;
  value: bigint;
}

/** Signed key-path spends of `coins`, one input and one output each. */
export function spends(coins: Coin[], fee = 500n): Tx[] {
  const aux = new Uint8Array(32);
  return coins.map((c) => {
    const unsigned = new Tx({
      version: 2,
      inputs: [{ prevout: c.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
      outputs: [{ value: c.value - fee, script: SCRIPT }],
      locktime: 0,
    });
    const sig = signKeyPathInputWith(new TaprootSighasher(unsigned, [{ value: c.value, script: SCRIPT }]), 0, SECRET, 0, aux);
    return new Tx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig] }] });
  });
}

export class Miner {
  blocks: Block[] = [];
  private nonce = 0;
  private prev: Uint8Array;
  private time: number;
  constructor(readonly p: ConsensusParams) {
    this.prev = p.genesisHash;
    this.time = p.genesis.header.time;
  }
  get height(): number {
    return this.blocks.length;
  }
  mine(txs: Tx[] = [], fees = 0n): Block {
    const height = this.height + 1;
    const b = createBlock({
      params: this.p,
      prev: this.prev,
      height,
      time: ++this.time,
      bits: this.p.powLimitBits,
      txs,
      coinbase: { script: SCRIPT, value: blockSubsidy(height, this.p) + fees, extraNonce: this.nonce++ },
      mine: true,
    });
    this.blocks.push(b);
    this.prev = b.hash();
    return b;
  }
  coinbaseCoin(height: number): Coin {
    const b = this.blocks[height - 1]!;
    return { outpoint: { txid: b.txs[0]!.txid(), vout: 0 }, value: b.txs[0]!.outputs[0]!.value };
  }
}

/** 100 empty blocks, then a fan-out of one coinbase into `width` coins. */
export function fanOut(m: Miner, width: number): Coin[] {
  while (m.height < 100) m.mine();
  const src = m.coinbaseCoin(1);
  const each = (src.value - 10_000n) / BigInt(width);
  const unsigned = new Tx({
    version: 2,
    inputs: [{ prevout: src.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
    outputs: Array.from({ length: width }, () => ({ value: each, script: SCRIPT })),
    locktime: 0,
  });
  const sig = signKeyPathInputWith(new TaprootSighasher(unsigned, [{ value: src.value, script: SCRIPT }]), 0, SECRET, 0, new Uint8Array(32));
  const tx = new Tx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig] }] });
  m.mine([tx], src.value - each * BigInt(width));
  const txid = tx.txid();
  return Array.from({ length: width }, (_, vout) => ({ outpoint: { txid, vout }, value: each }));
}

/** A chain of `nBlocks` whose blocks after the fan-out each spend `perBlock` coins. */
export function spendChain(nBlocks: number, perBlock: number): { blocks: Block[]; spends: number } {
  const m = new Miner(params);
  let coins = fanOut(m, perBlock);
  let total = 1;
  while (m.height < nBlocks) {
    const txs = spends(coins);
    m.mine(txs, 500n * BigInt(txs.length));
    total += txs.length;
    coins = txs.map((t) => ({ outpoint: { txid: t.txid(), vout: 0 }, value: t.outputs[0]!.value }));
  }
  return { blocks: m.blocks, spends: total };
}

export async function waitFor(cond: () => boolean, what: string, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function connectAll(chain: Chain, blocks: readonly Block[]): Promise<number> {
  const t0 = performance.now();
  for (const b of blocks) await chain.processBlock(b);
  await chain.flush();
  return (performance.now() - t0) / 1000;
}

/**
 * Connects blocks from their serialized bytes, decoding each inside the timed loop (as the
 * connect bench does, and as a node reads blocks from its own disk): the baseline for
 * sync, whose blocks also arrive as bytes. Connecting the generator's Block objects would
 * skip the decoding and the txid, wtxid and merkle hashing they have already memoized.
 */
export async function connectFromBytes(chain: Chain, raws: readonly Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  for (const raw of raws) await chain.processBlock(Block.decode(raw));
  await chain.flush();
  return (performance.now() - t0) / 1000;
}

export async function benchSync(opts: BenchOptions): Promise<BenchResult[]> {
  const nBlocks = opts.quick ? 400 : 2_110; // the fan-out uses the first blocks: ≥ 100,000 spends
  const perBlock = opts.quick ? 20 : 50;
  const { blocks, spends: nSpends } = spendChain(nBlocks, perBlock);
  const rig = new NodeRig();
  const out: BenchResult[] = [];
  try {
    // Warm up (JIT, worker threads, LevelDB) so the baseline is not charged for it.
    const warm = await Chain.open({ params, path: join(rig.dir(), 'chain'), verifyPool: rig.pool });
    await connectAll(warm, blocks.slice(0, Math.min(blocks.length, 250)));
    await warm.close();
    // Baseline: the same blocks connected locally from their bytes, without any network.
    const srcDir = rig.dir();
    const srcChainDir = join(srcDir, 'chain');
    let src = await Chain.open({ params, path: srcChainDir, verifyPool: rig.pool });
    const local = await connectFromBytes(src, blocks.map((b) => b.encode()));
    await src.close();
    const copies = [1, 2].map(() => {
      const d = join(rig.dir(), 'chain');
      cpSync(srcChainDir, d, { recursive: true });
      return d;
    });
    src = await rig.chain(srcChainDir);
    const sources = [await rig.node(src)];

    const syncFrom = async (urls: string[]): Promise<number> => {
      const chain = await rig.chain(join(rig.dir(), 'chain'));
      const t0 = performance.now();
      const n = await rig.node(chain, { seeds: urls });
      await waitFor(() => chain.height === blocks.length, 'initial sync');
      const s = (performance.now() - t0) / 1000;
      await n.stop();
      return s;
    };
    const one = await syncFrom([sources[0]!.listenUrl]);
    out.push({
      name: `initial sync of ${blocks.length} blocks / ${nSpends} spends from 1 peer over loopback ws`,
      figure: one,
      unit: 's',
      limit: local,
      limitUnit: 's (local connect from bytes)',
      ratio: one / local,
      goal: '≤ 1.25',
    });
    for (const d of copies) sources.push(await rig.node(await rig.chain(d)));
    const three = await syncFrom(sources.map((s) => s.listenUrl));
    out.push({
      name: `initial sync of ${blocks.length} blocks / ${nSpends} spends from 3 peers over loopback ws`,
      figure: three,
      unit: 's',
      limit: local,
      limitUnit: 's (local connect from bytes)',
      ratio: three / local,
      goal: '≤ 1.25',
    });
    out.push(await benchPropagation(rig, opts.quick ? 500 : 3_000, opts.quick ? 1 : 3));
  } finally {
    await rig.close();
  }
  return out;
}

/**
 * A block of `width` spends across a 6-node line vs 5 × one node validating it, as
 * medians: one propagation against one validation swung with a single slow hop or a slow
 * validation (0.10–0.22 s for the same block), so `rounds` blocks, each on the one before,
 * are validated by fresh nodes and propagated over the same line.
 */
async function benchPropagation(rig: NodeRig, width: number, rounds: number): Promise<BenchResult> {
  const m = new Miner(params);
  const coins = fanOut(m, width * rounds);
  const base = [...m.blocks];
  const bigs: Block[] = [];
  for (let r = 0; r < rounds; r++) {
    const txs = spends(coins.slice(r * width, (r + 1) * width));
    bigs.push(m.mine(txs, 500n * BigInt(txs.length)));
  }
  // One node validating the first block alone, from its bytes as a hop receives it
  // (decoding timed too), on `rounds` fresh nodes after an untimed first one (JIT, workers).
  const validations: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const solo = await rig.chain(join(rig.dir(), 'chain'));
    for (const b of base) await solo.processBlock(b);
    const raw = bigs[0]!.encode();
    const t0 = performance.now();
    await solo.processBlock(Block.decode(raw));
    if (r > 0) validations.push((performance.now() - t0) / 1000);
  }
  const validate = median(validations);

  const chains: Chain[] = [];
  const nodes: P2PNode[] = [];
  for (let i = 0; i < 6; i++) {
    const c = await rig.chain(join(rig.dir(), 'chain'));
    for (const b of base) await c.processBlock(b);
    chains.push(c);
    nodes.push(await rig.node(c, { seeds: i > 0 ? [nodes[i - 1]!.listenUrl] : [] }));
  }
  await waitFor(() => nodes.every((n, i) => n.peers().length === (i === 0 || i === 5 ? 1 : 2)), 'line connected', 30_000);
  const props: number[] = [];
  for (const big of bigs) {
    const t1 = performance.now();
    await chains[0]!.processBlock(Block.decode(big.encode()));
    await waitFor(() => chains[5]!.tip.hashHex === big.hashHex(), 'propagation');
    props.push((performance.now() - t1) / 1000);
  }
  const prop = median(props);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join('/');
  return {
    name: `propagation of a ${width}-spend block (${bigs[0]!.size} bytes) across a 6-node line`,
    figure: prop,
    unit: 's',
    limit: 5 * validate,
    limitUnit: 's (5 × single-node validation)',
    ratio: prop / (5 * validate),
    goal: '≤ 1.5',
    note: `full blocks (no mempools), medians of ${rounds}: propagations ${list(props)} s (origin's validation included), single-node validations ${list(validations)} s, each from the block's bytes`,
  };
}
