import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { hashPair, sha256, sha256d, sha256dInto, sha256Into, taggedHash, bytesToHex } from '../../src/primitives/index.js';

// Reference: node:crypto's streaming Hash, independent of the one-shot latin1 path in hash.ts.
const ref = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = bytesToHex;

describe('hash', () => {
  it('sha256 of the empty string and "abc" (FIPS 180-2)', () => {
    expect(hex(sha256(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('sha256, sha256d, hashPair and taggedHash equal the streaming reference, with bytes >= 0x80', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (d, a, b) => {
        expect(hex(sha256(d))).toBe(hex(ref(d)));
        expect(hex(sha256d(d))).toBe(hex(ref(ref(d))));
        const ab = new Uint8Array(64);
        ab.set(a);
        ab.set(b, 32);
        expect(hex(hashPair(a, b))).toBe(hex(ref(ref(ab))));
        const t = ref(new TextEncoder().encode('TapSighash'));
        const pre = new Uint8Array(64 + d.length);
        pre.set(t);
        pre.set(t, 32);
        pre.set(d, 64);
        expect(hex(taggedHash('TapSighash', d))).toBe(hex(ref(pre)));
      }),
      { numRuns: 200 },
    );
  });

  it('returns a fresh array each call, so a later hash never changes an earlier result', () => {
    const x = sha256d(Uint8Array.of(1));
    const copy = hex(x);
    sha256d(Uint8Array.of(2));
    hashPair(x, x);
    expect(hex(x)).toBe(copy);
    expect(sha256(Uint8Array.of(1))).not.toBe(sha256(Uint8Array.of(1)));
  });

  it('hashPair accepts nodes of other lengths as plain concatenation', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Uint8Array.of(4);
    expect(hex(hashPair(a, b))).toBe(hex(ref(ref(Uint8Array.of(1, 2, 3, 4)))));
  });

  it('the Into forms write at an offset, and sha256dInto may overwrite its own input', () => {
    const d = Uint8Array.from({ length: 64 }, (_, i) => i * 7);
    const out = new Uint8Array(40).fill(0xee);
    sha256Into(d, out, 4);
    expect(hex(out.subarray(4, 36))).toBe(hex(ref(d)));
    expect(out[3]).toBe(0xee);
    expect(out[36]).toBe(0xee);
    const buf = new Uint8Array(d);
    sha256dInto(buf.subarray(0, 64), buf, 0);
    expect(hex(buf.subarray(0, 32))).toBe(hex(ref(ref(d))));
  });
});
