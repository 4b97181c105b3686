// Whole valid blocks from a parent, a coinbase and transactions: for the regtest miner's
// callers, benches and tests (the miner's own blocks come from template.ts). The coinbase
// layout and witness commitment are consensus's (createCoinbase, addWitnessCommitment).
import { Block, BlockHeader, Tx, txMerkleRoot } from '../primitives/index.js';
import { addWitnessCommitment, createCoinbase, type CoinbaseOptions, type ConsensusParams } from '../consensus/index.js';
import { mineHeader } from './grind.js';

export interface CreateBlockOptions {
  readonly params: ConsensusParams;
  /** Parent header or its hash (internal byte order). */
  readonly prev: BlockHeader | Uint8Array;
  readonly height: number;
  readonly time: number;
  readonly bits: number;
  /** Non-coinbase transactions in block order. */
  readonly txs?: readonly Tx[];
  /** A ready coinbase, or what to build one from (height and params come from here). */
  readonly coinbase: Tx | Omit<CoinbaseOptions, 'height' | 'params'>;
  readonly version?: number;
  readonly nonce?: number;
  /** Grind the nonce until the header meets its target (only sensible for easy targets). */
  readonly mine?: boolean;
}

export function createBlock(opts: CreateBlockOptions): Block {
  const txs = opts.txs ?? [];
  let coinbase = opts.coinbase instanceof Tx ? opts.coinbase : createCoinbase({ ...opts.coinbase, height: opts.height, params: opts.params });
  if (txs.some((t) => t.hasWitness)) coinbase = addWitnessCommitment(coinbase, [coinbase, ...txs]);
  const all = [coinbase, ...txs];
  let header = new BlockHeader({
    version: opts.version ?? 4,
    prevBlock: opts.prev instanceof BlockHeader ? opts.prev.hash() : opts.prev,
    merkleRoot: txMerkleRoot(all).root,
    time: opts.time,
    bits: opts.bits,
    nonce: opts.nonce ?? 0,
  });
  if (opts.mine) header = mineHeader(header, opts.params);
  return new Block(header, all);
}
