// BIP341 wallet vectors: key tweaks, scriptPubKeys, addresses and key-path sighashes.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { encodeAddress, scriptToAddress } from '../../src/primitives/address.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/bytes.js';
import { p2trScript } from '../../src/primitives/script.js';
import {
  nobleVerifier,
  signSchnorr,
  taprootTweakPubkey,
  taprootTweakSecret,
  wasmVerifier,
  xOnlyPubkey,
} from '../../src/primitives/schnorr.js';
import { SighashError, TaprootSighasher, taprootSighash } from '../../src/primitives/sighash.js';
import { SignError, signKeyPathInput, signKeyPathInputWith } from '../../src/primitives/sign.js';
import { Tx, type TxOut } from '../../src/primitives/tx.js';

interface SpkCase {
  given: { internalPubkey: string; scriptTree: unknown };
  intermediary: { merkleRoot: string | null; tweak: string; tweakedPubkey: string };
  expected: { scriptPubKey: string; bip350Address: string };
}
interface InputCase {
  given: { txinIndex: number; internalPrivkey: string; merkleRoot: string | null; hashType: number };
  intermediary: { internalPubkey: string; tweakedPrivkey: string; sigMsg: string; sigHash: string };
  expected: { witness: string[] };
}
interface KeyPathCase {
  given: { rawUnsignedTx: string; utxosSpent: { scriptPubKey: string; amountSats: number }[] };
  intermediary: Record<'hashAmounts' | 'hashOutputs' | 'hashPrevouts' | 'hashScriptPubkeys' | 'hashSequences', string>;
  inputSpending: InputCase[];
  auxiliary: { fullySignedTx: string };
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/bips/bip341-wallet-test-vectors.json', import.meta.url), 'utf8'),
) as { scriptPubKey: SpkCase[]; keyPathSpending: KeyPathCase[] };

const ZERO32 = new Uint8Array(32);

describe('BIP341 scriptPubKey vectors', () => {
  const keyOnly = vectors.scriptPubKey.filter((c) => c.given.scriptTree === null);
  test('there are key-path-only cases', () => expect(keyOnly.length).toBeGreaterThan(0));

  test.each(keyOnly.map((c, i) => [i, c] as const))('key-only case %i', (_i, c) => {
    const { outputKey } = taprootTweakPubkey(hexToBytes(c.given.internalPubkey));
    expect(bytesToHex(outputKey)).toBe(c.intermediary.tweakedPubkey);
    const spk = p2trScript(outputKey);
    expect(bytesToHex(spk)).toBe(c.expected.scriptPubKey);
    expect(encodeAddress(outputKey, 'bc')).toBe(c.expected.bip350Address);
    expect(scriptToAddress(spk, 'bc')).toBe(c.expected.bip350Address);
  });

  // The tweak with a merkle root is the same arithmetic; these cases check it too.
  const withRoot = vectors.scriptPubKey.filter((c) => c.intermediary.merkleRoot !== null);
  test.each(withRoot.map((c, i) => [i, c] as const))('output key with merkle root, case %i', (_i, c) => {
    const { outputKey } = taprootTweakPubkey(hexToBytes(c.given.internalPubkey), hexToBytes(c.intermediary.merkleRoot!));
    expect(bytesToHex(outputKey)).toBe(c.intermediary.tweakedPubkey);
    expect(encodeAddress(outputKey, 'bc')).toBe(c.expected.bip350Address);
  });
});

describe('BIP341 keyPathSpending vectors', () => {
  for (const [n, kp] of vectors.keyPathSpending.entries()) {
    const tx = Tx.decode(hexToBytes(kp.given.rawUnsignedTx));
    const prevouts: TxOut[] = kp.given.utxosSpent.map((u) => ({
      value: BigInt(u.amountSats),
      script: hexToBytes(u.scriptPubKey),
    }));
    const sighasher = new TaprootSighasher(tx, prevouts);
    const signed = Tx.decode(hexToBytes(kp.auxiliary.fullySignedTx));

    test(`case ${n}: precomputed hashes`, () => {
      expect(bytesToHex(sighasher.shaAmounts)).toBe(kp.intermediary.hashAmounts);
      expect(bytesToHex(sighasher.shaOutputs)).toBe(kp.intermediary.hashOutputs);
      expect(bytesToHex(sighasher.shaPrevouts)).toBe(kp.intermediary.hashPrevouts);
      expect(bytesToHex(sighasher.shaScriptPubkeys)).toBe(kp.intermediary.hashScriptPubkeys);
      expect(bytesToHex(sighasher.shaSequences)).toBe(kp.intermediary.hashSequences);
    });

    test.each(kp.inputSpending.map((c) => [c.given.txinIndex, c.given.hashType, c] as const))(
      `case ${n}: input %i hashType %i`,
      (idx, hashType, c) => {
        const sk = hexToBytes(c.given.internalPrivkey);
        const root = c.given.merkleRoot ? hexToBytes(c.given.merkleRoot) : undefined;
        expect(bytesToHex(xOnlyPubkey(sk))).toBe(c.intermediary.internalPubkey);
        expect(bytesToHex(sighasher.sigMsg(idx, hashType))).toBe(c.intermediary.sigMsg);
        const hash = sighasher.hash(idx, hashType);
        expect(bytesToHex(hash)).toBe(c.intermediary.sigHash);
        expect(bytesToHex(taprootSighash(tx, idx, prevouts, hashType))).toBe(c.intermediary.sigHash);

        const tweaked = taprootTweakSecret(sk, root);
        expect(bytesToHex(tweaked)).toBe(c.intermediary.tweakedPrivkey);
        const outputKey = prevouts[idx]!.script.subarray(2);
        expect(bytesToHex(xOnlyPubkey(tweaked))).toBe(bytesToHex(outputKey));
        expect(taprootTweakPubkey(hexToBytes(c.intermediary.internalPubkey), root).outputKey).toEqual(outputKey);

        // The vectors sign with an all-zero aux_rand.
        const sig = signSchnorr(hash, tweaked, ZERO32);
        const item = hashType === 0 ? sig : Uint8Array.from([...sig, hashType]);
        expect(bytesToHex(item)).toBe(c.expected.witness[0]);
        expect(bytesToHex(signKeyPathInput(tx, idx, prevouts, sk, hashType, ZERO32, root))).toBe(c.expected.witness[0]);
        expect(bytesToHex(signKeyPathInputWith(sighasher, idx, sk, hashType, ZERO32, root))).toBe(c.expected.witness[0]);
        expect(signed.inputs[idx]!.witness.map(bytesToHex)).toEqual(c.expected.witness);
        for (const v of [wasmVerifier, nobleVerifier]) expect(v.verify(sig, hash, outputKey)).toBe(true);
      },
    );

    test(`case ${n}: signing refuses inputs that do not pay to the key`, () => {
      const c = kp.inputSpending[0]!;
      const other = kp.inputSpending[1]!;
      const sk = hexToBytes(other.given.internalPrivkey);
      expect(() => signKeyPathInputWith(sighasher, c.given.txinIndex, sk, c.given.hashType)).toThrow(SignError);
      const nonP2tr = prevouts.findIndex((p) => !(p.script.length === 34 && p.script[0] === 0x51));
      try {
        signKeyPathInputWith(sighasher, nonP2tr, sk);
        throw new Error('expected SignError');
      } catch (e) {
        expect((e as SignError).code).toBe('not-p2tr');
      }
    });
  }
});

