// Hash functions. Results are plain Uint8Arrays the caller owns.
// node:crypto is ~2-8x faster than @noble/hashes here (see NOTES.md), and its one-shot
// crypto.hash (Node >= 20.12) skips the Hash object createHash builds for every call.
// Digests come back as latin1 strings, not Buffers: a Buffer is a fresh off-heap
// ArrayBuffer per call, which made a 32-byte sha256 ~3x slower (~640 ns vs ~180 ns) and
// fed the garbage collector on every txid, merkle node and sighash of a block.
// Hashing sits on every hot path (headers, txids, merkle trees, sighashes).
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** sha256 as a latin1 string of 32 chars, one per byte (internal). */
const sha256Str: (data: Uint8Array) => string =
  typeof oneShot === 'function'
    ? (data) => oneShot('sha256', data, 'latin1')
    : (data) => crypto.createHash('sha256').update(data).digest('binary'); // Node's alias of latin1

function writeDigest(s: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
}

/** Intermediate digest of sha256d; never escapes a call. */
const inner = new Uint8Array(32);
/** The 64 bytes of a merkle pair; never escapes a call. */
const pair = new Uint8Array(64);

export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  writeDigest(sha256Str(data), out, 0);
  return out;
}

/** sha256 written into `out` at `offset` (no allocation for the result). */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset = 0): void {
  writeDigest(sha256Str(data), out, offset);
}

/** sha256d written into `out` at `offset`; `out` may overlap `data` (merkle levels reduce in place). */
export function sha256dInto(data: Uint8Array, out: Uint8Array, offset = 0): void {
  writeDigest(sha256Str(data), inner, 0);
  writeDigest(sha256Str(inner), out, offset);
}

export function sha256d(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256dInto(data, out, 0);
  return out;
}

/** sha256d of two 32-byte nodes, the merkle tree step. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== 32 || b.length !== 32) {
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    return sha256d(both);
  }
  pair.set(a);
  pair.set(b, 32);
  return sha256d(pair);
}

const tagPrefixes = new Map<string, Uint8Array>();

/** BIP340 tagged hash: sha256(sha256(tag) || sha256(tag) || msg...). */
export function taggedHash(tag: string, ...msgs: Uint8Array[]): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (!prefix) {
    const t = crypto.createHash('sha256').update(tag, 'utf8').digest();
    prefix = new Uint8Array(64);
    prefix.set(t);
    prefix.set(t, 32);
    tagPrefixes.set(tag, prefix);
  }
  let len = 64;
  for (const m of msgs) len += m.length;
  const all = new Uint8Array(len);
  all.set(prefix);
  let off = 64;
  for (const m of msgs) {
    all.set(m, off);
    off += m.length;
  }
  return sha256(all);
}
