import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BufWriter } from '../../src/primitives/index.js';

type Op = ['u8' | 'u16' | 'u32' | 'i32', number] | ['u64' | 'i64', bigint] | ['bytes', Uint8Array];

// Reference: the same fields through DataView, the way the writer used to store them.
function reference(ops: Op[]): Uint8Array {
  const out: number[] = [];
  const dv = new DataView(new ArrayBuffer(8));
  const push = (n: number) => {
    for (let i = 0; i < n; i++) out.push(dv.getUint8(i));
  };
  for (const [kind, v] of ops) {
    if (kind === 'u8') out.push((v as number) & 0xff);
    else if (kind === 'u16') (dv.setUint16(0, v as number, true), push(2));
    else if (kind === 'u32') (dv.setUint32(0, (v as number) >>> 0, true), push(4));
    else if (kind === 'i32') (dv.setInt32(0, (v as number) | 0, true), push(4));
    else if (kind === 'u64') (dv.setBigUint64(0, BigInt.asUintN(64, v as bigint), true), push(8));
    else if (kind === 'i64') (dv.setBigInt64(0, BigInt.asIntN(64, v as bigint), true), push(8));
    else out.push(...(v as Uint8Array));
  }
  return Uint8Array.from(out);
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constant('u8' as const), fc.integer({ min: 0, max: 255 })),
  fc.tuple(fc.constant('u16' as const), fc.integer({ min: 0, max: 0xffff })),
  fc.tuple(fc.constant('u32' as const), fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer())),
  fc.tuple(fc.constant('i32' as const), fc.integer()),
  fc.tuple(
    fc.constantFrom('u64' as const, 'i64' as const),
    fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }),
      fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
      fc.constantFrom(0n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n) - 1n, -1n, -(1n << 63n), (1n << 64n) - 1n),
    ),
  ),
  fc.tuple(fc.constant('bytes' as const), fc.uint8Array({ maxLength: 40 })),
);

describe('BufWriter', () => {
  it('writes every field little-endian exactly as DataView does, across buffer growth', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 64 }), (ops, initial) => {
        const w = new BufWriter(initial);
        for (const o of ops) {
          if (o[0] === 'bytes') w.bytes(o[1]);
          else if (o[0] === 'u64' || o[0] === 'i64') w[o[0]](o[1]);
          else w[o[0]](o[1] as number);
        }
        expect(Buffer.from(w.finish()).toString('hex')).toBe(Buffer.from(reference(ops)).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('hands over an exactly filled buffer, and later writes never change a finished result', () => {
    const w = new BufWriter(4);
    w.u32(0x01020304);
    const first = w.finish();
    expect([...first]).toEqual([4, 3, 2, 1]);
    w.u8(9).u32(0xffffffff);
    expect([...first]).toEqual([4, 3, 2, 1]);
    const second = w.finish();
    expect([...second]).toEqual([4, 3, 2, 1, 9, 255, 255, 255, 255]);
    // A partly filled writer returns a copy, so its spare room cannot alias the result.
    const x = new BufWriter(16).u8(1);
    const r = x.finish();
    x.u8(2);
    expect([...r]).toEqual([1]);
  });
});
