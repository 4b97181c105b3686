// Byte helpers shared by every layer. Bytes are Uint8Array everywhere; Node's Buffer is
// used only inside functions where its native speed matters and never leaks out.

export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError('bytes: expected an even-length hex string');
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bitcoin shows hashes byte-reversed; internal order is what gets hashed and serialized. */
export function hashToHex(hash: Uint8Array): string {
  return bytesToHex(reverseBytes(hash));
}

export function hexToHash(hex: string): Uint8Array {
  if (hex.length !== 64) throw new TypeError('bytes: a hash is 64 hex characters');
  return reverseBytes(hexToBytes(hex));
}

export function reverseBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i]!;
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic compare, for sorting keys the way LevelDB does. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}
