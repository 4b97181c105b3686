// Bitcoin merkle trees, the witness commitment (BIP141), and CVE-2012-2459 detection.
import { concatBytes } from './bytes.js';
import { hashPair, sha256d, sha256dInto } from './hash.js';
import type { Tx } from './tx.js';

export interface MerkleResult {
  readonly root: Uint8Array;
  /**
   * True when some level had two identical adjacent nodes: the tree then has the same root
   * as a different transaction list (CVE-2012-2459), so a block with this property is
   * refused without marking its header invalid.
   */
  readonly mutated: boolean;
}

/**
 * Leaves packed into one buffer with room for the odd-level duplicate. Levels are then
 * reduced in place: each parent overwrites the left child it came from, which is safe
 * because parent i is written only after children 2i and 2i+1 have been read.
 */
function packLeaves(leaves: readonly Uint8Array[]): Buffer {
  const buf = Buffer.allocUnsafe((leaves.length + 1) * 32);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    if (leaf.length !== 32) throw new TypeError('merkle: leaves are 32-byte hashes');
    buf.set(leaf, i * 32);
  }
  return buf;
}

/**
 * Reduces one level of `n` nodes held in `buf` to its parents (returned count). Each
 * parent is hashed straight into the buffer (no Hash object, no digest Buffer per node):
 * this runs for every block received and every template built.
 */
function reduceLevel(buf: Buffer, n: number): number {
  if (n & 1) buf.copyWithin(n * 32, (n - 1) * 32, n * 32);
  const half = (n + 1) >> 1;
  for (let i = 0; i < half; i++) sha256dInto(buf.subarray(i * 64, i * 64 + 64), buf, i * 32);
  return half;
}

/** Root of leaves in internal byte order; an odd level duplicates its last node. */
export function merkleRoot(leaves: readonly Uint8Array[]): MerkleResult {
  if (leaves.length === 0) return { root: new Uint8Array(32), mutated: false };
  const buf = packLeaves(leaves);
  let n = leaves.length;
  let mutated = false;
  while (n > 1) {
    // As Core's ComputeMerkleRoot: only pairs that both exist count, before padding.
    if (!mutated) {
      for (let i = 0; i + 1 < n; i += 2) {
        if (buf.compare(buf, i * 32 + 32, i * 32 + 64, i * 32, i * 32 + 32) === 0) {
          mutated = true;
          break;
        }
      }
    }
    n = reduceLevel(buf, n);
  }
  return { root: new Uint8Array(buf.subarray(0, 32)), mutated };
}

/** The branch (sibling hashes, bottom-up) proving leaf `index`; used by merkle proofs. */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError('merkle: index out of range');
  const buf = packLeaves(leaves);
  const branch: Uint8Array[] = [];
  let n = leaves.length;
  let pos = index;
  while (n > 1) {
    // An odd level's last node is paired with itself, so its sibling is its own copy.
    const sibling = Math.min(pos ^ 1, n - 1);
    branch.push(new Uint8Array(buf.subarray(sibling * 32, sibling * 32 + 32)));
    n = reduceLevel(buf, n);
    pos >>= 1;
  }
  return branch;
}

/** Recomputes a root from a leaf and its branch. */
export function rootFromBranch(leaf: Uint8Array, branch: readonly Uint8Array[], index: number): Uint8Array {
  let h = leaf;
  let pos = index;
  for (const s of branch) {
    h = pos & 1 ? hashPair(s, h) : hashPair(h, s);
    pos >>= 1;
  }
  return h;
}

export function txMerkleRoot(txs: readonly Tx[]): MerkleResult {
  return merkleRoot(txs.map((t) => t.txid()));
}

/** Witness merkle root: the coinbase's wtxid is taken as 32 zero bytes (BIP141). */
export function witnessMerkleRoot(txs: readonly Tx[]): Uint8Array {
  return merkleRoot(txs.map((t, i) => (i === 0 ? new Uint8Array(32) : t.wtxid()))).root;
}

/** OP_RETURN OP_PUSHBYTES_36 aa21a9ed — the BIP141 commitment output prefix. */
export const WITNESS_COMMITMENT_HEADER = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);

/** sha256d(witness root || reserved value). */
export function witnessCommitmentHash(witnessRoot: Uint8Array, reserved: Uint8Array): Uint8Array {
  return sha256d(concatBytes(witnessRoot, reserved));
}

/** The commitment output script for a block's transactions (with a 32-byte reserved value). */
export function witnessCommitmentScript(txs: readonly Tx[], reserved: Uint8Array = new Uint8Array(32)): Uint8Array {
  return concatBytes(WITNESS_COMMITMENT_HEADER, witnessCommitmentHash(witnessMerkleRoot(txs), reserved));
}

/**
 * Index of the coinbase output carrying the witness commitment, or -1. As BIP141: the
 * last output whose script is at least 38 bytes and starts with the commitment header.
 */
export function findWitnessCommitment(coinbase: Tx): number {
  let found = -1;
  coinbase.outputs.forEach((o, i) => {
    const s = o.script;
    if (s.length >= 38 && WITNESS_COMMITMENT_HEADER.every((b, j) => s[j] === b)) found = i;
  });
  return found;
}
