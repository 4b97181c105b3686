import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { hexToBytes } from '../../src/primitives/bytes.js';
import {
  MAX_PUSH_SIZE,
  classifyScript,
  isOpReturn,
  isP2TR,
  minimalPush,
  opReturnScript,
  p2trScript,
} from '../../src/primitives/script.js';

const key = hexToBytes('53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343');

describe('P2TR', () => {
  test('construct and classify', () => {
    const s = p2trScript(key);
    expect(s).toEqual(hexToBytes('5120' + '53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343'));
    expect(isP2TR(s)).toBe(true);
    expect(isOpReturn(s)).toBe(false);
    const info = classifyScript(s);
    expect(info).toEqual({ type: 'p2tr', key });
    // The key is a copy: mutating the script must not change it.
    s[2] ^= 1;
    expect(info.type === 'p2tr' && info.key).toEqual(key);
  });

  test('near misses are nonstandard', () => {
    const s = p2trScript(key);
    const cases = [
      s.subarray(0, 33), // truncated
      Uint8Array.from([...s, 0]), // trailing byte
      Uint8Array.from([0x52, ...s.subarray(1)]), // OP_2
      Uint8Array.from([0x00, ...s.subarray(1)]), // v0
      Uint8Array.from([0x51, 0x1f, ...key.subarray(1)]), // 31-byte push
      Uint8Array.from([0x51, 0x21, ...key, 0]), // 33-byte push
      hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6'), // p2wpkh
      new Uint8Array(0),
    ];
    for (const c of cases) {
      expect(isP2TR(c)).toBe(false);
      expect(classifyScript(c)).toEqual({ type: 'nonstandard' });
    }
  });

  test('refuses keys that are not 32 bytes', () => {
    expect(() => p2trScript(new Uint8Array(31))).toThrow(TypeError);
    expect(() => p2trScript(new Uint8Array(33))).toThrow(TypeError);
  });
});

describe('OP_RETURN', () => {
  test('minimal pushes by size', () => {
    expect(opReturnScript(new Uint8Array(0))).toEqual(Uint8Array.of(0x6a, 0x00));
    expect(opReturnScript(Uint8Array.of(5))).toEqual(Uint8Array.of(0x6a, 0x55));
    expect(opReturnScript(Uint8Array.of(16))).toEqual(Uint8Array.of(0x6a, 0x60));
    expect(opReturnScript(Uint8Array.of(0x81))).toEqual(Uint8Array.of(0x6a, 0x4f));
    expect(opReturnScript(Uint8Array.of(0))).toEqual(Uint8Array.of(0x6a, 0x01, 0x00));
    expect(opReturnScript(Uint8Array.of(17))).toEqual(Uint8Array.of(0x6a, 0x01, 0x11));
    const d75 = new Uint8Array(75).fill(7);
    expect(opReturnScript(d75)).toEqual(Uint8Array.from([0x6a, 75, ...d75]));
    const d76 = new Uint8Array(76).fill(7);
    expect(opReturnScript(d76)).toEqual(Uint8Array.from([0x6a, 0x4c, 76, ...d76]));
    const d80 = new Uint8Array(80).fill(9);
    expect(opReturnScript(d80)).toEqual(Uint8Array.from([0x6a, 0x4c, 80, ...d80]));
    const d255 = new Uint8Array(255).fill(1);
    expect(opReturnScript(d255).subarray(0, 3)).toEqual(Uint8Array.of(0x6a, 0x4c, 0xff));
    const d256 = new Uint8Array(256).fill(1);
    expect(opReturnScript(d256).subarray(0, 4)).toEqual(Uint8Array.of(0x6a, 0x4d, 0x00, 0x01));
    expect(() => opReturnScript(new Uint8Array(MAX_PUSH_SIZE + 1))).toThrow(RangeError);
  });

  test('round trip for any payload up to the push limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_PUSH_SIZE }), (data) => {
        const s = opReturnScript(data);
        expect(isOpReturn(s)).toBe(true);
        expect(classifyScript(s)).toEqual({ type: 'op_return', data });
        expect(minimalPush(data).length).toBe(s.length - 1);
      }),
      { numRuns: 300 },
    );
  });

  test('anything starting with OP_RETURN is op_return; data only for exactly one push', () => {
    expect(classifyScript(Uint8Array.of(0x6a))).toEqual({ type: 'op_return', data: null });
    expect(classifyScript(Uint8Array.of(0x6a, 0x01, 0xaa, 0x01, 0xbb))).toEqual({ type: 'op_return', data: null });
    expect(classifyScript(Uint8Array.of(0x6a, 0x02, 0xaa))).toEqual({ type: 'op_return', data: null }); // truncated
    expect(classifyScript(Uint8Array.of(0x6a, 0x4c))).toEqual({ type: 'op_return', data: null });
    expect(classifyScript(Uint8Array.of(0x6a, 0x4d, 0x01))).toEqual({ type: 'op_return', data: null });
    expect(classifyScript(Uint8Array.of(0x6a, 0x4e, 1, 0, 0))).toEqual({ type: 'op_return', data: null });
    expect(classifyScript(Uint8Array.of(0x6a, 0xac))).toEqual({ type: 'op_return', data: null }); // not a push
    expect(classifyScript(Uint8Array.of(0x6a, 0x55, 0x55))).toEqual({ type: 'op_return', data: null });
    // Non-minimal but well-formed pushes still yield their payload.
    expect(classifyScript(Uint8Array.of(0x6a, 0x4c, 0x02, 1, 2))).toEqual({ type: 'op_return', data: Uint8Array.of(1, 2) });
    expect(classifyScript(Uint8Array.of(0x6a, 0x4d, 0x01, 0x00, 9))).toEqual({ type: 'op_return', data: Uint8Array.of(9) });
    expect(classifyScript(Uint8Array.of(0x6a, 0x4e, 1, 0, 0, 0, 9))).toEqual({ type: 'op_return', data: Uint8Array.of(9) });
    expect(classifyScript(Uint8Array.of(0x6a, 0x4f))).toEqual({ type: 'op_return', data: Uint8Array.of(0x81) });
    expect(isOpReturn(new Uint8Array(0))).toBe(false);
    expect(isOpReturn(Uint8Array.of(0x00, 0x6a))).toBe(false);
  });

  test('classification never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const info = classifyScript(bytes);
        expect(['p2tr', 'op_return', 'nonstandard']).toContain(info.type);
        expect(info.type === 'op_return').toBe(bytes[0] === 0x6a);
        const withReturn = Uint8Array.from([0x6a, ...bytes]);
        expect(classifyScript(withReturn).type).toBe('op_return');
      }),
      { numRuns: 500 },
    );
  });
});
