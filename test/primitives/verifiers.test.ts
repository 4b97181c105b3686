// Choosing the signature backend: native libsecp256k1 when it loads and passes the BIP340
// self-test, WASM otherwise (with the reason), and an error when native is demanded but
// cannot be had. Failures are injected through the loader, as a missing or broken bcrypto
// build would present them.
import { describe, expect, it } from '@jest/globals';
import {
  hexToBytes,
  loadBcryptoSchnorr,
  selectVerifier,
  selfTest,
  VerifierError,
  wasmRawVerify,
  type RawSchnorrVerify,
} from '../../src/primitives/index.js';

const missing = (): RawSchnorrVerify => {
  throw new Error("Cannot find module 'bcrypto/lib/native/binding'");
};
// Valid BIP340 vector 1.
const PK = hexToBytes('DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659');
const MSG = hexToBytes('243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89');
const SIG = hexToBytes('6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A');

describe('signature backend selection', () => {
  it('auto picks native libsecp256k1 here (bcrypto built at npm ci) and it passes its self-test', () => {
    expect(selfTest(loadBcryptoSchnorr())).toBeUndefined();
    expect(selfTest(wasmRawVerify)).toBeUndefined();
    const s = selectVerifier('auto');
    expect([s.backend, s.requested, s.fallbackReason]).toEqual(['native', 'auto', undefined]);
    expect(s.verifier.verify(SIG, MSG, PK)).toBe(true);
    expect(selectVerifier('wasm').backend).toBe('wasm');
    expect(selectVerifier('native').backend).toBe('native');
  });

  it('falls back to WASM when the native module does not load, and says why', () => {
    const s = selectVerifier('auto', { loadNative: missing });
    expect(s.backend).toBe('wasm');
    expect(s.fallbackReason).toMatch(/did not load: Cannot find module/);
    expect(s.verifier.verify(SIG, MSG, PK)).toBe(true);
    const bad = new Uint8Array(SIG);
    bad[0]! ^= 1;
    expect(s.verifier.verify(bad, MSG, PK)).toBe(false);
  });

  it('refuses --verifier native without a working native module, naming the cause', () => {
    expect(() => selectVerifier('native', { loadNative: missing })).toThrow(VerifierError);
    expect(() => selectVerifier('native', { loadNative: missing })).toThrow(/did not load.*install it/);
    expect(() => selectVerifier('nope' as 'auto')).toThrow(/must be one of auto, native, wasm/);
  });

  // A native build that loads but is wrong must never be used: the self-test checks that
  // valid rows pass AND invalid rows (and a flipped bit) fail.
  const broken: [string, RawSchnorrVerify, RegExp][] = [
    ['accepts everything', () => true, /vector 5 gave true, expected false/],
    ['refuses everything', () => false, /vector 0 gave false, expected true/],
    ['throws on everything', () => {
      throw new Error('boom');
    }, /vector 0 threw boom/],
    ['ignores the signature bytes past R', (sig, msg, pk) => {
      const fixed = new Uint8Array(sig);
      fixed.set(SIG.subarray(32), 32);
      return wasmRawVerify(fixed, msg, pk) || wasmRawVerify(sig, msg, pk);
    }, /flipped bit verified|expected false/],
  ];
  it.each(broken)('a native backend that %s fails the self-test and is not used', (_what, raw, reason) => {
    expect(selfTest(raw)).toMatch(reason);
    const s = selectVerifier('auto', { loadNative: () => raw });
    expect(s.backend).toBe('wasm');
    expect(s.fallbackReason).toMatch(/failed the BIP340 self-test/);
    expect(() => selectVerifier('native', { loadNative: () => raw })).toThrow(/failed the BIP340 self-test/);
  });
});
