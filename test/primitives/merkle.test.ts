// Merkle trees against a naive reference, CVE-2012-2459 on real blocks, and branches.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Block } from '../../src/primitives/block.js';
import { Tx } from '../../src/primitives/tx.js';
import { merkleBranch, merkleRoot, rootFromBranch, txMerkleRoot } from '../../src/primitives/merkle.js';
import { hex, naiveMerkleRoot, readFixture } from './realdata.js';

const leaf = (i: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, i + 1, true);
  b[31] = 0x5a;
  return b;
};
const arbLeaves = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40 });

describe('merkleRoot', () => {
  it('matches the naive tree for every leaf count 1..80', () => {
    for (let n = 1; n <= 80; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      const r = merkleRoot(leaves);
      expect([n, hex(r.root)]).toEqual([n, hex(naiveMerkleRoot(leaves))]);
      expect(r.mutated).toBe(false);
    }
  });

  it('matches the naive tree for arbitrary leaves, and leaves are not modified', () => {
    fc.assert(
      fc.property(arbLeaves, (leaves) => {
        const before = leaves.map(hex);
        expect(hex(merkleRoot(leaves).root)).toBe(hex(naiveMerkleRoot(leaves)));
        expect(leaves.map(hex)).toEqual(before);
      }),
    );
  });

  it('a single leaf is its own root; no leaves give the zero hash', () => {
    const one = leaf(0);
    expect(hex(merkleRoot([one]).root)).toBe(hex(one));
    expect(merkleRoot([one]).root).not.toBe(one); // a copy the caller may keep
    expect(merkleRoot([])).toEqual({ root: new Uint8Array(32), mutated: false });
  });

  it('flags two identical adjacent nodes at any level as mutated', () => {
    fc.assert(
      fc.property(arbLeaves, fc.nat(), (leaves, k) => {
        // Duplicate one even-indexed leaf into its right neighbour: a mutated tree.
        const i = (k % Math.ceil(leaves.length / 2)) * 2;
        const dup = [...leaves.slice(0, i + 1), leaves[i]!, ...leaves.slice(i + 2)];
        expect(merkleRoot(dup).mutated).toBe(true);
      }),
    );
    // Equal leaves that are not siblings (odd index, left of a pair) do not count at leaf level.
    const a = leaf(1);
    const b = leaf(2);
    expect(merkleRoot([a, b, b, a]).mutated).toBe(false);
    // Identical subtrees one level up do.
    expect(merkleRoot([a, b, a, b]).mutated).toBe(true);
  });

  it('refuses leaves that are not 32 bytes', () => {
    expect(() => merkleRoot([new Uint8Array(31)])).toThrow(TypeError);
  });
});

describe('CVE-2012-2459 on real blocks', () => {
  it('block300025 (461 txs, odd): repeating the last tx keeps the root but is flagged', () => {
    const b = Block.decode(readFixture('bcoin/block300025.raw.gz'));
    expect(b.txs.length % 2).toBe(1);
    const honest = txMerkleRoot(b.txs);
    expect(honest.mutated).toBe(false);
    const forged = txMerkleRoot([...b.txs, b.txs[b.txs.length - 1]!]);
    expect(hex(forged.root)).toBe(hex(b.header.merkleRoot));
    expect(forged.mutated).toBe(true);
  });

  it('block169482 (14 txs: odd one level up): repeating the last two txs keeps the root but is flagged', () => {
    const b = Block.decode(readFixture('bitcoinj/block169482.dat'));
    expect(b.txs.length).toBe(14);
    const forgedTxs = [...b.txs, ...b.txs.slice(12)];
    const forged = txMerkleRoot(forgedTxs);
    expect(hex(forged.root)).toBe(hex(b.header.merkleRoot));
    expect(forged.mutated).toBe(true);
    // Repeating just the last tx of an even list changes the root instead.
    expect(hex(txMerkleRoot([...b.txs, b.txs[13]!]).root)).not.toBe(hex(b.header.merkleRoot));
  });

  it('every real block root equals the naive tree, at sizes across a large block', () => {
    const b = Block.decode(readFixture('bitcoinj/block481829.dat.gz'));
    const ids = b.txs.map((t) => t.txid());
    for (const n of [1, 2, 3, 5, 17, 255, 1000, 2019, 2020]) {
      expect(hex(merkleRoot(ids.slice(0, n)).root)).toBe(hex(naiveMerkleRoot(ids.slice(0, n))));
    }
    expect(hex(merkleRoot(ids).root)).toBe(hex(b.header.merkleRoot));
  });
});

