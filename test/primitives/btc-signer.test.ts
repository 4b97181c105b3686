// Cross-implementation check: transactions built and signed by @scure/btc-signer verify
// under our BIP341 sighash and both Schnorr verifiers, for all seven hash types; and a
// one-byte change in any field flips the result exactly where that hash type commits to it.
import { describe, expect, test } from '@jest/globals';
import * as btc from '@scure/btc-signer';
import { bytesToHex, reverseBytes } from '../../src/primitives/bytes.js';
import { opReturnScript, p2trScript } from '../../src/primitives/script.js';
import { nobleVerifier, taprootTweakPubkey, wasmVerifier, xOnlyPubkey } from '../../src/primitives/schnorr.js';
import {
  SIGHASH_ALL,
  SIGHASH_ANYONECANPAY,
  SIGHASH_DEFAULT,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
  TaprootSighasher,
} from '../../src/primitives/sighash.js';
import { signKeyPathInput } from '../../src/primitives/sign.js';
import { Tx, type TxIn, type TxOut } from '../../src/primitives/tx.js';

const HASH_TYPES = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83];
const AUX = new Uint8Array(32).fill(0x42);

function secret(i: number): Uint8Array {
  const k = new Uint8Array(32);
  k[31] = i + 1;
  k[0] = 0x11 * (i + 1);
  return k;
}

const N_INPUTS = 3;
const keys = Array.from({ length: N_INPUTS }, (_, i) => secret(i));
const internal = keys.map((k) => xOnlyPubkey(k));
const outputKeys = internal.map((p) => taprootTweakPubkey(p).outputKey);
const prevouts: TxOut[] = outputKeys.map((k, i) => ({ value: 100_000n * BigInt(i + 1) + 7n, script: p2trScript(k) }));
const prevTxids = Array.from({ length: N_INPUTS }, (_, i) => new Uint8Array(32).fill(0xa0 + i));
const outputs: TxOut[] = [
  { value: 150_000n, script: p2trScript(outputKeys[2]!) },
  { value: 120_000n, script: p2trScript(outputKeys[0]!) },
  { value: 0n, script: opReturnScript(new TextEncoder().encode('cairn')) },
];

/** Build and sign with btc-signer, every input under `hashType`; decode with our codec. */
function signWithBtcSigner(hashType: number): Tx {
  const t = new btc.Transaction({ version: 2, lockTime: 500_123, allowUnknownOutputs: true });
  for (let i = 0; i < N_INPUTS; i++) {
    const pay = btc.p2tr(internal[i]!);
    t.addInput({
      ...pay,
      txid: reverseBytes(prevTxids[i]!), // btc-signer takes display order
      index: i * 3 + 1,
      sequence: 0xfffffffd - i,
      witnessUtxo: { script: prevouts[i]!.script, amount: prevouts[i]!.value },
      ...(hashType !== SIGHASH_DEFAULT ? { sighashType: hashType } : {}),
    });
  }
  for (const o of outputs) t.addOutput({ script: o.script, amount: o.value });
  for (let i = 0; i < N_INPUTS; i++) expect(t.signIdx(keys[i]!, i, [hashType], AUX)).toBe(true);
  t.finalize();
  return Tx.decode(t.extract());
}

/** Verify input i of tx the way a node would: hash type from the witness, key from the prevout. */
function verifies(tx: Tx, prevs: readonly TxOut[], i: number, key: Uint8Array): boolean {
  const item = tx.inputs[i]!.witness[0]!;
  const hashType = item.length === 65 ? item[64]! : SIGHASH_DEFAULT;
  const msg = new TaprootSighasher(tx, prevs).hash(i, hashType);
  const sig = item.subarray(0, 64);
  const a = wasmVerifier.verify(sig, msg, key);
  const b = nobleVerifier.verify(sig, msg, key);
  expect(a).toBe(b);
  return a;
}

const flip = (b: Uint8Array, at = 0): Uint8Array => {
  const c = b.slice();
  c[at]! ^= 0x01;
  return c;
};
const withInput = (tx: Tx, j: number, f: (i: TxIn) => TxIn): Tx =>
  new Tx({ ...tx, inputs: tx.inputs.map((inp, k) => (k === j ? f(inp) : inp)) });
const withOutput = (tx: Tx, j: number, f: (o: TxOut) => TxOut): Tx =>
  new Tx({ ...tx, outputs: tx.outputs.map((o, k) => (k === j ? f(o) : o)) });

interface Mutation {
  name: string;
  apply(tx: Tx, prevs: TxOut[]): { tx: Tx; prevs: TxOut[] };
  /** Does a signature on input i with this hash type commit to the mutated field? */
  covered(hashType: number, i: number): boolean;
}

