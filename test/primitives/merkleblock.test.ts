// merkleBlock (BIP37) checked by an independent implementation: bitcore-lib's MerkleBlock
// parses our bytes, validates the partial tree against the header's merkle root and finds
// exactly the matched transactions (its hasTransaction takes internal-order hex).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import bitcore from 'bitcore-lib';
import { BlockHeader, bytesToHex, merkleBlock, merkleRoot, sha256 } from '../../src/primitives/index.js';

function headerFor(txids: Uint8Array[]): Uint8Array {
  return new BlockHeader({ version: 1, prevBlock: new Uint8Array(32).fill(9), merkleRoot: merkleRoot(txids).root, time: 1_700_000_000, bits: 0x207fffff, nonce: 7 }).encode();
}

describe('merkleBlock', () => {
  it('is a valid BIP37 merkleblock proving exactly the matched txs (bitcore-lib)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (n, picks) => {
        const txids = Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i & 255, i >> 8, n & 255)));
        const matches = new Set(picks.map((p) => p % n));
        const hex = Buffer.from(merkleBlock(headerFor(txids), txids, matches)).toString('hex');
        const mb = new bitcore.MerkleBlock(Buffer.from(hex, 'hex'));
        expect(mb.validMerkleTree()).toBe(true);
        expect(mb.numTransactions).toBe(n);
        txids.forEach((t, i) => expect(mb.hasTransaction(bytesToHex(t))).toBe(matches.has(i)));
      }),
      { numRuns: 60 },
    );
  });

  it('matches the one-transaction block: header, count 1, that txid, flag 1', () => {
    const t = sha256(Uint8Array.of(1));
    const hdr = headerFor([t]);
    const hex = Buffer.from(merkleBlock(hdr, [t], new Set([0]))).toString('hex');
    expect(hex).toBe(Buffer.from(hdr).toString('hex') + '01000000' + '01' + Buffer.from(t).toString('hex') + '0101');
  });
});
