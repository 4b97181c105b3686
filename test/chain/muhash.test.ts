import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MuHash3072 } from '../../src/chain/muhash.js';
import { hashToHex } from '../../src/primitives/index.js';

const fromInt = (i: number) => {
  const b = new Uint8Array(32);
  b[0] = i;
  return b;
};

describe('MuHash3072', () => {
  it("matches Bitcoin Core's crypto_tests vector", () => {
    const m = new MuHash3072();
    m.insert(fromInt(0));
    m.insert(fromInt(1));
    m.remove(fromInt(2));
    expect(hashToHex(m.finalize())).toBe('10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863');
  });

  it('is independent of order and cancels removals', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }), (items) => {
        const a = new MuHash3072();
        const b = new MuHash3072();
        items.forEach((x) => a.insert(x));
        [...items].reverse().forEach((x) => b.insert(x));
        expect(hashToHex(a.finalize())).toBe(hashToHex(b.finalize()));
        const extra = new Uint8Array([9, 9, 9]);
        a.insert(extra);
        a.remove(extra);
        expect(hashToHex(a.finalize())).toBe(hashToHex(b.finalize()));
        const c = MuHash3072.deserialize(a.serialize());
        expect(hashToHex(c.finalize())).toBe(hashToHex(b.finalize()));
      }),
      { numRuns: 20 },
    );
  });
});
