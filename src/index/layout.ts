// Key layout of the index database (<datadir>/indexes), in one place.
//
//   'M'                               → u32 schema | varstr network | genesis hash(32)
//   'T'                               → indexed tip: hash(32) | height u32
//   't' txid(32)                      → block hash(32) | height u32 | position u32
//   'p' txid(32) vout(u32be)          → height u32 | value u64 | coinbase u8 | varbytes script
//                                       (every spendable output ever confirmed on the active
//                                       chain; kept after it is spent so a spend can be undone
//                                       and inputs can show what they spent)
//   'x' txid(32) vout(u32be)          → spender txid(32) | vin u32 | height u32
//   'f' sh(32) txid(32) vout(u32be)   → ''   (outputs paying the script)
//   'a' sh(32) height(u32be) pos(u32be) txid(32) → ''   (txs touching the script, chain order)
//
// sh = sha256(scriptPubKey), as Esplora's scripthash. Big-endian heights and positions
// make LevelDB's byte order the chain order, so history pages are range scans.
import { BufReader, BufWriter, sha256 } from '../primitives/index.js';
import type { OutPoint } from '../primitives/index.js';

export const SCHEMA_VERSION = 1;
export const K_META = Uint8Array.of(0x4d);
export const K_TIP = Uint8Array.of(0x54);
export const P_TX = 0x74;
export const P_OUT = 0x70;
export const P_SPENT = 0x78;
export const P_FUNDED = 0x66;
export const P_HIST = 0x61;

function be32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

export function readBe32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

export function scriptHash(script: Uint8Array): Uint8Array {
  return sha256(script);
}

export function txKey(txid: Uint8Array): Uint8Array {
  const k = new Uint8Array(33);
  k[0] = P_TX;
  k.set(txid, 1);
  return k;
}

function outpointKeyOf(prefix: number, p: OutPoint): Uint8Array {
  const k = new Uint8Array(37);
  k[0] = prefix;
  k.set(p.txid, 1);
  be32(k, 33, p.vout);
  return k;
}

export const outKey = (p: OutPoint): Uint8Array => outpointKeyOf(P_OUT, p);
export const spentKey = (p: OutPoint): Uint8Array => outpointKeyOf(P_SPENT, p);

export function fundedKey(sh: Uint8Array, p: OutPoint): Uint8Array {
  const k = new Uint8Array(69);
  k[0] = P_FUNDED;
  k.set(sh, 1);
  k.set(p.txid, 33);
  be32(k, 65, p.vout);
  return k;
}

export function histKey(sh: Uint8Array, height: number, pos: number, txid: Uint8Array): Uint8Array {
  const k = new Uint8Array(73);
  k[0] = P_HIST;
  k.set(sh, 1);
  be32(k, 33, height);
  be32(k, 37, pos);
  k.set(txid, 41);
  return k;
}

/** [gte, lt) covering every key of `prefix` followed by `sh`. */
export function shRange(prefix: number, sh: Uint8Array): { gte: Uint8Array; lt: Uint8Array } {
  const gte = new Uint8Array(33);
  gte[0] = prefix;
  gte.set(sh, 1);
  const lt = new Uint8Array(37).fill(0xff);
  lt.set(gte, 0);
  return { gte, lt };
}

export interface TxLocation {
  blockHash: Uint8Array;
  height: number;
  pos: number;
}

export function encodeTxLoc(l: TxLocation): Uint8Array {
  return new BufWriter(40).bytes(l.blockHash).u32(l.height).u32(l.pos).finish();
}

export function decodeTxLoc(b: Uint8Array): TxLocation {
  const r = new BufReader(b);
  return { blockHash: r.copy(32), height: r.u32(), pos: r.u32() };
}

export interface IndexedOutput {
  height: number;
  value: bigint;
  coinbase: boolean;
  script: Uint8Array;
}

export function encodeOutput(o: IndexedOutput): Uint8Array {
  return new BufWriter(16 + o.script.length).u32(o.height).u64(o.value).u8(o.coinbase ? 1 : 0).varBytes(o.script).finish();
}

export function decodeOutput(b: Uint8Array): IndexedOutput {
  const r = new BufReader(b);
  return { height: r.u32(), value: r.u64(), coinbase: r.u8() === 1, script: r.varBytes(10_000) };
}

export interface Spender {
  txid: Uint8Array;
  vin: number;
  height: number;
}

export function encodeSpender(s: Spender): Uint8Array {
  return new BufWriter(40).bytes(s.txid).u32(s.vin).u32(s.height).finish();
}

export function decodeSpender(b: Uint8Array): Spender {
  const r = new BufReader(b);
  return { txid: r.copy(32), vin: r.u32(), height: r.u32() };
}

export function encodeTip(hash: Uint8Array, height: number): Uint8Array {
  return new BufWriter(36).bytes(hash).u32(height).finish();
}

export function decodeTip(b: Uint8Array): { hash: Uint8Array; height: number } {
  const r = new BufReader(b);
  return { hash: r.copy(32), height: r.u32() };
}

export function encodeMeta(network: string, genesis: Uint8Array): Uint8Array {
  return new BufWriter(80).u32(SCHEMA_VERSION).varBytes(new TextEncoder().encode(network)).bytes(genesis).finish();
}

export function decodeMeta(b: Uint8Array): { version: number; network: string; genesis: Uint8Array } {
  const r = new BufReader(b);
  return { version: r.u32(), network: new TextDecoder().decode(r.varBytes(64)), genesis: r.copy(32) };
}
