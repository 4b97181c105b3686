// BIP340 official vectors through both verifiers, and signing where a secret key is given.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as tiny from 'tiny-secp256k1';
import fc from 'fast-check';
import * as nobleSecp from '@noble/secp256k1';
import { bytesToHex, hexToBytes } from '../../src/primitives/bytes.js';
import {
  defaultVerifier,
  nobleVerifier,
  signSchnorr,
  wasmVerifier,
  xOnlyPubkey,
} from '../../src/primitives/schnorr.js';
import { backendVerifier, loadBcryptoSchnorr, wasmRawVerify, type RawSchnorrVerify } from '../../src/primitives/verifiers.js';

// The node's two backends as it runs them, and noble as the independent reference.
const nativeVerifier = backendVerifier('native');
const nodeVerifiers = [nativeVerifier, backendVerifier('wasm')];

interface Row {
  index: number;
  secretKey: string;
  publicKey: string;
  auxRand: string;
  message: string;
  signature: string;
  expected: boolean;
  comment: string;
}

const csv = readFileSync(new URL('../fixtures/bips/bip340-test-vectors.csv', import.meta.url), 'utf8');
const rows: Row[] = csv
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => {
    const f = line.split(',');
    return {
      index: Number(f[0]),
      secretKey: f[1]!,
      publicKey: f[2]!,
      auxRand: f[3]!,
      message: f[4]!,
      signature: f[5]!,
      expected: f[6] === 'TRUE',
      comment: f.slice(7).join(','),
    };
  });

describe('BIP340 vectors', () => {
  test('the fixture has every row, valid and invalid', () => {
    expect(rows.length).toBe(19);
    expect(rows.filter((r) => r.expected).length).toBeGreaterThan(5);
    expect(rows.filter((r) => !r.expected).length).toBeGreaterThan(5);
    expect(defaultVerifier).toBe(wasmVerifier);
  });

  for (const verifier of [wasmVerifier, nobleVerifier, ...nodeVerifiers]) {
    test.each(rows.map((r) => [r.index, r.comment, r] as const))(
      `${verifier.name} verify row %i %s`,
      (_i, _c, r) => {
        const ok = verifier.verify(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey));
        expect(ok).toBe(r.expected);
      },
    );
  }

  // The backends hand non-32-byte messages to noble; show that each libsecp256k1 build on
  // its own is right for every 32-byte row, so the fallback hides nothing.
  const raws: [string, RawSchnorrVerify][] = [
    ['WASM (tiny-secp256k1)', (sig, msg, pk) => tiny.verifySchnorr(msg, pk, sig)],
    ['WASM as the node loads it', wasmRawVerify],
    ['native (bcrypto)', loadBcryptoSchnorr()],
  ];
  test.each(raws)('libsecp256k1 %s alone matches every 32-byte-message row', (_name, raw) => {
    const rows32 = rows.filter((r) => r.message.length === 64);
    expect(rows32.length).toBe(15);
    for (const r of rows32) {
      let ok: boolean;
      try {
        ok = raw(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey));
      } catch {
        ok = false;
      }
      expect([r.index, ok]).toEqual([r.index, r.expected]);
    }
  });

  test("native libsecp256k1 alone refuses other message lengths (bcrypto's 32-byte API), which is why they go to noble", () => {
    const raw = loadBcryptoSchnorr();
    const longer = rows.filter((r) => r.message.length !== 64 && r.expected);
    expect(longer.length).toBeGreaterThan(0);
    for (const r of longer) {
      let ok: boolean;
      try {
        ok = raw(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey));
      } catch {
        ok = false;
      }
      expect(ok).toBe(false);
      expect(nativeVerifier.verify(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey))).toBe(true);
    }
  });

  test.each(rows.filter((r) => r.secretKey !== '').map((r) => [r.index, r] as const))(
    'sign row %i reproduces the signature and public key',
    (_i, r) => {
      const sk = hexToBytes(r.secretKey);
      expect(bytesToHex(xOnlyPubkey(sk))).toBe(r.publicKey.toLowerCase());
      const sig = signSchnorr(hexToBytes(r.message), sk, hexToBytes(r.auxRand));
      expect(bytesToHex(sig)).toBe(r.signature.toLowerCase());
    },
  );

  test('verifiers return false, never throw, on malformed input', () => {
    const good = rows.find((r) => r.expected && r.message.length === 64)!;
    const sig = hexToBytes(good.signature);
    const msg = hexToBytes(good.message);
    const pk = hexToBytes(good.publicKey);
    const bad: [Uint8Array, Uint8Array, Uint8Array][] = [
      [sig.subarray(0, 63), msg, pk],
      [new Uint8Array([...sig, 0]), msg, pk],
      [sig, msg, pk.subarray(0, 31)],
      [sig, msg, new Uint8Array(33)],
      [new Uint8Array(64).fill(0xff), msg, pk],
      [sig, msg, new Uint8Array(32)],
      [sig, msg.subarray(0, 31), pk],
    ];
    for (const v of [wasmVerifier, nobleVerifier, ...nodeVerifiers]) {
      expect(v.verify(sig, msg, pk)).toBe(true);
      for (const [s, m, p] of bad) expect(v.verify(s, m, p)).toBe(false);
      expect(v.verify(null as unknown as Uint8Array, msg, pk)).toBe(false);
    }
  });

  test('a flipped bit anywhere in the signature or message invalidates it in every verifier', () => {
    const good = rows.find((r) => r.expected && r.message.length === 64)!;
    const pk = hexToBytes(good.publicKey);
    for (let bit = 0; bit < 64 * 8; bit += 37) {
      const sig = hexToBytes(good.signature);
      sig[bit >> 3]! ^= 1 << (bit & 7);
      for (const v of [wasmVerifier, nobleVerifier, ...nodeVerifiers]) expect(v.verify(sig, hexToBytes(good.message), pk)).toBe(false);
    }
    const msg = hexToBytes(good.message);
    msg[5]! ^= 0x10;
    for (const v of [wasmVerifier, nobleVerifier, ...nodeVerifiers]) expect(v.verify(hexToBytes(good.signature), msg, pk)).toBe(false);
  });

  test('signSchnorr (libsecp256k1 for 32-byte messages) gives the signature noble gives, for any key, message and aux', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk, msg, aux) => {
        fc.pre(nobleSecp.utils.isValidSecretKey(sk));
        expect(bytesToHex(signSchnorr(msg, sk, aux))).toBe(bytesToHex(nobleSecp.schnorr.sign(msg, sk, aux)));
      }),
      { numRuns: 50 },
    );
  });

  test('signing refuses invalid secret keys and aux of the wrong size', () => {
    const msg = new Uint8Array(32);
    expect(() => signSchnorr(msg, new Uint8Array(32))).toThrow(RangeError);
    expect(() => signSchnorr(msg, hexToBytes('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141'))).toThrow(RangeError);
    expect(() => signSchnorr(msg, new Uint8Array(31).fill(1))).toThrow(RangeError);
    expect(() => signSchnorr(msg, new Uint8Array(32).fill(1), new Uint8Array(31))).toThrow(RangeError);
  });
});
