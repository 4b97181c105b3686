// Helpers shared by the primitives tests: loading the real-Bitcoin fixtures and small
// independent re-implementations (target from nBits, naive merkle) to check our code against.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Block } from '../../src/primitives/block.js';
import { BlockHeader } from '../../src/primitives/header.js';
import { Tx } from '../../src/primitives/tx.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A fixture's bytes; `.gz` files are gunzipped (large blocks are stored compressed). */
export function readFixture(rel: string): Uint8Array {
  const raw = readFileSync(new URL(rel, FIXTURES));
  return new Uint8Array(rel.endsWith('.gz') ? gunzipSync(raw) : raw);
}

export const MAINNET_MAGIC = 0xd9b4bef9; // f9 be b4 d9 read as u32le

/** Splits a bitcoind/btcd block dump of [magic][u32le length][block] frames. */
export function splitFrames(data: Uint8Array, magic = MAINNET_MAGIC): Uint8Array[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (pos + 8 > data.length) throw new Error(`frame header truncated at ${pos}`);
    if (view.getUint32(pos, true) !== magic) throw new Error(`bad magic at ${pos}`);
    const len = view.getUint32(pos + 4, true);
    if (pos + 8 + len > data.length) throw new Error(`frame body truncated at ${pos}`);
    out.push(data.subarray(pos + 8, pos + 8 + len));
    pos += 8 + len;
  }
  return out;
}

/** Target from compact nBits, written from the Bitcoin Core definition (no sign/overflow cases needed for real blocks). */
export function targetFromBits(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** A hash in internal byte order read as the little-endian 256-bit number PoW compares. */
export function hashToBigInt(hash: Uint8Array): bigint {
  let n = 0n;
  for (let i = hash.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n;
}

export function refSha256d(data: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(data).digest();
  return new Uint8Array(createHash('sha256').update(once).digest());
}

/** Textbook merkle root: build each level as a new array, duplicating an odd last node. */
export function naiveMerkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = [...leaves];
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const pair = new Uint8Array(64);
      pair.set(level[i]!, 0);
      pair.set(level[i + 1]!, 32);
      next.push(refSha256d(pair));
    }
    level = next;
  }
  return level[0]!;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Display (byte-reversed) hex of an internal-order hash. */
export function rhex(b: Uint8Array): string {
  return Buffer.from(b).reverse().toString('hex');
}

/** Rebuilds a tx from its fields only, so encode() must serialize instead of returning cached bytes. */
export function rebuildTx(tx: Tx): Tx {
  return new Tx({
    version: tx.version,
    inputs: tx.inputs.map((i) => ({ prevout: { ...i.prevout }, scriptSig: i.scriptSig, sequence: i.sequence, witness: [...i.witness] })),
    outputs: tx.outputs.map((o) => ({ ...o })),
    locktime: tx.locktime,
  });
}

export function rebuildBlock(b: Block): Block {
  const h = b.header;
  const header = new BlockHeader({ version: h.version, prevBlock: h.prevBlock, merkleRoot: h.merkleRoot, time: h.time, bits: h.bits, nonce: h.nonce });
  return new Block(header, b.txs.map(rebuildTx));
}

