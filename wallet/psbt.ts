// PSBT (BIP174 v0) with the taproot key-path fields of BIP371, enough for a watch-only
// wallet to create, a seed-holding wallet (or any BIP371-capable tool) to sign, and
// anyone to finalize and extract. Fields this codec doesn't interpret are kept as raw
// key/value pairs and written back unchanged, as BIP174 asks of every role.
// Decoding untrusted input throws only WalletError('bad-psbt').
import { base64 } from '@scure/base';
import { bytesToHex, equalBytes } from '../src/primitives/bytes.js';
import { BufReader } from '../src/primitives/reader.js';
import { BufWriter } from '../src/primitives/writer.js';
import { Tx, type TxOut } from '../src/primitives/tx.js';
import { WalletError } from './errors.js';

const MAGIC = Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff);

// Key types (BIP174 / BIP371).
export const PSBT_GLOBAL_UNSIGNED_TX = 0x00;
export const PSBT_GLOBAL_VERSION = 0xfb;
export const PSBT_IN_NON_WITNESS_UTXO = 0x00;
export const PSBT_IN_WITNESS_UTXO = 0x01;
export const PSBT_IN_SIGHASH_TYPE = 0x03;
export const PSBT_IN_FINAL_SCRIPTSIG = 0x07;
export const PSBT_IN_FINAL_SCRIPTWITNESS = 0x08;
export const PSBT_IN_TAP_KEY_SIG = 0x13;
export const PSBT_IN_TAP_BIP32_DERIVATION = 0x16;
export const PSBT_IN_TAP_INTERNAL_KEY = 0x17;
export const PSBT_OUT_TAP_INTERNAL_KEY = 0x05;
export const PSBT_OUT_TAP_BIP32_DERIVATION = 0x07;

export interface TapDerivation {
  /** x-only public key */
  readonly pubkey: Uint8Array;
  readonly leafHashes: Uint8Array[];
  readonly fingerprint: number;
  /** path components from the master key (hardened with the 0x80000000 bit) */
  readonly path: number[];
}

export interface RawPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface PsbtInput {
  witnessUtxo?: TxOut;
  sighashType?: number;
  tapKeySig?: Uint8Array;
  tapInternalKey?: Uint8Array;
  tapBip32Derivation: TapDerivation[];
  finalScriptWitness?: Uint8Array[];
  unknown: RawPair[];
}

export interface PsbtOutput {
  tapInternalKey?: Uint8Array;
  tapBip32Derivation: TapDerivation[];
  unknown: RawPair[];
}

export interface Psbt {
  /** the unsigned transaction (no scriptSigs, no witnesses) */
  tx: Tx;
  globalUnknown: RawPair[];
  inputs: PsbtInput[];
  outputs: PsbtOutput[];
}

function bad(msg: string): never {
  throw new WalletError('bad-psbt', `invalid PSBT: ${msg}`);
}

export function newPsbt(unsigned: Tx): Psbt {
  if (unsigned.inputs.some((i) => i.scriptSig.length > 0 || i.witness.length > 0)) bad('the global transaction must be unsigned');
  return {
    tx: unsigned,
    globalUnknown: [],
    inputs: unsigned.inputs.map(() => ({ tapBip32Derivation: [], unknown: [] })),
    outputs: unsigned.outputs.map(() => ({ tapBip32Derivation: [], unknown: [] })),
  };
}

// --- encoding ---------------------------------------------------------------------------

function pair(w: BufWriter, type: number, keydata: Uint8Array, value: Uint8Array): void {
  const key = new BufWriter(1 + keydata.length).varint(type).bytes(keydata).finish();
  w.varBytes(key).varBytes(value);
}

function encDerivation(d: TapDerivation): Uint8Array {
  const w = new BufWriter();
  w.varint(d.leafHashes.length);
  for (const h of d.leafHashes) w.bytes(h);
  w.u32(fingerprintLE(d.fingerprint));
  for (const p of d.path) w.u32(p);
  return w.finish();
}

/** Fingerprints are 4 bytes in key-id order; ours are numbers read big-endian. */
function fingerprintLE(fp: number): number {
  return (((fp & 0xff) << 24) | ((fp >>> 8 & 0xff) << 16) | ((fp >>> 16 & 0xff) << 8) | (fp >>> 24 & 0xff)) >>> 0;
}

