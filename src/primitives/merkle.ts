// Bitcoin merkle trees, the witness commitment (BIP141), and CVE-2012-2459 detection.
import { concatBytes, equalBytes } from './bytes.js';
import { hashPair, sha256d } from './hash.js';
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

/** Root of leaves in internal byte order; an odd level duplicates its last node. */
export function merkleRoot(leaves: readonly Uint8Array[]): MerkleResult {
  if (leaves.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = leaves.slice();
  let mutated = false;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = i + 1 < level.length ? level[i + 1]! : left;
      if (i + 1 < level.length && equalBytes(left, right)) mutated = true;
      next.push(hashPair(left, right));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}

/** The branch (sibling hashes, bottom-up) proving leaf `index`; used by merkle proofs. */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('merkle: index out of range');
  const branch: Uint8Array[] = [];
  let level = leaves.slice();
  let pos = index;
  while (level.length > 1) {
    const sibling = pos ^ 1;
    branch.push(sibling < level.length ? level[sibling]! : level[pos]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(hashPair(level[i]!, i + 1 < level.length ? level[i + 1]! : level[i]!));
    }
    level = next;
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
