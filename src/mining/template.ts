// Block templates: the next block on the tip, filled from the mempool by ancestor fee rate
// (Core's BlockAssembler::addPackageTxs): repeatedly take the unconfirmed package (a tx
// with its not-yet-included ancestors) paying the most per vbyte, place ancestors first,
// and lower the package rates of the descendants of what was placed. The coinbase is
// rebuilt cheaply per extra nonce: its merkle branch and the witness commitment do not
// depend on it, so both are computed once per template.
import {
  Block,
  BlockHeader,
  Tx,
  addressToScript,
  merkleBranch,
  rootFromBranch,
  systemClock,
  witnessCommitmentScript,
  type Clock,
} from '../primitives/index.js';
import { blockSubsidy, createCoinbase, nextWorkRequired, type ConsensusParams } from '../consensus/index.js';
import type { Chain, ChainEntry } from '../chain/index.js';
import type { Mempool } from '../mempool/index.js';
import { projectBlocks } from './projection.js';

/** Weight kept free for the coinbase (Core reserves 4000). */
export const COINBASE_RESERVED_WEIGHT = 4000;
/** BIP9 "top bits" version with no deployments signalled. */
export const TEMPLATE_VERSION = 0x20000000;

export interface TemplateOptions {
  chain: Chain;
  mempool?: Mempool;
  params?: ConsensusParams;
  /** Where subsidy and fees go: an output script, or an address of the network. */
  payTo: Uint8Array | string;
  clock?: Clock;
  /** Block weight limit for the template (at most params.maxBlockWeight). */
  maxWeight?: number;
  version?: number;
}

export interface BlockTemplate {
  readonly prev: ChainEntry;
  readonly height: number;
  /** max(median time past + 1, now), seconds */
  readonly time: number;
  readonly bits: number;
  readonly version: number;
  /** Non-coinbase transactions in block order (parents before children). */
  readonly txs: readonly Tx[];
  readonly fees: bigint;
  readonly subsidy: bigint;
  /** Weight of the non-coinbase transactions plus the 80-byte header and tx count. */
  readonly txWeight: number;
  readonly payTo: Uint8Array;
  /** The unsolved block (nonce 0) for an extra nonce and optionally another time. */
  block(extraNonce?: number, time?: number): Block;
  /** The header for an extra nonce, and the coinbase that goes with it. */
  header(extraNonce?: number, time?: number): { header: BlockHeader; coinbase: Tx };
}



/** Selects mempool txs for the next block and returns a template to mine. */
export function buildTemplate(opts: TemplateOptions): BlockTemplate {
  const { chain } = opts;
  const params = opts.params ?? chain.params;
  const clock = opts.clock ?? systemClock;
  const payTo = typeof opts.payTo === 'string' ? addressToScript(opts.payTo, params.hrp) : opts.payTo;
  const prev = chain.tip;
  const height = prev.height + 1;
  const mtp = chain.medianTimePast(prev);
  const time = Math.max(mtp + 1, Math.floor(clock.now() / 1000));
  const bits = nextWorkRequired(prev.height, chain.ancestry(prev), time, params);
  const limit = Math.min(opts.maxWeight ?? params.maxBlockWeight, params.maxBlockWeight) - COINBASE_RESERVED_WEIGHT;

  const { txs, fees, weight } = opts.mempool ? selectPackages(opts.mempool, limit - 80 * 4 - 9 * 4) : { txs: [], fees: 0n, weight: 0 };
  const subsidy = blockSubsidy(height, params);
  const version = opts.version ?? TEMPLATE_VERSION;

  // Leaf 0 is the coinbase: its branch (and the witness root, where the coinbase counts
  // as zero) are the same whatever the coinbase says.
  const placeholder = new Uint8Array(32);
  const branch = merkleBranch([placeholder, ...txs.map((t) => t.txid())], 0);
  const withWitness = txs.some((t) => t.hasWitness);
  const commitment = withWitness ? witnessCommitmentScript([placeholderTx(), ...txs]) : undefined;

  const coinbaseFor = (extraNonce: number): Tx => {
    const outputs = [{ value: subsidy + fees, script: payTo }];
    if (commitment) outputs.push({ value: 0n, script: commitment });
    const cb = createCoinbase({ height, params, outputs, extraNonce });
    if (!commitment) return cb;
    const input = cb.inputs[0]!;
    return new Tx({ version: cb.version, inputs: [{ ...input, witness: [new Uint8Array(32)] }], outputs: cb.outputs, locktime: cb.locktime });
  };
  const header = (extraNonce = 0, t = time): { header: BlockHeader; coinbase: Tx } => {
    const coinbase = coinbaseFor(extraNonce);
    const merkleRoot = rootFromBranch(coinbase.txid(), branch, 0);
    return { header: new BlockHeader({ version, prevBlock: prev.hash, merkleRoot, time: t, bits, nonce: 0 }), coinbase };
  };
  return {
    prev,
    height,
    time,
    bits,
    version,
    txs,
    fees,
    subsidy,
    txWeight: weight + 80 * 4,
    payTo,
    header,
    block(extraNonce = 0, t = time) {
      const h = header(extraNonce, t);
      return new Block(h.header, [h.coinbase, ...txs]);
    },
  };
}

function placeholderTx(): Tx {
  return new Tx({ version: 2, inputs: [], outputs: [], locktime: 0 });
}

/**
 * Core's addPackageTxs: the first block of the mempool's projection (projection.ts keeps
 * the one implementation: a lazily updated max-heap of package fee rates).
 */
export function selectPackages(mempool: Mempool, maxWeight: number): { txs: Tx[]; fees: bigint; weight: number } {
  const [first] = projectBlocks(mempool.entries(), { maxWeight, maxBlocks: 2, firstOnly: true });
  const txs = first?.txs ?? [];
  return { txs: txs.map((t) => t.entry.tx), fees: first?.fees ?? 0n, weight: first?.weight ?? 0 };
}
