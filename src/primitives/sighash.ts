// BIP341 signature hash for taproot key-path spends (ext_flag 0, no script path).
// The per-transaction hashes (sha_prevouts, sha_amounts, sha_scriptpubkeys,
// sha_sequences, sha_outputs) are computed once per TaprootSighasher and shared by every
// input, so hashing a whole transaction is O(size), not O(inputs x size): without that a
// block of many-input transactions becomes a quadratic-hashing attack.
// Bad arguments throw SighashError and nothing is cached for them.
import { sha256, taggedHash } from './hash.js';
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
      const w = new BufWriter(36 * this.tx.inputs.length);
      for (const i of this.tx.inputs) w.bytes(i.prevout.txid).u32(i.prevout.vout);
      this._shaPrevouts = sha256(w.finish());
    }
    return this._shaPrevouts;
  }

  get shaAmounts(): Uint8Array {
    if (!this._shaAmounts) {
      const w = new BufWriter(8 * this.prevouts.length);
      for (const p of this.prevouts) w.i64(p.value);
      this._shaAmounts = sha256(w.finish());
    }
    return this._shaAmounts;
  }

  get shaScriptPubkeys(): Uint8Array {
    if (!this._shaScriptPubkeys) {
      const w = new BufWriter(35 * this.prevouts.length);
      for (const p of this.prevouts) w.varBytes(p.script);
      this._shaScriptPubkeys = sha256(w.finish());
    }
    return this._shaScriptPubkeys;
  }

  get shaSequences(): Uint8Array {
    if (!this._shaSequences) {
      const w = new BufWriter(4 * this.tx.inputs.length);
      for (const i of this.tx.inputs) w.u32(i.sequence);
      this._shaSequences = sha256(w.finish());
    }
    return this._shaSequences;
  }

  get shaOutputs(): Uint8Array {
    if (!this._shaOutputs) {
      const w = new BufWriter(43 * this.tx.outputs.length);
      for (const o of this.tx.outputs) w.i64(o.value).varBytes(o.script);
      this._shaOutputs = sha256(w.finish());
    }
    return this._shaOutputs;
  }

  /**
   * The bytes hash_TapSighash commits to: epoch 0x00 || SigMsg(hash_type, ext_flag = 0).
   * Same layout as the "sigMsg" of the BIP341 vectors, so a mismatch shows which field differs.
   */
  sigMsg(inputIndex: number, hashType: number, annex?: Uint8Array): Uint8Array {
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

    const w = new BufWriter(256);
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
    return w.finish();
  }

  /** The 32-byte message a key-path signature for this input signs. */
  hash(inputIndex: number, hashType: number, annex?: Uint8Array): Uint8Array {
    return taggedHash('TapSighash', this.sigMsg(inputIndex, hashType, annex));
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
