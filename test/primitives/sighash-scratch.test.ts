// TaprootSighasher hashes through reused scratch writers; these check that reuse never
// leaks one message into another: hash() must always equal the tagged hash of sigMsg(),
// for every hash type, across interleaved transactions and after a huge one.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesToHex } from '../../src/primitives/bytes.js';
import { taggedHash } from '../../src/primitives/hash.js';
import { TaprootSighasher } from '../../src/primitives/sighash.js';
import { Tx, type TxOut } from '../../src/primitives/tx.js';

const HASH_TYPES = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83];

const txArb = fc
  .record({
    version: fc.nat({ max: 0xffffffff }),
    locktime: fc.nat({ max: 0xffffffff }),
    inputs: fc.array(
      fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }), vout: fc.nat({ max: 0xffffffff }), sequence: fc.nat({ max: 0xffffffff }) }),
      { minLength: 1, maxLength: 4 },
    ),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: 1n << 62n }), script: fc.uint8Array({ maxLength: 300 }) }), { minLength: 1, maxLength: 4 }),
    spent: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: 1n << 62n }), script: fc.uint8Array({ maxLength: 80 }) }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ version, locktime, inputs, outputs, spent }) => {
    const tx = new Tx({
      version,
      locktime,
      inputs: inputs.map((i) => ({ prevout: { txid: i.txid, vout: i.vout }, scriptSig: new Uint8Array(), sequence: i.sequence, witness: [] })),
      outputs,
    });
    return { tx, prevouts: spent.slice(0, inputs.length) as TxOut[] };
  });

function expectConsistent(s: TaprootSighasher, annex?: Uint8Array): void {
  for (let i = 0; i < s.tx.inputs.length; i++) {
    for (const t of HASH_TYPES) {
      if ((t & 3) === 3 && i >= s.tx.outputs.length) continue;
      const h = s.hash(i, t, annex);
      expect(bytesToHex(h)).toBe(bytesToHex(taggedHash('TapSighash', s.sigMsg(i, t, annex))));
    }
  }
}

describe('TaprootSighasher scratch reuse', () => {
  it('hash() is the tagged hash of sigMsg() for every hash type, with sighashers interleaved', () => {
    fc.assert(
      fc.property(txArb, txArb, fc.boolean(), (a, b, withAnnex) => {
        const sa = new TaprootSighasher(a.tx, a.prevouts);
        const sb = new TaprootSighasher(b.tx, b.prevouts);
        const annex = withAnnex ? Uint8Array.of(0x50, 1, 2) : undefined;
        const first = sa.hash(0, 0x01);
        const keep = bytesToHex(first);
        expectConsistent(sb, annex);
        expectConsistent(sa, annex);
        expect(bytesToHex(first)).toBe(keep); // results are the caller's, never a scratch view
      }),
      { numRuns: 60 },
    );
  });

  it('stays correct after a transaction larger than the scratch limit', () => {
    const big = new Uint8Array(100_000).fill(0xab);
    const tx = new Tx({
      version: 2,
      locktime: 0,
      inputs: [{ prevout: { txid: new Uint8Array(32).fill(1), vout: 0 }, scriptSig: new Uint8Array(), sequence: 0, witness: [] }],
      outputs: [{ value: 5n, script: big }],
    });
    const s = new TaprootSighasher(tx, [{ value: 10n, script: big }]);
    expectConsistent(s, new Uint8Array(70_000).fill(0x50));
    const small = new Tx({ ...tx, outputs: [{ value: 5n, script: Uint8Array.of(0x51) }] });
    expectConsistent(new TaprootSighasher(small, [{ value: 10n, script: Uint8Array.of(0x51) }]));
  });
});
