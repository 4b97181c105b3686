// Hash functions. Results are copied out of Buffers so callers own plain Uint8Arrays.
// node:crypto is ~2-8x faster than @noble/hashes here (see NOTES.md),
// and hashing sits on every hot path (headers, txids, merkle trees, sighashes).
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function sha256d(data: Uint8Array): Uint8Array {
  const first = createHash('sha256').update(data).digest();
  return new Uint8Array(createHash('sha256').update(first).digest());
}

/** sha256d of two 32-byte nodes, the merkle tree step. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const first = createHash('sha256').update(a).update(b).digest();
  return new Uint8Array(createHash('sha256').update(first).digest());
}

const tagPrefixes = new Map<string, Buffer>();

/** BIP340 tagged hash: sha256(sha256(tag) || sha256(tag) || msg...). */
export function taggedHash(tag: string, ...msgs: Uint8Array[]): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (!prefix) {
    const t = createHash('sha256').update(tag, 'utf8').digest();
    prefix = Buffer.concat([t, t]);
    tagPrefixes.set(tag, prefix);
  }
  const h = createHash('sha256').update(prefix);
  for (const m of msgs) h.update(m);
  return new Uint8Array(h.digest());
}
