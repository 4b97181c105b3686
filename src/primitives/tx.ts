// Transactions in Bitcoin's segwit serialization (BIP144). Decoding mirrors Bitcoin
// Core's UnserializeTransaction exactly, including its corner cases, so txids and
// wtxids match real Bitcoin data byte for byte.
import { bytesToHex, hashToHex } from './bytes.js';
import { DecodeError } from './errors.js';
import { sha256d } from './hash.js';
import { BufReader } from './reader.js';
import { BufWriter, varintSize } from './writer.js';

export const NULL_HASH: Uint8Array = new Uint8Array(32);
export const COINBASE_VOUT = 0xffffffff;
export const SEQUENCE_FINAL = 0xffffffff;
export const WITNESS_SCALE_FACTOR = 4;

/** Decode-time sanity bounds; consensus limits (weight) are enforced by consensus/. */
export const MAX_TX_DECODE_ITEMS = 1_000_000;

export interface OutPoint {
  /** txid in internal byte order */
  readonly txid: Uint8Array;
  readonly vout: number;
}

export interface TxIn {
  readonly prevout: OutPoint;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  readonly witness: readonly Uint8Array[];
}

export interface TxOut {
  /** base units; bigint so no amount ever passes through floating point */
  readonly value: bigint;
  readonly script: Uint8Array;
}

export interface TxFields {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
}

/** Immutable transaction; hashes and sizes are computed once on demand. */
export class Tx implements TxFields {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
  private _txid?: Uint8Array;
  private _wtxid?: Uint8Array;
  private _raw?: Uint8Array;
  private _baseSize?: number;
  private _txidHex?: string;
  private _wtxidHex?: string;

  constructor(f: TxFields) {
    this.version = f.version >>> 0;
    this.inputs = f.inputs;
    this.outputs = f.outputs;
    this.locktime = f.locktime >>> 0;
  }

  static decode(bytes: Uint8Array): Tx {
    const r = new BufReader(bytes);
    const tx = Tx.read(r);
    r.expectEnd();
    return tx;
  }

  static read(r: BufReader): Tx {
    const start = r.pos;
    const version = r.u32();
    let flags = 0;
    let inputs = readInputs(r);
    let outputs: TxOut[] = [];
    if (inputs.length === 0) {
      // Empty vin doubles as the segwit marker (Core: "We read a dummy or an empty vin").
      flags = r.u8();
      if (flags !== 0) {
        inputs = readInputs(r);
        outputs = readOutputs(r);
      }
    } else {
      outputs = readOutputs(r);
    }
    if (flags & 1) {
      flags ^= 1;
      let any = false;
      const withWitness: TxIn[] = [];
      for (const input of inputs) {
        const n = r.count(1, MAX_TX_DECODE_ITEMS);
        const stack: Uint8Array[] = new Array(n);
        for (let i = 0; i < n; i++) stack[i] = r.varBytes();
        if (n > 0) any = true;
        withWitness.push({ ...input, witness: stack });
      }
      if (!any) throw new DecodeError('superfluous-witness', 'decode: witness flag set but all witnesses are empty');
      inputs = withWitness;
    }
    if (flags) throw new DecodeError('unknown-tx-flags', 'decode: unknown transaction optional data');
    const locktime = r.u32();
    const tx = new Tx({ version, inputs, outputs, locktime });
    tx._raw = r.data.slice(start, r.pos);
    return tx;
  }

  get hasWitness(): boolean {
    for (const i of this.inputs) if (i.witness.length > 0) return true;
    return false;
  }

  isCoinbase(): boolean {
    if (this.inputs.length !== 1) return false;
    const p = this.inputs[0]!.prevout;
    return p.vout === COINBASE_VOUT && isNullHash(p.txid);
  }

  write(w: BufWriter, withWitness = true): void {
    const segwit = withWitness && this.hasWitness;
    w.u32(this.version);
    if (segwit) w.u8(0).u8(1);
    w.varint(this.inputs.length);
    for (const i of this.inputs) {
      w.bytes(i.prevout.txid).u32(i.prevout.vout).varBytes(i.scriptSig).u32(i.sequence);
    }
    w.varint(this.outputs.length);
    for (const o of this.outputs) w.i64(o.value).varBytes(o.script);
    if (segwit) {
      for (const i of this.inputs) {
        w.varint(i.witness.length);
        for (const item of i.witness) w.varBytes(item);
      }
    }
    w.u32(this.locktime);
  }

