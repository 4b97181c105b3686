// BIP341 signature hash for taproot key-path spends (ext_flag 0, no script path).
// The per-transaction hashes (sha_prevouts, sha_amounts, sha_scriptpubkeys,
// sha_sequences, sha_outputs) are computed once per TaprootSighasher and shared by every
// input, so hashing a whole transaction is O(size), not O(inputs x size): without that a
// block of many-input transactions becomes a quadratic-hashing attack.
// Bad arguments throw SighashError and nothing is cached for them.
import { sha256 } from './hash.js';
import type { Tx, TxOut } from './tx.js';
import { BufWriter } from './writer.js';

export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

/** Annexes start with this byte (BIP341), so they cannot be confused with a signature. */
export const ANNEX_TAG = 0x50;

export type SighashErrorCode =
  | 'bad-hashtype'
  | 'sighash-single-no-output'
  | 'bad-input-index'
  | 'bad-prevouts'
  | 'bad-annex';

export class SighashError extends Error {
  readonly code: SighashErrorCode;
  constructor(code: SighashErrorCode, message: string) {
    super(message);
    this.name = 'SighashError';
    this.code = code;
  }
}

export function isValidTaprootHashType(t: number): boolean {
  return t === 0x00 || t === 0x01 || t === 0x02 || t === 0x03 || t === 0x81 || t === 0x82 || t === 0x83;
}

// Scratch writers reused across calls (hashing is synchronous, so never shared by two at
// once): the per-tx preimages and the tagged message are hashed where they are written
// instead of each being a fresh buffer, then a copy, then another buffer for the tag.
// A writer that grew past SCRATCH_LIMIT for a huge tx is dropped rather than kept.
const SCRATCH_LIMIT = 1 << 16;
let txScratch = new BufWriter(1024);
let msgScratch = new BufWriter(512);

function hashScratch(w: BufWriter): Uint8Array {
  const h = sha256(w.written());
  if (w.pos > SCRATCH_LIMIT) {
    if (w === txScratch) txScratch = new BufWriter(1024);
    else msgScratch = new BufWriter(512);
  }
  return h;
}

const tapSighashTag = sha256(new TextEncoder().encode('TapSighash'));
/** sha256(tag) || sha256(tag), the BIP340 tagged-hash prefix for TapSighash. */
const TAP_SIGHASH_PREFIX = new Uint8Array(64);
TAP_SIGHASH_PREFIX.set(tapSighashTag);
TAP_SIGHASH_PREFIX.set(tapSighashTag, 32);

export class TaprootSighasher {
  private _shaPrevouts?: Uint8Array;
  private _shaAmounts?: Uint8Array;
  private _shaScriptPubkeys?: Uint8Array;
  private _shaSequences?: Uint8Array;
  private _shaOutputs?: Uint8Array;

  constructor(
    readonly tx: Tx,
    readonly prevouts: readonly TxOut[],
  ) {
    if (prevouts.length !== tx.inputs.length) {
      throw new SighashError(
        'bad-prevouts',
        `sighash: ${prevouts.length} prevouts given for ${tx.inputs.length} inputs`,
      );
    }
  }

  get shaPrevouts(): Uint8Array {
    if (!this._shaPrevouts) {
      const w = txScratch.reset();
      for (const i of this.tx.inputs) w.bytes(i.prevout.txid).u32(i.prevout.vout);
      this._shaPrevouts = hashScratch(w);
    }
    return this._shaPrevouts;
  }

  get shaAmounts(): Uint8Array {
    if (!this._shaAmounts) {
      const w = txScratch.reset();
      for (const p of this.prevouts) w.i64(p.value);
      this._shaAmounts = hashScratch(w);
    }
    return this._shaAmounts;
  }

  get shaScriptPubkeys(): Uint8Array {
    if (!this._shaScriptPubkeys) {
      const w = txScratch.reset();
      for (const p of this.prevouts) w.varBytes(p.script);
      this._shaScriptPubkeys = hashScratch(w);
    }
    return this._shaScriptPubkeys;
  }

