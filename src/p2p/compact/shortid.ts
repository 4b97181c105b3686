// BIP152 short transaction ids: SipHash-2-4 of a transaction's wtxid (version 2, segwit),
// keyed by the first 16 bytes of SHA256(header || nonce), truncated to its low 6 bytes.
// @noble/hashes has no SipHash, so it is written here over pairs of 32-bit halves (no
// BigInt on the hot path: a 3,000-transaction block hashes 3,000 ids per hop) and tested
// against the SipHash paper's reference vectors and a BigInt model.
import { BufWriter, sha256 } from '../../primitives/index.js';
import type { BlockHeader } from '../../primitives/index.js';

/** A SipHash key as four 32-bit words: k0 low, k0 high, k1 low, k1 high. */
export interface SipKey {
  readonly k0lo: number;
  readonly k0hi: number;
  readonly k1lo: number;
  readonly k1hi: number;
}

/** The 16-byte key (k0 = bytes 0..7, k1 = bytes 8..15, little-endian). */
export function sipKey(key: Uint8Array): SipKey {
  if (key.length < 16) throw new RangeError('siphash: key must be 16 bytes');
  const v = new DataView(key.buffer, key.byteOffset, 16);
  return { k0lo: v.getUint32(0, true), k0hi: v.getUint32(4, true), k1lo: v.getUint32(8, true), k1hi: v.getUint32(12, true) };
}

/** BIP152: SHA256(header || nonce as u64le); its first 16 bytes key the short ids. */
export function shortIdKey(header: BlockHeader, nonce: bigint): SipKey {
  const w = new BufWriter(88);
  header.write(w);
  w.u64(nonce);
  return sipKey(sha256(w.finish()));
}

// State: v0..v3 as (lo, hi) pairs in one typed array, reused across calls (single-threaded).
const s = new Uint32Array(8);

function round(): void {
  // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
  add(0, 2);
  rotl(2, 13);
  xor(2, 0);
  swap(0);
  // v2 += v3; v3 = rotl(v3, 16) ^ v2
  add(4, 6);
  rotl(6, 16);
  xor(6, 4);
  // v0 += v3; v3 = rotl(v3, 21) ^ v0
  add(0, 6);
  rotl(6, 21);
  xor(6, 0);
  // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
  add(4, 2);
  rotl(2, 17);
  xor(2, 4);
  swap(4);
}

function add(a: number, b: number): void {
  const lo = s[a]! + s[b]!;
  s[a + 1] = s[a + 1]! + s[b + 1]! + (lo > 0xffffffff ? 1 : 0);
  s[a] = lo;
}

function rotl(a: number, n: number): void {
  const lo = s[a]!;
  const hi = s[a + 1]!;
  s[a] = (lo << n) | (hi >>> (32 - n));
  s[a + 1] = (hi << n) | (lo >>> (32 - n));
}

function xor(a: number, b: number): void {
  s[a] = s[a]! ^ s[b]!;
  s[a + 1] = s[a + 1]! ^ s[b + 1]!;
}

function swap(a: number): void {
  const t = s[a]!;
  s[a] = s[a + 1]!;
  s[a + 1] = t;
}

function init(k: SipKey): void {
  s[0] = k.k0lo ^ 0x70736575;
  s[1] = k.k0hi ^ 0x736f6d65;
  s[2] = k.k1lo ^ 0x6e646f6d;
  s[3] = k.k1hi ^ 0x646f7261;
  s[4] = k.k0lo ^ 0x6e657261;
  s[5] = k.k0hi ^ 0x6c796765;
  s[6] = k.k1lo ^ 0x79746573;
  s[7] = k.k1hi ^ 0x74656462;
}

function compress(mlo: number, mhi: number): void {
  s[6] = s[6]! ^ mlo;
  s[7] = s[7]! ^ mhi;
  round();
  round();
  s[0] = s[0]! ^ mlo;
  s[1] = s[1]! ^ mhi;
}

/** Finalization; leaves v0^v1^v2^v3 in s[0] (lo) and s[1] (hi). */
function finish(): void {
  s[4] = s[4]! ^ 0xff;
  round();
  round();
  round();
  round();
  s[0] = s[0]! ^ s[2]! ^ s[4]! ^ s[6]!;
  s[1] = s[1]! ^ s[3]! ^ s[5]! ^ s[7]!;
}

function word(m: Uint8Array, i: number): number {
  return (m[i]! | (m[i + 1]! << 8) | (m[i + 2]! << 16) | (m[i + 3]! << 24)) >>> 0;
}

