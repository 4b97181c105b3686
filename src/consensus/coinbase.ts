// Building valid coinbases and blocks, for miners and tests. These helpers produce what
// the rules in block.ts demand (BIP34 height push, BIP54 locktime/sequence, BIP141
// witness commitment) so there is exactly one place that knows how a valid block is laid
// out; they never grind more than a test-sized target (mineHeader is a plain loop).
import {
  Block,
  BlockHeader,
  COINBASE_VOUT,
  Tx,
  type TxOut,
  concatBytes,
  minimalPush,
  sha256d,
  txMerkleRoot,
  witnessCommitmentScript,
} from '../primitives/index.js';
import type { ConsensusParams } from './params.js';
import { hashAtOrBelow, targetFromBits, targetToBytesLE } from './pow.js';

const OP_0 = 0x00;
const OP_1 = 0x51;

/** CScriptNum serialization: minimal little-endian magnitude with a sign bit. */
export function scriptNumEncode(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError('coinbase: script number must be a safe integer');
  if (n === 0) return new Uint8Array(0);
  const neg = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs % 256);
    abs = Math.floor(abs / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0x00);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/**
 * The BIP34 prefix every coinbase scriptSig starts with: `CScript() << height`, i.e.
 * OP_0 for 0, OP_1..OP_16 for 1..16, else a direct push of the minimal CScriptNum.
 */
export function encodeHeightPush(height: number): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError('coinbase: height must be a non-negative integer');
  if (height === 0) return Uint8Array.of(OP_0);
  if (height <= 16) return Uint8Array.of(OP_1 - 1 + height);
  const num = scriptNumEncode(height);
  return concatBytes(Uint8Array.of(num.length), num);
}

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

/** A coinbase valid for `height` under `params` (without witness commitment; see createBlock). */
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

/**
 * Tries nonces from header.nonce upward until the hash meets the target; throws if
 * `maxTries` nonces fail. A test/regtest helper, not a miner: single-threaded, no time roll.
 */
export function mineHeader(header: BlockHeader, params: Pick<ConsensusParams, 'powLimit'>, maxTries = 0x1_0000_0000): BlockHeader {
  const target = targetFromBits(header.bits, params);
  if (target === undefined) throw new RangeError('coinbase: header nBits is not a valid target');
  const targetLE = targetToBytesLE(target);
  const raw = header.encode();
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let nonce = header.nonce;
  for (let i = 0; i < maxTries; i++) {
    view.setUint32(76, nonce, true);
    if (hashAtOrBelow(sha256d(raw), targetLE)) return header.with({ nonce });
    nonce = (nonce + 1) >>> 0;
  }
  throw new RangeError(`coinbase: no nonce found in ${maxTries} tries`);
}