function mutations(): Mutation[] {
  const acp = (t: number) => (t & SIGHASH_ANYONECANPAY) !== 0;
  const outType = (t: number) => (t === SIGHASH_DEFAULT ? SIGHASH_ALL : t & 3);
  const m: Mutation[] = [
    { name: 'version', apply: (tx, prevs) => ({ tx: new Tx({ ...tx, version: tx.version ^ 1 }), prevs }), covered: () => true },
    { name: 'locktime', apply: (tx, prevs) => ({ tx: new Tx({ ...tx, locktime: tx.locktime ^ 1 }), prevs }), covered: () => true },
  ];
  for (let j = 0; j < N_INPUTS; j++) {
    const own = (t: number, i: number) => !acp(t) || i === j;
    m.push(
      {
        name: `input ${j} prevout txid`,
        apply: (tx, prevs) => ({ tx: withInput(tx, j, (x) => ({ ...x, prevout: { ...x.prevout, txid: flip(x.prevout.txid, 7) } })), prevs }),
        covered: own,
      },
      {
        name: `input ${j} prevout vout`,
        apply: (tx, prevs) => ({ tx: withInput(tx, j, (x) => ({ ...x, prevout: { ...x.prevout, vout: x.prevout.vout ^ 1 } })), prevs }),
        covered: own,
      },
      {
        name: `input ${j} sequence`,
        apply: (tx, prevs) => ({ tx: withInput(tx, j, (x) => ({ ...x, sequence: x.sequence ^ 0x100 })), prevs }),
        covered: own,
      },
      {
        name: `prevout ${j} amount`,
        apply: (tx, prevs) => ({ tx, prevs: prevs.map((p, k) => (k === j ? { ...p, value: p.value ^ 1n } : p)) }),
        covered: own,
      },
      {
        name: `prevout ${j} script`,
        apply: (tx, prevs) => ({ tx, prevs: prevs.map((p, k) => (k === j ? { ...p, script: flip(p.script, 33) } : p)) }),
        covered: own,
      },
      {
        // Witnesses are never signed (that is what makes the txid malleability-free).
        name: `input ${j} witness`,
        apply: (tx, prevs) => ({ tx: withInput(tx, j, (x) => ({ ...x, witness: [...x.witness, new Uint8Array([1])] })), prevs }),
        covered: () => false,
      },
    );
  }
  for (let k = 0; k < outputs.length; k++) {
    const cov = (t: number, i: number) => outType(t) === SIGHASH_ALL || (outType(t) === SIGHASH_SINGLE && i === k);
    m.push(
      { name: `output ${k} value`, apply: (tx, prevs) => ({ tx: withOutput(tx, k, (o) => ({ ...o, value: o.value ^ 0x100n })), prevs }), covered: cov },
      {
        name: `output ${k} script`,
        apply: (tx, prevs) => ({ tx: withOutput(tx, k, (o) => ({ ...o, script: flip(o.script, o.script.length - 1) })), prevs }),
        covered: cov,
      },
    );
  }
  return m;
}

describe('@scure/btc-signer transactions verify under our sighash and verifiers', () => {
  test('btc-signer derives the same BIP86 output keys', () => {
    for (let i = 0; i < N_INPUTS; i++) expect(bytesToHex(btc.p2tr(internal[i]!).script)).toBe(bytesToHex(prevouts[i]!.script));
  });

  for (const hashType of HASH_TYPES) {
    describe(`hash type 0x${hashType.toString(16).padStart(2, '0')}`, () => {
      const tx = signWithBtcSigner(hashType);

      test('every input verifies, and our signer produces the same witness', () => {
        expect(tx.inputs.length).toBe(N_INPUTS);
        const sh = new TaprootSighasher(tx, prevouts);
        for (let i = 0; i < N_INPUTS; i++) {
          const item = tx.inputs[i]!.witness[0]!;
          expect(tx.inputs[i]!.witness.length).toBe(1);
          expect(item.length).toBe(hashType === SIGHASH_DEFAULT ? 64 : 65);
          if (hashType !== SIGHASH_DEFAULT) expect(item[64]).toBe(hashType);
          expect(verifies(tx, prevouts, i, outputKeys[i]!)).toBe(true);
          // Against the wrong key it fails.
          expect(verifies(tx, prevouts, i, outputKeys[(i + 1) % N_INPUTS]!)).toBe(false);
          // Same key, message and aux give the same BIP340 signature.
          const unsigned = new Tx({ ...tx, inputs: tx.inputs.map((x) => ({ ...x, witness: [] })) });
          expect(bytesToHex(signKeyPathInput(unsigned, i, prevouts, keys[i]!, hashType, AUX))).toBe(bytesToHex(item));
          expect(sh.hash(i, hashType)).toEqual(new TaprootSighasher(unsigned, prevouts).hash(i, hashType));
        }
      });

      test('one-byte changes break exactly the signatures that commit to them', () => {
        let broke = 0;
        let kept = 0;
        for (const mut of mutations()) {
          const { tx: t2, prevs } = mut.apply(tx, prevouts.slice());
          for (let i = 0; i < N_INPUTS; i++) {
            const expected = !mut.covered(hashType, i);
            const got = verifies(t2, prevs, i, outputKeys[i]!);
            if (got !== expected) throw new Error(`${mut.name}, input ${i}: verify=${got}, expected ${expected}`);
            if (expected) kept++;
            else broke++;
          }
        }
        // Every hash type leaves some fields unsigned (witnesses) and signs some (version).
        expect(broke).toBeGreaterThan(0);
        expect(kept).toBeGreaterThan(0);
      });
    });
  }

  test('NONE ignores outputs, ANYONECANPAY ignores other inputs, SINGLE only its own output', () => {
    // Spot checks that the coverage table itself says what BIP341 says.
    const m = mutations();
    const cov = (name: string, t: number, i: number) => m.find((x) => x.name === name)!.covered(t, i);
    expect(cov('output 1 value', SIGHASH_NONE, 0)).toBe(false);
    expect(cov('output 1 value', SIGHASH_SINGLE, 1)).toBe(true);
    expect(cov('output 1 value', SIGHASH_SINGLE, 0)).toBe(false);
    expect(cov('output 1 value', SIGHASH_DEFAULT, 0)).toBe(true);
    expect(cov('input 2 sequence', SIGHASH_NONE, 0)).toBe(true); // unlike BIP143, BIP341 keeps sequences
    expect(cov('input 2 sequence', SIGHASH_ALL | SIGHASH_ANYONECANPAY, 0)).toBe(false);
    expect(cov('prevout 0 amount', SIGHASH_ALL | SIGHASH_ANYONECANPAY, 0)).toBe(true);
    expect(cov('prevout 1 amount', SIGHASH_ALL, 0)).toBe(true); // BIP341 signs all amounts
  });
});