export function encodePsbt(p: Psbt): Uint8Array {
  const w = new BufWriter(1024);
  w.bytes(MAGIC);
  pair(w, PSBT_GLOBAL_UNSIGNED_TX, new Uint8Array(0), p.tx.encodeStripped());
  for (const u of p.globalUnknown) w.varBytes(u.key).varBytes(u.value);
  w.u8(0);
  for (const i of p.inputs) {
    if (i.witnessUtxo) pair(w, PSBT_IN_WITNESS_UTXO, new Uint8Array(0), new BufWriter(44).i64(i.witnessUtxo.value).varBytes(i.witnessUtxo.script).finish());
    if (i.sighashType !== undefined) pair(w, PSBT_IN_SIGHASH_TYPE, new Uint8Array(0), new BufWriter(4).u32(i.sighashType).finish());
    if (i.finalScriptWitness) {
      const ww = new BufWriter().varint(i.finalScriptWitness.length);
      for (const item of i.finalScriptWitness) ww.varBytes(item);
      pair(w, PSBT_IN_FINAL_SCRIPTWITNESS, new Uint8Array(0), ww.finish());
    }
    if (i.tapKeySig) pair(w, PSBT_IN_TAP_KEY_SIG, new Uint8Array(0), i.tapKeySig);
    for (const d of i.tapBip32Derivation) pair(w, PSBT_IN_TAP_BIP32_DERIVATION, d.pubkey, encDerivation(d));
    if (i.tapInternalKey) pair(w, PSBT_IN_TAP_INTERNAL_KEY, new Uint8Array(0), i.tapInternalKey);
    for (const u of i.unknown) w.varBytes(u.key).varBytes(u.value);
    w.u8(0);
  }
  for (const o of p.outputs) {
    if (o.tapInternalKey) pair(w, PSBT_OUT_TAP_INTERNAL_KEY, new Uint8Array(0), o.tapInternalKey);
    for (const d of o.tapBip32Derivation) pair(w, PSBT_OUT_TAP_BIP32_DERIVATION, d.pubkey, encDerivation(d));
    for (const u of o.unknown) w.varBytes(u.key).varBytes(u.value);
    w.u8(0);
  }
  return w.finish();
}

export function psbtToBase64(p: Psbt): string {
  return base64.encode(encodePsbt(p));
}

// --- decoding ---------------------------------------------------------------------------

interface Entry { type: number; keydata: Uint8Array; key: Uint8Array; value: Uint8Array }

function readMap(r: BufReader): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (;;) {
    const key = r.varBytes(r.remaining);
    if (key.length === 0) return out;
    const value = r.varBytes(r.remaining);
    const kr = new BufReader(key);
    const type = kr.varint();
    const keydata = key.subarray(key.length - kr.remaining);
    const k = bytesToHex(key);
    if (seen.has(k)) bad(`duplicate key ${k}`);
    seen.add(k);
    out.push({ type, keydata, key, value });
  }
}

function decDerivation(e: Entry): TapDerivation {
  if (e.keydata.length !== 32) bad('tap_bip32_derivation key must be a 32-byte x-only key');
  const r = new BufReader(e.value);
  const n = r.count(32, 1000);
  const leafHashes: Uint8Array[] = [];
  for (let i = 0; i < n; i++) leafHashes.push(r.copy(32));
  if (r.remaining < 4 || r.remaining % 4 !== 0) bad('tap_bip32_derivation value has a bad length');
  const fingerprint = fingerprintLE(r.u32());
  const path: number[] = [];
  while (r.remaining > 0) path.push(r.u32());
  return { pubkey: e.keydata.slice(), leafHashes, fingerprint, path };
}

function noKeydata(e: Entry, what: string): void {
  if (e.keydata.length !== 0) bad(`${what} key must have no key data`);
}

export function decodePsbt(bytes: Uint8Array): Psbt {
  try {
    return decodeInner(bytes);
  } catch (e) {
    if (e instanceof WalletError) throw e;
    throw new WalletError('bad-psbt', `invalid PSBT: ${(e as Error).message}`);
  }
}

