// Building valid coinbases, for the miner's templates and for tests. These helpers produce
// what the rules in block.ts demand (BIP34 height push, BIP54 locktime/sequence, BIP141
// witness commitment), so there is exactly one place that knows how a valid coinbase is
// laid out. Whole blocks and nonce grinding are the miner's (src/mining: createBlock,
// mineHeader).
import { COINBASE_VOUT, Tx, type TxOut, concatBytes, minimalPush, witnessCommitmentScript } from '../primitives/index.js';
import type { ConsensusParams } from './params.js';
import { encodeHeightPush } from './script-num.js';

const OP_0 = 0x00;

export interface CoinbaseOptions {
  readonly height: number;
  readonly params: ConsensusParams;
  /** The outputs to pay; or give script + value for a single output. */
  readonly outputs?: readonly TxOut[];
  readonly script?: Uint8Array;
  readonly value?: bigint;
  /** Extra bytes pushed after the height, so miners can vary the merkle root. */
  readonly extraNonce?: Uint8Array | number;
}

function extraNoncePush(extra: Uint8Array | number | undefined): Uint8Array {
  if (extra === undefined) return Uint8Array.of(OP_0); // as Core's miner: keeps scriptSig >= 2 bytes
  if (typeof extra === 'number') {
    if (!Number.isInteger(extra) || extra < 0 || extra > 0xffffffff) throw new RangeError('coinbase: numeric extraNonce is a u32');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, extra, true);
    return minimalPush(b);
  }
  return minimalPush(extra);
}

/** A coinbase valid for `height` under `params` (without witness commitment; see addWitnessCommitment). */
export function createCoinbase(opts: CoinbaseOptions): Tx {
  const { height, params } = opts;
  let outputs: readonly TxOut[];
  if (opts.outputs) outputs = opts.outputs;
  else if (opts.script && opts.value !== undefined) outputs = [{ value: opts.value, script: opts.script }];
  else throw new TypeError('coinbase: give outputs, or script and value');
  const scriptSig = concatBytes(encodeHeightPush(height), extraNoncePush(opts.extraNonce));
  if (scriptSig.length > 100) throw new RangeError('coinbase: scriptSig longer than 100 bytes');
  return new Tx({
    version: 2,
    inputs: [{ prevout: { txid: new Uint8Array(32), vout: COINBASE_VOUT }, scriptSig, sequence: 0xfffffffe, witness: [] }],
    outputs,
    // BIP54: the coinbase is timelocked to the previous height, which makes every
    // coinbase txid unique without BIP30 lookups.
    locktime: params.bip54 && height > 0 ? height - 1 : 0,
  });
}

/**
 * The coinbase with the BIP141 reserved value as its witness and the commitment to
 * `txs` (the full block list; txs[0] is ignored, its wtxid counts as zero) appended.
 */
export function addWitnessCommitment(coinbase: Tx, txs: readonly Tx[], reserved: Uint8Array = new Uint8Array(32)): Tx {
  if (reserved.length !== 32) throw new RangeError('coinbase: witness reserved value is 32 bytes');
  const input = coinbase.inputs[0]!;
  return new Tx({
    version: coinbase.version,
    inputs: [{ ...input, witness: [reserved] }],
    outputs: [...coinbase.outputs, { value: 0n, script: witnessCommitmentScript(txs, reserved) }],
    locktime: coinbase.locktime,
  });
}
