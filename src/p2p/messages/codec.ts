// Helpers shared by the message codecs: bounded strings and fixed-size hashes.
// Every decoder runs on untrusted bytes and may only throw DecodeError.
import { BufReader, BufWriter, DecodeError } from '../../primitives/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8enc = new TextEncoder();

/** Length-prefixed UTF-8 string of at most `max` bytes. */
export function readString(r: BufReader, max: number): string {
  const b = r.varBytes(max);
  try {
    return utf8.decode(b);
  } catch {
    throw new DecodeError('bad-string', 'decode: string is not valid UTF-8');
  }
}

export function writeString(w: BufWriter, s: string, max: number, what: string): void {
  const b = utf8enc.encode(s);
  if (b.length > max) throw new RangeError(`p2p: ${what} longer than ${max} bytes`);
  w.varBytes(b);
}

/** Peer addresses are URLs made of printable ASCII without spaces. */
export function isValidUrlString(s: string, max: number): boolean {
  if (s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

export function readUrl(r: BufReader, max: number, allowEmpty: boolean): string {
  const s = readString(r, max);
  if ((!allowEmpty && s.length === 0) || !isValidUrlString(s, max)) {
    throw new DecodeError('bad-url', 'decode: address must be printable ASCII');
  }
  return s;
}

export function writeUrl(w: BufWriter, s: string, max: number, allowEmpty: boolean): void {
  if ((!allowEmpty && s.length === 0) || !isValidUrlString(s, max)) {
    throw new RangeError(`p2p: address must be 1..${max} printable ASCII characters`);
  }
  writeString(w, s, max, 'address');
}

export function writeHash(w: BufWriter, h: Uint8Array, what: string): void {
  if (h.length !== 32) throw new RangeError(`p2p: ${what} must be 32 bytes`);
  w.bytes(h);
}

/** Runs a decoder over a whole payload, insisting every byte is consumed. */
export function decodeWith<T>(payload: Uint8Array, read: (r: BufReader) => T): T {
  const r = new BufReader(payload);
  const v = read(r);
  r.expectEnd();
  return v;
}

export function encodeWith(size: number, write: (w: BufWriter) => void): Uint8Array {
  const w = new BufWriter(Math.max(1, size));
  write(w);
  return w.finish();
}

/** Messages with no payload (verack, getaddr, sendheaders, mempool). */
export function decodeEmpty(payload: Uint8Array): void {
  if (payload.length !== 0) throw new DecodeError('trailing-data', `decode: expected an empty payload, got ${payload.length} bytes`);
}

export const EMPTY = new Uint8Array(0);

/** u64 fields travel as bigint; encoders refuse values that do not fit. */
export function checkU64(v: bigint, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`p2p: ${what} must be a u64 bigint`);
  return v;
}

export function checkU32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`p2p: ${what} must be a u32`);
  return v;
}
