import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Block, BlockHeader, hashToHex, outpointKey, type OutPoint } from '../../src/primitives/index.js';
import {
  bitcoinMainParams,
  blockWork,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  checkProofOfWork,
  connectBlockTxs,
  decodeCompact,
  encodeCompact,
  hashToBigInt,
  medianTimePast,
  type Coin,
} from '../../src/consensus/index.js';
import { HeaderList, expectCode, fixtureBytes, fixtureText, splitFrames } from './helpers.js';

const FAR_FUTURE = 4_000_000_000;

describe('compact targets (arith_uint256 SetCompact/GetCompact)', () => {
  // Bitcoin Core's src/test/arith_uint256_tests.cpp bignum_SetCompact cases.
  const cases: Array<[number, bigint, boolean, boolean, number]> = [
    // bits, target, negative, overflow, GetCompact(negative)
    [0x00000000, 0n, false, false, 0],
    [0x00123456, 0n, false, false, 0],
    [0x01003456, 0n, false, false, 0],
    [0x02000056, 0n, false, false, 0],
    [0x03000000, 0n, false, false, 0],
    [0x04000000, 0n, false, false, 0],
    [0x00923456, 0n, false, false, 0],
    [0x01803456, 0n, false, false, 0],
    [0x02800056, 0n, false, false, 0],
    [0x03800000, 0n, false, false, 0],
    [0x04800000, 0n, false, false, 0],
    [0x01123456, 0x12n, false, false, 0x01120000],
    [0x01fedcba, 0x7en, true, false, 0x01fe0000],
    [0x02123456, 0x1234n, false, false, 0x02123400],
    [0x03123456, 0x123456n, false, false, 0x03123456],
    [0x04123456, 0x12345600n, false, false, 0x04123456],
    [0x04923456, 0x12345600n, true, false, 0x04923456],
    [0x05009234, 0x92340000n, false, false, 0x05009234],
    [0x20123456, 0x123456n << 232n, false, false, 0x20123456],
  ];
  test.each(cases.map((c) => [c[0].toString(16).padStart(8, '0'), ...c] as const))('0x%s', (_hex, bits, target, negative, overflow, compact) => {
    const d = decodeCompact(bits);
    expect(d).toEqual({ target, negative, overflow });
    expect(encodeCompact(d.target, d.negative)).toBe(compact);
  });

  test('0xff123456 overflows; 0x80 re-encodes with an extra exponent byte', () => {
    expect(decodeCompact(0xff123456).overflow).toBe(true);
    expect(decodeCompact(0x22000001).overflow).toBe(false); // word 1, size 34
    expect(decodeCompact(0x23000001).overflow).toBe(true);
    expect(decodeCompact(0x22000100).overflow).toBe(true); // word > 0xff, size > 33
    expect(encodeCompact(0x80n)).toBe(0x02008000);
    expect(encodeCompact(bitcoinMainParams.powLimit)).toBe(0x1d00ffff);
  });

  test('encode then decode keeps the top 3 significant bytes, never the sign', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (t) => {
        const d = decodeCompact(encodeCompact(t));
        const size = Math.ceil(t.toString(2).length / 8);
        const drop = size > 3 ? BigInt(8 * (size - 3)) : 0n;
        const kept = t === 0n ? 0n : (t >> drop) << drop;
        // A mantissa with its top bit set moves one byte down (losing 8 more bits).
        const keptShort = t === 0n ? 0n : (t >> (drop + 8n)) << (drop + 8n);
        expect(d.negative).toBe(false);
        expect(d.overflow).toBe(false);
        expect(d.target === kept || d.target === keptShort).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('blockWork is 2^256 / (target + 1); invalid targets have no work', () => {
    expect(blockWork(0x1d00ffff)).toBe(0x100010001n);
    expect(blockWork(0x207fffff)).toBe(2n);
    expect(blockWork(0)).toBe(0n);
    expect(blockWork(0x04923456)).toBe(0n);
    expect(blockWork(0xff123456)).toBe(0n);
  });

  test('checkProofOfWork compares the hash as a little-endian number', () => {
    const p = { powLimit: (1n << 255n) - 1n };
    const low = new Uint8Array(32);
    low[31] = 0x7f;
    const high = new Uint8Array(32);
    high[31] = 0x80;
    expect(hashToBigInt(low)).toBe(0x7fn << 248n);
    expect(checkProofOfWork(low, 0x207fffff, p)).toBe(true);
    expect(checkProofOfWork(high, 0x207fffff, p)).toBe(false);
    expect(checkProofOfWork(new Uint8Array(32), 0, p)).toBe(false); // zero target
    expect(checkProofOfWork(new Uint8Array(32), 0x04923456, p)).toBe(false); // negative
    expect(checkProofOfWork(new Uint8Array(32), 0x1d00ffff, { powLimit: 1n })).toBe(false); // above powLimit
  });
});

interface Checkpoint {
  chainwork: bigint;
  height: number;
  header: BlockHeader;
}

function loadCheckpoints(): Checkpoint[] {
  const lines = fixtureText('bitcoinj/org.bitcoin.production.checkpoints.txt').trim().split('\n');
  expect(lines[0]).toBe('TXT CHECKPOINTS 1');
  const count = Number(lines[2]);
  const out = lines.slice(3).map((l) => {
    const b = new Uint8Array(Buffer.from(l.trim(), 'base64'));
    expect(b.length).toBe(96);
    const chainwork = BigInt('0x' + Buffer.from(b.subarray(0, 12)).toString('hex'));
    const height = new DataView(b.buffer).getUint32(12, false);
    return { chainwork, height, header: BlockHeader.decode(b.subarray(16)) };
  });
  expect(out.length).toBe(count);
  return out;
}

describe('bitcoinj mainnet checkpoints', () => {
  const cps = loadCheckpoints();

  test('436 headers every 2016 blocks, each with valid proof of work', () => {
    expect(cps.length).toBe(436);
    cps.forEach((cp, i) => {
      expect(cp.height).toBe(cps[0]!.height + 2016 * i);
      checkHeaderSanity(cp.header, bitcoinMainParams);
    });
  });

  test('chainwork grows by 2015 blocks at the old bits plus one at the new bits', () => {
    for (let i = 1; i < cps.length; i++) {
      const a = cps[i - 1]!;
      const b = cps[i]!;
      expect(b.chainwork - a.chainwork).toBe(2015n * blockWork(a.header.bits) + blockWork(b.header.bits));
    }
  });

  test('each retarget stays within the 4x clamp and below powLimit', () => {
    for (let i = 1; i < cps.length; i++) {
      const t0 = decodeCompact(cps[i - 1]!.header.bits).target;
      const t1 = decodeCompact(cps[i]!.header.bits).target;
      expect(t1 <= bitcoinMainParams.powLimit).toBe(true);
      // Compact encoding truncates, so allow the last mantissa unit.
      expect(t1 * 4n + (1n << 232n) >= t0).toBe(true);
      expect(t1 <= t0 * 4n).toBe(true);
    }
  });
});

describe('real mainnet blocks 0-438 (bitcoinj first-100k-blocks.dat)', () => {
  const blocks = splitFrames(fixtureBytes('bitcoinj/first-100k-blocks.dat')).map((b) => Block.decode(b));

  test('the file starts at Bitcoin genesis, which bitcoinMainParams rebuilds', () => {
    expect(blocks.length).toBe(439);
    expect(hashToHex(blocks[0]!.hash())).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(bitcoinMainParams.genesis.encode()).toEqual(blocks[0]!.encode());
  });

  test('every header passes sanity and context; every block passes all block rules with real spends', () => {
    const list = new HeaderList();
    list.push(blocks[0]!.header);
    const utxo = new Map<string, Coin>();
    const view = { getCoin: (p: OutPoint) => utxo.get(outpointKey(p)) };
    let spends = 0;
    for (let h = 1; h < blocks.length; h++) {
      const block = blocks[h]!;
      checkHeaderSanity(block.header, bitcoinMainParams);
      checkHeaderContext(block.header, h - 1, list, bitcoinMainParams, FAR_FUTURE);
      checkBlockSanity(block, bitcoinMainParams);
      checkBlockContext(block, h, medianTimePast(h - 1, list), bitcoinMainParams);
      const r = connectBlockTxs(block, h, view, bitcoinMainParams);
      for (const p of r.spentOutpoints) utxo.delete(outpointKey(p));
      for (const c of r.created) utxo.set(outpointKey(c.outpoint), c.coin);
      spends += r.spentOutpoints.length;
      list.push(block.header);
    }
    expect(spends).toBeGreaterThan(0); // block 170 is the first real spend
  });

  test('one flipped nonce bit fails high-hash; bits above powLimit or not the required ones fail bad-diffbits', () => {
    const list = new HeaderList();
    for (let h = 0; h <= 100; h++) list.push(blocks[h]!.header);
    const real = blocks[101]!.header;
    expect(() => checkHeaderContext(real, 100, list, bitcoinMainParams, FAR_FUTURE)).not.toThrow();
    expectCode(() => checkHeaderSanity(real.with({ nonce: real.nonce ^ 1 }), bitcoinMainParams), 'high-hash');
    expectCode(() => checkHeaderSanity(real.with({ bits: 0x1d010000 }), bitcoinMainParams), 'bad-diffbits');
    expectCode(() => checkHeaderSanity(real.with({ bits: 0x1d80ffff }), bitcoinMainParams), 'bad-diffbits');
    const e = expectCode(() => checkHeaderContext(real.with({ bits: 0x1d00fffe }), 100, list, bitcoinMainParams, FAR_FUTURE), 'bad-diffbits');
    expect(e.scope).toBe('header');
    expect(e.corruption).toBe(false);
  });
});
