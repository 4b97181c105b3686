import { describe, expect, test } from '@jest/globals';
import { PolicyError, checkStandardTx, feeForRate, feeRateAbove, DEFAULT_POLICY } from '../../src/mempool/index.js';
import { Tx, opReturnScript, p2trScript, type TxOut } from '../../src/primitives/index.js';

const KEY = p2trScript(new Uint8Array(32).fill(3));

function tx(outputs: TxOut[], o: { version?: number; witnessBytes?: number } = {}): Tx {
  return new Tx({
    version: o.version ?? 2,
    inputs: [{ prevout: { txid: new Uint8Array(32).fill(1), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [new Uint8Array(o.witnessBytes ?? 64)] }],
    outputs,
    locktime: 0,
  });
}

function code(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return e.code;
    throw e;
  }
  return undefined;
}

describe('checkStandardTx', () => {
  test('a plain P2TR payment is standard', () => {
    expect(code(() => checkStandardTx(tx([{ value: 10_000n, script: KEY }])))).toBeUndefined();
  });
  test.each([0, 3, 0x7fffffff])('version %i is refused', (version) => {
    expect(code(() => checkStandardTx(tx([{ value: 10_000n, script: KEY }], { version })))).toBe('version');
  });
  test('version 1 is allowed', () => {
    expect(code(() => checkStandardTx(tx([{ value: 10_000n, script: KEY }], { version: 1 })))).toBeUndefined();
  });
  test('dust: 329 refused, 330 accepted for P2TR', () => {
    expect(code(() => checkStandardTx(tx([{ value: 329n, script: KEY }])))).toBe('dust');
    expect(code(() => checkStandardTx(tx([{ value: 330n, script: KEY }])))).toBeUndefined();
  });
  test('OP_RETURN: 83-byte script allowed, 84 refused, two refused', () => {
    const ok = opReturnScript(new Uint8Array(80)); // 0x6a 0x4c 0x50 + 80
    expect(ok.length).toBe(83);
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }, { value: 0n, script: ok }])))).toBeUndefined();
    const big = opReturnScript(new Uint8Array(81));
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }, { value: 0n, script: big }])))).toBe('scriptpubkey');
    const small = opReturnScript(new Uint8Array(4));
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }, { value: 0n, script: small }, { value: 0n, script: small }])))).toBe(
      'multi-op-return',
    );
  });
  test('OP_RETURN followed by something other than one push is not standard', () => {
    const twoPushes = Uint8Array.of(0x6a, 0x01, 0xaa, 0x01, 0xbb);
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }, { value: 0n, script: twoPushes }])))).toBe('scriptpubkey');
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }, { value: 0n, script: Uint8Array.of(0x6a) }])))).toBeUndefined();
  });
  test('other scripts are not standard', () => {
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) }])))).toBe('scriptpubkey');
  });
  test('weight above 400,000 is tx-size', () => {
    expect(code(() => checkStandardTx(tx([{ value: 1000n, script: KEY }], { witnessBytes: 400_000 })))).toBe('tx-size');
  });
  test('non-witness size below 65 bytes is tx-size-small', () => {
    const t = tx([{ value: 1000n, script: Uint8Array.of(0x6a) }]);
    expect(t.baseSize).toBeLessThan(65);
    expect(code(() => checkStandardTx(t))).toBe('tx-size-small');
  });
  test('custom limits are honoured', () => {
    expect(code(() => checkStandardTx(tx([{ value: 500n, script: KEY }]), { ...DEFAULT_POLICY, dustLimit: 1000n }))).toBe('dust');
  });
});

describe('fee arithmetic', () => {
  test('feeForRate rounds up and is exact for whole rates', () => {
    expect(feeForRate(1000, 141)).toBe(141n);
    expect(feeForRate(1500, 141)).toBe(212n);
    expect(feeForRate(0, 141)).toBe(0n);
  });
  test('feeRateAbove compares without rounding', () => {
    expect(feeRateAbove(1001n, 1000, 1000n, 1000)).toBe(true);
    expect(feeRateAbove(1000n, 1000, 1000n, 1000)).toBe(false);
    expect(feeRateAbove(3n, 2, 1n, 1)).toBe(true);
  });
});
