// The in-process load generator's transactions: every one pays at least the relay floor
// (1 sat/vB) for its real size, keeps outputs above dust, and carries a valid BIP340
// signature over its BIP341 sighash, checked with @scure/btc-signer's own verifier.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { schnorr } from '@noble/curves/secp256k1.js';
import * as btc from '@scure/btc-signer';
import { fanOut, makeKey, spendOnce, type Coin } from '../../devnet/loadgen.js';
import { seededRng } from '../../src/primitives/index.js';

describe('load generator transactions', () => {
  it('fan-outs and self-payments pay >= 1 sat/vB, stay above dust and verify independently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 2 ** 31 }), (n, seed) => {
        const rng = seededRng(seed);
        const keys = Array.from({ length: 3 }, () => makeKey(rng, 'tcrn'));
        const fund: Coin = { outpoint: { txid: rng.bytes(32), vout: 1 }, value: 50_000_000n, key: keys[0]!, depth: 1, txid: '' };
        const f = fanOut(fund, keys, n);
        const fee = fund.value - f.tx.outputs.reduce((s, o) => s + o.value, 0n);
        expect(Number(fee)).toBeGreaterThanOrEqual(f.tx.vsize);
        expect(f.coins).toHaveLength(n);
        const next = spendOnce(f.coins[n - 1]!)!;
        expect(Number(f.coins[n - 1]!.value - next.tx.outputs[0]!.value)).toBeGreaterThanOrEqual(next.tx.vsize);
        expect(next.next.depth).toBe(3);
        // independent check of the signature: btc-signer's sighash, noble's verify
        const t = btc.Transaction.fromRaw(next.tx.encode(), { allowUnknownOutputs: true });
        const prev = f.coins[n - 1]!;
        const msg = t.preimageWitnessV1(0, [prev.key.script], btc.SigHash.DEFAULT, [prev.value]);
        expect(schnorr.verify(next.tx.inputs[0]!.witness[0]!, msg, prev.key.script.subarray(2))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('stops spending a coin before it would fall below dust', () => {
    const key = makeKey(seededRng(1), 'tcrn');
    expect(spendOnce({ outpoint: { txid: new Uint8Array(32), vout: 0 }, value: 529n, key, depth: 0, txid: '' })).toBeUndefined();
    expect(spendOnce({ outpoint: { txid: new Uint8Array(32), vout: 0 }, value: 530n, key, depth: 0, txid: '' })!.tx.outputs[0]!.value).toBe(330n);
  });
});