describe('TaprootSighasher errors', () => {
  const kp = vectors.keyPathSpending[0]!;
  const tx = Tx.decode(hexToBytes(kp.given.rawUnsignedTx));
  const prevouts: TxOut[] = kp.given.utxosSpent.map((u) => ({ value: BigInt(u.amountSats), script: hexToBytes(u.scriptPubKey) }));
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SighashError);
      return (e as SighashError).code;
    }
    throw new Error('expected a SighashError');
  };

  test('bad hash types are refused', () => {
    const s = new TaprootSighasher(tx, prevouts);
    for (const t of [0x04, 0x80, 0x84, 0x40, 0x41, 0xff, 0x100, -1]) expect(code(() => s.hash(0, t))).toBe('bad-hashtype');
  });

  test('SIGHASH_SINGLE without a matching output', () => {
    const s = new TaprootSighasher(tx, prevouts);
    expect(tx.outputs.length).toBe(2);
    expect(code(() => s.hash(2, 0x03))).toBe('sighash-single-no-output');
    expect(code(() => s.hash(5, 0x83))).toBe('sighash-single-no-output');
    expect(s.hash(1, 0x03)).toHaveLength(32);
    // NONE and ALL do not need an output at that index.
    expect(s.hash(5, 0x02)).toHaveLength(32);
  });

  test('input index, prevouts and annex are checked', () => {
    const s = new TaprootSighasher(tx, prevouts);
    expect(code(() => s.hash(tx.inputs.length, 0))).toBe('bad-input-index');
    expect(code(() => s.hash(-1, 0))).toBe('bad-input-index');
    expect(code(() => s.hash(0.5, 0))).toBe('bad-input-index');
    expect(code(() => new TaprootSighasher(tx, prevouts.slice(1)))).toBe('bad-prevouts');
    expect(code(() => s.hash(0, 0, Uint8Array.of(0x51)))).toBe('bad-annex');
    expect(code(() => s.hash(0, 0, new Uint8Array(0)))).toBe('bad-annex');
  });

  test('an annex is committed to', () => {
    const s = new TaprootSighasher(tx, prevouts);
    const a = s.hash(0, 0, Uint8Array.of(0x50));
    const b = s.hash(0, 0, Uint8Array.of(0x50, 1));
    expect(a).not.toEqual(s.hash(0, 0));
    expect(a).not.toEqual(b);
    // spend_type byte is 1 when an annex is present
    expect(s.sigMsg(0, 0, Uint8Array.of(0x50))[2 + 4 + 4 + 32 * 5]).toBe(1);
    expect(s.sigMsg(0, 0)[2 + 4 + 4 + 32 * 5]).toBe(0);
  });
});

describe('taproot tweaks', () => {
  test('tweaked secret and tweaked public key agree (both y parities, with and without a root)', () => {
    const parities = new Set<number>();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 })), (seed, root) => {
        const sk = seed.slice();
        sk[0] = (sk[0]! & 0x7f) | 0x01; // keep it in [1, n-1]
        const r = root ?? undefined;
        const { outputKey, parity } = taprootTweakPubkey(xOnlyPubkey(sk), r);
        parities.add(parity);
        expect(xOnlyPubkey(taprootTweakSecret(sk, r))).toEqual(outputKey);
      }),
      { numRuns: 40 },
    );
    expect(parities.size).toBe(2);
  });

  test('keys that are not curve points are refused', () => {
    // From the BIP340 vectors: not on the curve, and x >= p.
    expect(() => taprootTweakPubkey(hexToBytes('eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34'))).toThrow(RangeError);
    expect(() => taprootTweakPubkey(hexToBytes('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30'))).toThrow(RangeError);
    expect(() => taprootTweakPubkey(new Uint8Array(33))).toThrow(TypeError);
    expect(() => taprootTweakPubkey(hexToBytes(vectors.scriptPubKey[0]!.given.internalPubkey), new Uint8Array(31))).toThrow(RangeError);
    expect(() => taprootTweakSecret(new Uint8Array(32))).toThrow(RangeError);
  });
});
