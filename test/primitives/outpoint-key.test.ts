import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { outpointKey, outpointMapKey } from '../../src/primitives/index.js';

const outpoint = fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }), vout: fc.nat({ max: 0xffffffff }) });

describe('outpointMapKey', () => {
  it('is equal exactly when outpointKey is (same txid bytes and vout)', () => {
    fc.assert(
      fc.property(outpoint, outpoint, fc.boolean(), (a, b0, sameTxid) => {
        const b = sameTxid ? { txid: a.txid, vout: b0.vout } : b0;
        expect(outpointMapKey(a) === outpointMapKey(b)).toBe(outpointKey(a) === outpointKey(b));
        expect(outpointMapKey({ txid: a.txid.slice(), vout: a.vout })).toBe(outpointMapKey(a));
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart outpoints that differ in one byte of the txid or of the vout', () => {
    const txid = new Uint8Array(32);
    const keys = new Set<string>();
    for (let i = 0; i < 32; i++) {
      const t = new Uint8Array(32);
      t[i] = 1;
      keys.add(outpointMapKey({ txid: t, vout: 0 }));
    }
    for (const vout of [0, 1, 0x100, 0x10000, 0x1000000, 0xffffffff]) keys.add(outpointMapKey({ txid, vout }));
    expect(keys.size).toBe(32 + 6);
  });

  it('falls back to the hex key for a txid of another length, which cannot collide with a 32-byte one', () => {
    const short = { txid: new Uint8Array(31), vout: 0 };
    expect(outpointMapKey(short)).toBe(outpointKey(short));
    expect(outpointMapKey(short)).not.toBe(outpointMapKey({ txid: new Uint8Array(32), vout: 0 }));
  });
});
