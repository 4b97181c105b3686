// BIP37 merkle blocks: a block header plus a partial merkle tree proving that some of
// the block's transactions are in it, serialized as Bitcoin Core's CMerkleBlock (what
// Esplora's GET /tx/:txid/merkleblock-proof returns, and Core's gettxoutproof).
// The tree is built as Core's CPartialMerkleTree::TraversalAndBuild: depth-first, a flag
// bit per visited node (1 = a matched leaf is below), a hash for each node not descended.
import { hashPair } from './hash.js';
import { BufWriter } from './writer.js';

function treeWidth(n: number, height: number): number {
  return (n + (1 << height) - 1) >> height;
}

/** A node's hash at `height` (0 = leaves), the last node of an odd level duplicated. */
function nodeHash(height: number, pos: number, txids: readonly Uint8Array[]): Uint8Array {
  if (height === 0) return txids[pos]!;
  const left = nodeHash(height - 1, pos * 2, txids);
  const right = pos * 2 + 1 < treeWidth(txids.length, height - 1) ? nodeHash(height - 1, pos * 2 + 1, txids) : left;
  return hashPair(left, right);
}

/**
 * The serialized merkleblock for `header` (80 bytes) and the block's txids (internal
 * order), matching the txids whose positions are in `matches`.
 */
export function merkleBlock(header: Uint8Array, txids: readonly Uint8Array[], matches: ReadonlySet<number>): Uint8Array {
  if (header.length !== 80) throw new TypeError('merkleblock: the header is 80 bytes');
  if (txids.length === 0) throw new RangeError('merkleblock: a block has at least one transaction');
  let height = 0;
  while (treeWidth(txids.length, height) > 1) height++;
  const bits: boolean[] = [];
  const hashes: Uint8Array[] = [];
  const walk = (h: number, pos: number): void => {
    let parentOfMatch = false;
    for (let p = pos << h; p < (pos + 1) << h && p < txids.length; p++) if (matches.has(p)) parentOfMatch = true;
    bits.push(parentOfMatch);
    if (h === 0 || !parentOfMatch) {
      hashes.push(nodeHash(h, pos, txids));
      return;
    }
    walk(h - 1, pos * 2);
    if (pos * 2 + 1 < treeWidth(txids.length, h - 1)) walk(h - 1, pos * 2 + 1);
  };
  walk(height, 0);
  const flags = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, i) => {
    if (b) flags[i >> 3]! |= 1 << (i & 7);
  });
  const w = new BufWriter(80 + 4 + 9 + hashes.length * 32 + 9 + flags.length).bytes(header).u32(txids.length).varint(hashes.length);
  for (const h of hashes) w.bytes(h);
  return w.varBytes(flags).finish();
}
