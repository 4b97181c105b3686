import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { coinDigestElement, coinKey } from '../../src/chain/layout.js';
import { BufWriter } from '../../src/primitives/index.js';

describe('coinDigestElement', () => {
  // Core's TxOutSer layout, built with the generic writer as the reference.
  const reference = (txid: Uint8Array, vout: number, height: number, coinbase: boolean, value: bigint, script: Uint8Array) =>
    new BufWriter(64)
      .bytes(txid)
      .u32(vout)
      .u32(((height << 1) | (coinbase ? 1 : 0)) >>> 0)
      .i64(value)
      .varBytes(script)
      .finish();

  it('serializes outpoint | height<<1|coinbase | value | script like TxOutSer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0x7fffffff }),
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 21_000_000n * 100_000_000n }),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(252, 253, 0xffff, 0x10000).map((n) => new Uint8Array(n).fill(7))),
        (txid, vout, height, coinbase, value, script) => {
          const got = coinDigestElement({ txid, vout }, { value, script, height, coinbase });
          expect(Buffer.from(got).equals(Buffer.from(reference(txid, vout, height, coinbase, value, script)))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('coinKey', () => {
  it("is 'c' | txid | vout big-endian, so a txid's coins sort by vout", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 0xffffffff }), (txid, vout) => {
        const k = coinKey({ txid, vout });
        expect(k.length).toBe(37);
        expect(k[0]).toBe(0x63);
        expect(Buffer.from(k.subarray(1, 33)).equals(Buffer.from(txid))).toBe(true);
        expect(Buffer.from(k).readUInt32BE(33)).toBe(vout);
      }),
      { numRuns: 200 },
    );
  });
});