describe('Block.withHeldTxs', () => {
  it('takes only objects of identical bytes, keeps the raw block and its merkle results, and changes nothing when none is taken', () => {
    const raw = readFixture('bcoin/block300025.raw.gz');
    const b = Block.decode(raw);
    const root = b.merkle();
    // Held copies of every third tx (other objects, same bytes); a fifth also offered with a
    // byte changed (another locktime), which must be refused.
    const held = new Map<Tx, Tx>();
    b.txs.forEach((tx, i) => {
      if (i % 3 === 0) held.set(tx, Tx.decode(tx.encode()));
      else if (i % 5 === 0) held.set(tx, new Tx({ ...tx, locktime: tx.locktime + 1 }));
    });
    const copy = b.withHeldTxs((tx) => held.get(tx));
    expect(copy).not.toBe(b);
    expect(copy.encode()).toBe(b.encode()); // the same raw bytes, not re-serialized
    expect(copy.merkle()).toBe(root);
    copy.txs.forEach((tx, i) => {
      const offered = held.get(b.txs[i]!);
      const takes = i > 0 && i % 3 === 0; // the coinbase is never swapped
      expect(tx).toBe(takes ? offered : b.txs[i]);
    });
    // A fresh decode (no memo) of the copy's bytes has the copy's roots.
    const again = Block.decode(copy.encode());
    expect(hex(again.merkle().root)).toBe(hex(copy.merkle().root));
    expect(hex(again.witnessRoot())).toBe(hex(copy.witnessRoot()));
    expect(b.withHeldTxs(() => undefined)).toBe(b);
    expect(b.withHeldTxs((tx) => tx)).toBe(b);
  });
});

describe('merkleBranch / rootFromBranch', () => {
  for (const file of ['bitcoinj/block169482.dat', 'bcoin/block482683.raw', 'bcoin/block300025.raw.gz']) {
    it(`proves every tx of ${file}`, () => {
      const b = Block.decode(readFixture(file));
      const ids = b.txs.map((t) => t.txid());
      const depth = Math.ceil(Math.log2(ids.length));
      ids.forEach((id, i) => {
        const branch = merkleBranch(ids, i);
        expect(branch.length).toBe(depth);
        expect(hex(rootFromBranch(id, branch, i))).toBe(hex(b.header.merkleRoot));
      });
      // A branch does not prove another position or another leaf.
      const branch = merkleBranch(ids, 1);
      expect(hex(rootFromBranch(ids[1]!, branch, 0))).not.toBe(hex(b.header.merkleRoot));
      expect(hex(rootFromBranch(ids[0]!, branch, 1))).not.toBe(hex(b.header.merkleRoot));
    });
  }

  it('round trips for arbitrary leaf lists and indices', () => {
    fc.assert(
      fc.property(arbLeaves, fc.nat(), (leaves, k) => {
        const i = k % leaves.length;
        expect(hex(rootFromBranch(leaves[i]!, merkleBranch(leaves, i), i))).toBe(hex(naiveMerkleRoot(leaves)));
      }),
    );
  });

  it('refuses an index outside the leaves', () => {
    const leaves = [leaf(0), leaf(1)];
    for (const i of [-1, 2, 0.5]) expect(() => merkleBranch(leaves, i)).toThrow(RangeError);
  });
});