  /** Full serialization (with witness when present). */
  encode(): Uint8Array {
    if (!this._raw) {
      const w = new BufWriter(this.size);
      this.write(w, true);
      this._raw = w.finish();
    }
    return this._raw;
  }

  /** Serialization without witness: what the txid commits to. */
  encodeStripped(): Uint8Array {
    if (!this.hasWitness) return this.encode();
    const w = new BufWriter(this.baseSize);
    this.write(w, false);
    return w.finish();
  }

  txid(): Uint8Array {
    return (this._txid ??= sha256d(this.encodeStripped()));
  }

  wtxid(): Uint8Array {
    if (!this._wtxid) this._wtxid = this.hasWitness ? sha256d(this.encode()) : this.txid();
    return this._wtxid;
  }

  /** txid as displayed (byte-reversed hex). */
  txidHex(): string {
    return (this._txidHex ??= hashToHex(this.txid()));
  }

  /** Kept once made: the mempool asks for it several times per transaction (its caches' key). */
  wtxidHex(): string {
    return (this._wtxidHex ??= hashToHex(this.wtxid()));
  }

  /** Size without witness data ("stripped size"). */
  get baseSize(): number {
    if (this._baseSize === undefined) {
      let n = 4 + varintSize(this.inputs.length) + varintSize(this.outputs.length) + 4;
      for (const i of this.inputs) n += 40 + varintSize(i.scriptSig.length) + i.scriptSig.length;
      for (const o of this.outputs) n += 8 + varintSize(o.script.length) + o.script.length;
      this._baseSize = n;
    }
    return this._baseSize;
  }

  /** Total serialized size including witness. */
  get size(): number {
    if (this._raw) return this._raw.length;
    if (!this.hasWitness) return this.baseSize;
    let n = this.baseSize + 2;
    for (const i of this.inputs) {
      n += varintSize(i.witness.length);
      for (const item of i.witness) n += varintSize(item.length) + item.length;
    }
    return n;
  }

  get weight(): number {
    return this.baseSize * (WITNESS_SCALE_FACTOR - 1) + this.size;
  }

  get vsize(): number {
    return Math.ceil(this.weight / WITNESS_SCALE_FACTOR);
  }

  toHex(): string {
    return bytesToHex(this.encode());
  }
}

function readInputs(r: BufReader): TxIn[] {
  const n = r.count(41, MAX_TX_DECODE_ITEMS);
  const out: TxIn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const txid = r.copy(32);
    const vout = r.u32();
    const scriptSig = r.varBytes();
    const sequence = r.u32();
    out[i] = { prevout: { txid, vout }, scriptSig, sequence, witness: [] };
  }
  return out;
}

function readOutputs(r: BufReader): TxOut[] {
  const n = r.count(9, MAX_TX_DECODE_ITEMS);
  const out: TxOut[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const value = r.i64();
    const script = r.varBytes();
    out[i] = { value, script };
  }
  return out;
}

export function isNullHash(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false;
  return true;
}

/** Stable map key for an outpoint: txid hex (internal order) + ':' + vout. */
export function outpointKey(p: OutPoint): string {
  return bytesToHex(p.txid) + ':' + p.vout;
}

/**
 * A compact Map key for an outpoint, not for display: the 32 txid bytes and the vout as
 * 18 UTF-16 code units. About 4x cheaper to build and look up than outpointKey's 66-char
 * hex, which matters where a block's every input and output goes through several maps.
 * A txid of another length falls back to outpointKey (which cannot collide: it is longer).
 */
export function outpointMapKey(p: OutPoint): string {
  const t = p.txid;
  if (t.length !== 32) return outpointKey(p);
  const v = p.vout;
  // prettier-ignore
  return String.fromCharCode(
    t[0]! | (t[1]! << 8), t[2]! | (t[3]! << 8), t[4]! | (t[5]! << 8), t[6]! | (t[7]! << 8),
    t[8]! | (t[9]! << 8), t[10]! | (t[11]! << 8), t[12]! | (t[13]! << 8), t[14]! | (t[15]! << 8),
    t[16]! | (t[17]! << 8), t[18]! | (t[19]! << 8), t[20]! | (t[21]! << 8), t[22]! | (t[23]! << 8),
    t[24]! | (t[25]! << 8), t[26]! | (t[27]! << 8), t[28]! | (t[29]! << 8), t[30]! | (t[31]! << 8),
    v & 0xffff, v >>> 16,
  );
}