function decodeInner(bytes: Uint8Array): Psbt {
  if (bytes.length < MAGIC.length || !equalBytes(bytes.subarray(0, 5), MAGIC)) bad('missing magic bytes "psbt\\xff"');
  const r = new BufReader(bytes);
  r.bytes(5);
  let tx: Tx | undefined;
  const globalUnknown: RawPair[] = [];
  for (const e of readMap(r)) {
    if (e.type === PSBT_GLOBAL_UNSIGNED_TX) {
      noKeydata(e, 'unsigned tx');
      tx = Tx.decode(e.value);
      if (tx.inputs.some((i) => i.scriptSig.length > 0 || i.witness.length > 0)) bad('the global transaction must be unsigned');
    } else if (e.type === PSBT_GLOBAL_VERSION) {
      if (e.value.length !== 4 || new BufReader(e.value).u32() !== 0) bad('only PSBT version 0 is supported');
      globalUnknown.push({ key: e.key, value: e.value });
    } else {
      globalUnknown.push({ key: e.key, value: e.value });
    }
  }
  if (!tx) bad('no unsigned transaction');
  const inputs: PsbtInput[] = [];
  for (let n = 0; n < tx.inputs.length; n++) {
    const inp: PsbtInput = { tapBip32Derivation: [], unknown: [] };
    for (const e of readMap(r)) {
      switch (e.type) {
        case PSBT_IN_WITNESS_UTXO: {
          noKeydata(e, 'witness utxo');
          const vr = new BufReader(e.value);
          inp.witnessUtxo = { value: vr.i64(), script: vr.varBytes() };
          vr.expectEnd();
          break;
        }
        case PSBT_IN_SIGHASH_TYPE: {
          noKeydata(e, 'sighash type');
          if (e.value.length !== 4) bad('sighash type is 4 bytes');
          inp.sighashType = new BufReader(e.value).u32();
          break;
        }
        case PSBT_IN_FINAL_SCRIPTWITNESS: {
          noKeydata(e, 'final scriptwitness');
          const vr = new BufReader(e.value);
          const k = vr.count(1, 10_000);
          const items: Uint8Array[] = [];
          for (let i = 0; i < k; i++) items.push(vr.varBytes());
          vr.expectEnd();
          inp.finalScriptWitness = items;
          break;
        }
        case PSBT_IN_TAP_KEY_SIG:
          noKeydata(e, 'tap key sig');
          if (e.value.length !== 64 && e.value.length !== 65) bad('tap key signature must be 64 or 65 bytes');
          inp.tapKeySig = e.value.slice();
          break;
        case PSBT_IN_TAP_BIP32_DERIVATION:
          inp.tapBip32Derivation.push(decDerivation(e));
          break;
        case PSBT_IN_TAP_INTERNAL_KEY:
          noKeydata(e, 'tap internal key');
          if (e.value.length !== 32) bad('tap internal key must be 32 bytes');
          inp.tapInternalKey = e.value.slice();
          break;
        default:
          inp.unknown.push({ key: e.key.slice(), value: e.value.slice() });
      }
    }
    inputs.push(inp);
  }
  const outputs: PsbtOutput[] = [];
  for (let n = 0; n < tx.outputs.length; n++) {
    const out: PsbtOutput = { tapBip32Derivation: [], unknown: [] };
    for (const e of readMap(r)) {
      if (e.type === PSBT_OUT_TAP_INTERNAL_KEY) {
        noKeydata(e, 'tap internal key');
        if (e.value.length !== 32) bad('tap internal key must be 32 bytes');
        out.tapInternalKey = e.value.slice();
      } else if (e.type === PSBT_OUT_TAP_BIP32_DERIVATION) {
        out.tapBip32Derivation.push(decDerivation(e));
      } else {
        out.unknown.push({ key: e.key.slice(), value: e.value.slice() });
      }
    }
    outputs.push(out);
  }
  r.expectEnd();
  return { tx, globalUnknown, inputs, outputs };
}

export function psbtFromBase64(text: string): Psbt {
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(text.trim());
  } catch {
    throw new WalletError('bad-psbt', 'invalid PSBT: not base64');
  }
  return decodePsbt(bytes);
}

// --- finalizer / extractor -------------------------------------------------------------

/** Move each key-path signature into the final witness and drop the signing data (BIP174 Finalizer). */
export function finalizePsbt(p: Psbt): Psbt {
  const inputs = p.inputs.map((inp, i) => {
    if (inp.finalScriptWitness) return inp;
    if (!inp.tapKeySig) throw new WalletError('bad-psbt', `input ${i} is not signed yet`, 'sign it with `cairn-wallet psbt sign` first');
    return { finalScriptWitness: [inp.tapKeySig], tapBip32Derivation: [], unknown: inp.unknown, ...(inp.witnessUtxo ? { witnessUtxo: inp.witnessUtxo } : {}) };
  });
  return { ...p, inputs };
}

/** The network transaction of a finalized PSBT. */
export function extractTx(p: Psbt): Tx {
  const inputs = p.tx.inputs.map((input, i) => {
    const w = p.inputs[i]!.finalScriptWitness;
    if (!w) throw new WalletError('bad-psbt', `input ${i} is not finalized`, 'run `cairn-wallet psbt finalize` first');
    return { ...input, witness: w };
  });
  return new Tx({ version: p.tx.version, inputs, outputs: p.tx.outputs, locktime: p.tx.locktime });
}

export function isFinalized(p: Psbt): boolean {
  return p.inputs.every((i) => i.finalScriptWitness !== undefined);
}