  get shaSequences(): Uint8Array {
    if (!this._shaSequences) {
      const w = txScratch.reset();
      for (const i of this.tx.inputs) w.u32(i.sequence);
      this._shaSequences = hashScratch(w);
    }
    return this._shaSequences;
  }

  get shaOutputs(): Uint8Array {
    if (!this._shaOutputs) {
      const w = txScratch.reset();
      for (const o of this.tx.outputs) w.i64(o.value).varBytes(o.script);
      this._shaOutputs = hashScratch(w);
    }
    return this._shaOutputs;
  }

  /**
   * The bytes hash_TapSighash commits to: epoch 0x00 || SigMsg(hash_type, ext_flag = 0).
   * Same layout as the "sigMsg" of the BIP341 vectors, so a mismatch shows which field differs.
   */
  sigMsg(inputIndex: number, hashType: number, annex?: Uint8Array): Uint8Array {
    const w = new BufWriter(256);
    this.writeSigMsg(w, inputIndex, hashType, annex);
    return w.finish();
  }

  /** The 32-byte message a key-path signature for this input signs: hash_TapSighash(sigMsg). */
  hash(inputIndex: number, hashType: number, annex?: Uint8Array): Uint8Array {
    const w = msgScratch.reset();
    w.bytes(TAP_SIGHASH_PREFIX);
    this.writeSigMsg(w, inputIndex, hashType, annex);
    return hashScratch(w);
  }

  private writeSigMsg(w: BufWriter, inputIndex: number, hashType: number, annex: Uint8Array | undefined): void {
    const tx = this.tx;
    if (!isValidTaprootHashType(hashType)) {
      throw new SighashError('bad-hashtype', `sighash: invalid taproot hash type 0x${hashType.toString(16)}`);
    }
    if (!Number.isInteger(inputIndex) || inputIndex < 0 || inputIndex >= tx.inputs.length) {
      throw new SighashError('bad-input-index', `sighash: input ${inputIndex} out of range (${tx.inputs.length} inputs)`);
    }
    if (annex !== undefined && (annex.length === 0 || annex[0] !== ANNEX_TAG)) {
      throw new SighashError('bad-annex', 'sighash: an annex must start with 0x50');
    }
    const outputType = hashType === SIGHASH_DEFAULT ? SIGHASH_ALL : hashType & 0x03;
    const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
    if (outputType === SIGHASH_SINGLE && inputIndex >= tx.outputs.length) {
      throw new SighashError(
        'sighash-single-no-output',
        `sighash: SIGHASH_SINGLE on input ${inputIndex} but only ${tx.outputs.length} outputs`,
      );
    }

    w.u8(0x00).u8(hashType).u32(tx.version).u32(tx.locktime);
    if (!anyoneCanPay) {
      w.bytes(this.shaPrevouts).bytes(this.shaAmounts).bytes(this.shaScriptPubkeys).bytes(this.shaSequences);
    }
    if (outputType === SIGHASH_ALL) w.bytes(this.shaOutputs);
    w.u8(annex !== undefined ? 1 : 0);
    if (anyoneCanPay) {
      const input = tx.inputs[inputIndex]!;
      const prev = this.prevouts[inputIndex]!;
      w.bytes(input.prevout.txid).u32(input.prevout.vout).i64(prev.value).varBytes(prev.script).u32(input.sequence);
    } else {
      w.u32(inputIndex);
    }
    if (annex !== undefined) {
      w.bytes(sha256(new BufWriter(annex.length + 9).varBytes(annex).finish()));
    }
    if (outputType === SIGHASH_SINGLE) {
      const o = tx.outputs[inputIndex]!;
      w.bytes(sha256(new BufWriter(o.script.length + 17).i64(o.value).varBytes(o.script).finish()));
    }
  }
}

/** One-shot form; for several inputs of one tx reuse a TaprootSighasher instead. */
export function taprootSighash(
  tx: Tx,
  inputIndex: number,
  prevouts: readonly TxOut[],
  hashType: number,
  annex?: Uint8Array,
): Uint8Array {
  return new TaprootSighasher(tx, prevouts).hash(inputIndex, hashType, annex);
}
