// Hash functions. Results are copied out of Buffers so callers own plain Uint8Arrays.
// node:crypto is ~2-8x faster than @noble/hashes here (see NOTES.md), and its one-shot
// crypto.hash (Node >= 20.12) skips the Hash object createHash builds for every call:
// ~1.6x faster on the small inputs that dominate (txids, merkle nodes, sighashes).
// Hashing sits on every hot path (headers, txids, merkle trees, sighashes).
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** sha256 as a Buffer (internal: callers below copy it out). */
const sha256Buf: (data: Uint8Array) => Buffer =
  typeof oneShot === 'function' ? (data) => oneShot('sha256', data, 'buffer') : (data) => crypto.createHash('sha256').update(data).digest();

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(sha256Buf(data));
}

export function sha256d(data: Uint8Array): Uint8Array {
  return new Uint8Array(sha256Buf(sha256Buf(data)));
}

/** sha256d of two 32-byte nodes, the merkle tree step. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  return new Uint8Array(sha256Buf(sha256Buf(both)));
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
  return new Uint8Array(sha256Buf(all));
}