/** SipHash-2-4 of any message; the 8 output bytes little-endian, as the reference code writes them. */
export function siphash24(key: SipKey, m: Uint8Array): Uint8Array {
  init(key);
  const full = m.length - (m.length % 8);
  for (let i = 0; i < full; i += 8) compress(word(m, i), word(m, i + 4));
  const tail = new Uint8Array(8);
  tail.set(m.subarray(full));
  tail[7] = m.length & 0xff;
  compress(word(tail, 0), word(tail, 4));
  finish();
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, s[0]!, true);
  v.setUint32(4, s[1]!, true);
  return out;
}

/** 2^32, for building 48-bit numbers. */
const TWO_32 = 0x1_0000_0000;

/**
 * The 6-byte short id of a 32-byte hash (a wtxid), as a number below 2^48: the low 48
 * bits of SipHash-2-4(key, hash). Numbers make cheap Map keys and are exact below 2^53.
 *
 * Every sender hashes each of a block's transactions once and every receiver each of
 * its mempool's, per hop, so this is the one SipHash on a hot path: its state lives in
 * local variables (V8 keeps them in registers) instead of the typed array siphash24
 * shares, and the rounds are written out. Tests check it against a BigInt model of the
 * SipHash paper and bcoin's compact-block fixtures.
 */
export function shortId(key: SipKey, hash: Uint8Array): number {
  if (hash.length !== 32) throw new RangeError('shortId: hash must be 32 bytes');
  let v0l = (key.k0lo ^ 0x70736575) >>> 0;
  let v0h = (key.k0hi ^ 0x736f6d65) >>> 0;
  let v1l = (key.k1lo ^ 0x6e646f6d) >>> 0;
  let v1h = (key.k1hi ^ 0x646f7261) >>> 0;
  let v2l = (key.k0lo ^ 0x6e657261) >>> 0;
  let v2h = (key.k0hi ^ 0x6c796765) >>> 0;
  let v3l = (key.k1lo ^ 0x79746573) >>> 0;
  let v3h = (key.k1hi ^ 0x74656462) >>> 0;
  let t = 0;
  let ml = 0;
  let mh = 0;
  // Blocks 0-3 are the hash's four words, block 4 the length word (32 in its top byte),
  // each compressed with 2 rounds; pass 5 is the finalization's 4 rounds. The round is
  // written once, on locals (round() above has the same steps, commented).
  for (let b = 0; b < 6; b++) {
    if (b < 4) {
      const i = b * 8;
      ml = (hash[i]! | (hash[i + 1]! << 8) | (hash[i + 2]! << 16) | (hash[i + 3]! << 24)) >>> 0;
      mh = (hash[i + 4]! | (hash[i + 5]! << 8) | (hash[i + 6]! << 16) | (hash[i + 7]! << 24)) >>> 0;
    } else if (b === 4) {
      ml = 0;
      mh = (32 << 24) >>> 0;
    }
    if (b < 5) {
      v3l = (v3l ^ ml) >>> 0;
      v3h = (v3h ^ mh) >>> 0;
    } else {
      v2l = (v2l ^ 0xff) >>> 0;
    }
    const rounds = b < 5 ? 2 : 4;
    for (let r = 0; r < rounds; r++) {
      t = v0l + v1l;
      v0h = (v0h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = t >>> 0;
      t = v1l;
      v1l = (((t << 13) | (v1h >>> 19)) ^ v0l) >>> 0;
      v1h = (((v1h << 13) | (t >>> 19)) ^ v0h) >>> 0;
      t = v0l;
      v0l = v0h;
      v0h = t;
      t = v2l + v3l;
      v2h = (v2h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = t >>> 0;
      t = v3l;
      v3l = (((t << 16) | (v3h >>> 16)) ^ v2l) >>> 0;
      v3h = (((v3h << 16) | (t >>> 16)) ^ v2h) >>> 0;
      t = v0l + v3l;
      v0h = (v0h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = t >>> 0;
      t = v3l;
      v3l = (((t << 21) | (v3h >>> 11)) ^ v0l) >>> 0;
      v3h = (((v3h << 21) | (t >>> 11)) ^ v0h) >>> 0;
      t = v2l + v1l;
      v2h = (v2h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = t >>> 0;
      t = v1l;
      v1l = (((t << 17) | (v1h >>> 15)) ^ v2l) >>> 0;
      v1h = (((v1h << 17) | (t >>> 15)) ^ v2h) >>> 0;
      t = v2l;
      v2l = v2h;
      v2h = t;
    }
    if (b < 5) {
      v0l = (v0l ^ ml) >>> 0;
      v0h = (v0h ^ mh) >>> 0;
    }
  }
  const lo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  const hi = (v0h ^ v1h ^ v2h ^ v3h) & 0xffff;
  return hi * TWO_32 + lo;
}

export const SHORT_ID_BYTES = 6;
export const MAX_SHORT_ID = 2 ** 48 - 1;
