import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import { MUHASH_PRIME, MuHash3072, elementToNum } from '../../src/chain/muhash.js';
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

describe('MuHash3072 element mapping', () => {
  // The reference is the plain definition through node:crypto's ChaCha20, so the JS
  // keystream in muhash.ts is checked against an independent implementation.
  const reference = (data: Uint8Array): bigint => {
    const key = createHash('sha256').update(data).digest();
    const stream = createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(384));
    let x = 0n;
    for (let i = stream.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(stream[i]!);
    return x % MUHASH_PRIME;
  };

  it('equals sha256 → ChaCha20 keystream → little-endian number mod p', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (data) => {
        expect(elementToNum(data)).toBe(reference(data));
      }),
      { numRuns: 200 },
    );
  });
});
