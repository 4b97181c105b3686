// BIP152 pieces without a network: SipHash-2-4 against the SipHash paper's reference
// vectors and a BigInt model written separately; short ids and codecs against bcoin's
// real compact blocks of mainnet block 426884 and testnet block 898352; fast-check round
// trips of the messages and the differential indexes; reconstruction from a pool with
// everything, some or nothing missing, short-id collisions and wrong rebuilds.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Block, BlockHeader, DecodeError, Tx, bytesToHex, equalBytes, sha256 } from '../../src/primitives/index.js';
import { decodeMessage, encodeMessage, type CmpctblockMessage, type Message } from '../../src/p2p/messages/index.js';
import * as cmpctMsg from '../../src/p2p/messages/cmpctblock.js';
import * as getblocktxnMsg from '../../src/p2p/messages/getblocktxn.js';
import { MAX_TX_INDEX, fromDifferential, toDifferential } from '../../src/p2p/compact/codec.js';
import { shortId, shortIdKey, sipKey, siphash24 } from '../../src/p2p/compact/shortid.js';
import { PartialBlock, checkRebuilt, makeCompact } from '../../src/p2p/compact/reconstruct.js';
import { readFixture } from '../primitives/realdata.js';

const MAGIC = 0x0b110907;

// ---------------------------------------------------------------- an independent model

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;
/** SipHash-2-4 straight from the paper, on BigInt words: slow and obviously correct. */
function sipModel(key: Uint8Array, m: Uint8Array): bigint {
  const le = (b: Uint8Array, at: number): bigint => {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i] ?? 0);
    return v;
  };
  const k0 = le(key, 0);
  const k1 = le(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const blocks = Math.floor(m.length / 8);
  for (let i = 0; i < blocks; i++) {
    const w = le(m, i * 8);
    v3 ^= w; round(); round(); v0 ^= w;
  }
  const tail = new Uint8Array(8);
  tail.set(m.subarray(blocks * 8));
  const last = le(tail, 0) | (BigInt(m.length & 0xff) << 56n);
  v3 ^= last; round(); round(); v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** From the SipHash paper's reference code (vectors.h, vectors_sip64): key 00..0f, message 00..i-1. */
const REFERENCE = [
  '310e0edd47db6f72', 'fd67dc93c539f874', '5a4fa9d909806c0d', '2d7efbd796666785',
  'b7877127e09427cf', '8da699cd64557618', 'cee3fe586e46c9cb', '37d1018bf50002ab',
  '6224939a79f5f593', 'b0e4a90bdf82009e', 'f3b9dd94c5bb5d7a', 'a7ad6b22462fb3f4',
  'fbe50e86bc8f1e75', '903d84c02756ea14', 'eef27a8e90ca23f7', 'e545be4961ca29a1',
];

describe('SipHash-2-4', () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);

  it('matches the reference vectors of the SipHash paper (empty, partial and full words)', () => {
    REFERENCE.forEach((hex, i) => {
      const m = Uint8Array.from({ length: i }, (_, j) => j);
      expect([i, bytesToHex(siphash24(sipKey(key), m))]).toEqual([i, hex]);
    });
  });

  it('matches a BigInt model on random keys and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 80 }), (k, m) => {
        const got = new DataView(siphash24(sipKey(k), m).buffer).getBigUint64(0, true);
        expect(got).toBe(sipModel(k, m));
      }),
      { numRuns: 300 },
    );
  });

  it('short ids are the low 48 bits of SipHash(SHA256(header || nonce)[0..16], hash)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), fc.bigInt({ min: 0n, max: M64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (hb, nonce, h) => {
        const header = BlockHeader.decode(hb);
        const pre = new Uint8Array(88);
        pre.set(hb);
        new DataView(pre.buffer).setBigUint64(80, nonce, true);
        const k = sha256(pre).subarray(0, 16);
        const want = Number(sipModel(k, h) & ((1n << 48n) - 1n));
        expect(shortId(shortIdKey(header, nonce), h)).toBe(want);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- real compact blocks

const REAL = [
  { name: 'mainnet 426884', compact: 'bcoin/compact426884.raw', block: 'bcoin/block426884.raw.gz' },
  { name: 'testnet 898352', compact: 'bcoin/compact898352.raw', block: 'bcoin/block898352.raw' },
];

describe.each(REAL)('bcoin compact block $name', ({ compact, block: blockFile }) => {
  const raw = readFixture(compact);
  const block = Block.decode(readFixture(blockFile));
  const cb = cmpctMsg.decode(raw);

  it('decodes: the header is the block header and the ids cover every transaction', () => {
    expect(bytesToHex(cb.header.encode())).toBe(bytesToHex(block.header.encode()));
    expect(cb.shortIds.length + cb.prefilled.length).toBe(block.txs.length);
    expect(cb.prefilled[0]!.index).toBe(0);
    expect(bytesToHex(cb.prefilled[0]!.tx.encode())).toBe(bytesToHex(block.txs[0]!.encode()));
  });

  it('its short ids are ours, computed from the wtxids with its nonce', () => {
    const key = shortIdKey(cb.header, cb.nonce);
    const pre = new Set(cb.prefilled.map((p) => p.index));
    const ours = block.txs.filter((_, i) => !pre.has(i)).map((t) => shortId(key, t.wtxid()));
    expect(ours).toEqual(cb.shortIds);
  });

  it('re-encodes byte for byte, and makeCompact with its nonce rebuilds it exactly', () => {
    expect(bytesToHex(cmpctMsg.encode(cb))).toBe(bytesToHex(raw));
    const mine = makeCompact(block, cb.nonce, cb.prefilled.map((p) => p.index));
    expect(bytesToHex(cmpctMsg.encode(mine))).toBe(bytesToHex(raw));
  });

  it('is rebuilt from a pool holding its transactions (in any order, among others), and checks out', () => {
    const others = REAL.filter((r) => r.block !== blockFile).flatMap((r) => Block.decode(readFixture(r.block)).txs.slice(1));
    const pool = [...block.txs.slice(1)].reverse().concat(others);
    const r = PartialBlock.init(cb, pool);
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.partial.missing()).toEqual([]);
    const rebuilt = r.partial.block();
    expect(bytesToHex(rebuilt.encode())).toBe(bytesToHex(block.encode()));
    expect(checkRebuilt(rebuilt)).toBe('ok');
  });

  it('asks for exactly the transactions the pool lacks, and completes with them', () => {
    const dropped = new Set<number>();
    for (let i = 1; i < block.txs.length; i += 3) dropped.add(i);
    const r = PartialBlock.init(cb, block.txs.filter((_, i) => i > 0 && !dropped.has(i)));
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.partial.missing()).toEqual([...dropped]);
    const answer = r.partial.missing().map((i) => block.txs[i]!);
    const f = r.partial.fill(answer);
    expect(f.status).toBe('ok');
    if (f.status === 'ok') expect(bytesToHex(f.block.encode())).toBe(bytesToHex(block.encode()));
  });
});

// ---------------------------------------------------------------- reconstruction failures

describe('reconstruction failures fall back, never blame the block', () => {
  const block = Block.decode(readFixture('bcoin/block898352.raw'));
  const segwit = Block.decode(readFixture('bcoin/block482683.raw'));

  it('two equal short ids in the compact block: collision (fetch the full block)', () => {
    const cb = makeCompact(block, 7n);
    const ids = [...cb.shortIds];
    ids[2] = ids[1]!;
    expect(PartialBlock.init({ ...cb, shortIds: ids }, block.txs).status).toBe('collision');
  });

  it('a wrong transaction in a blocktxn answer gives a rebuild whose merkle root does not match', () => {
    const cb = makeCompact(block, 9n);
    const r = PartialBlock.init(cb, block.txs.slice(2));
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.partial.missing()).toEqual([1]);
    const f = r.partial.fill([block.txs[2]!]);
    if (f.status !== 'ok') throw new Error(f.status);
    expect(checkRebuilt(f.block)).toBe('bad-merkle');
  });

  it('a blocktxn with the wrong number of transactions is the sender\'s fault', () => {
    const cb = makeCompact(block, 9n);
    const r = PartialBlock.init(cb, block.txs.slice(3));
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.partial.fill([block.txs[1]!]).status).toBe('invalid');
  });

  it('a CVE-2012-2459 duplicate (same merkle root, last tx twice) is reported as mutated', () => {
    const txs = block.txs.length % 2 === 1 ? block.txs : block.txs.slice(0, -1);
    expect(txs.length % 2).toBe(1);
    // A header committing to an odd list also commits to that list with its last leaf repeated.
    const header = block.header.with({ merkleRoot: merkle(txs) });
    const doubled = [...txs, txs[txs.length - 1]!];
    expect(bytesToHex(merkle(doubled))).toBe(bytesToHex(header.merkleRoot));
    expect(checkRebuilt(new Block(header, doubled))).toBe('mutated');
    expect(checkRebuilt(new Block(header, txs))).toBe('ok');
  });

  it('swapped witness data keeps the txid root but breaks the witness commitment', () => {
    expect(checkRebuilt(segwit)).toBe('ok');
    const i = segwit.txs.findIndex((t, j) => j > 0 && t.hasWitness);
    expect(i).toBeGreaterThan(0);
    const t = segwit.txs[i]!;
    const w = t.inputs[0]!.witness.map((x) => x.slice());
    const k = w.findIndex((x) => x.length > 0);
    w[k]![0] = w[k]![0]! ^ 1;
    const bad = new Tx({ ...t, inputs: [{ ...t.inputs[0]!, witness: w }, ...t.inputs.slice(1)] });
    expect(equalBytes(bad.txid(), t.txid())).toBe(true);
    expect(equalBytes(bad.wtxid(), t.wtxid())).toBe(false);
    const txs = [...segwit.txs];
    txs[i] = bad;
    expect(checkRebuilt(new Block(segwit.header, txs))).toBe('bad-witness');
  });
});

/** A naive merkle root (pairs, last one doubled), independent of src/primitives/merkle.ts. */
function merkle(txs: readonly Tx[]): Uint8Array {
  let level = txs.map((t) => t.txid());
  while (level.length > 1) {
    if (level.length % 2) level.push(level[level.length - 1]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const both = new Uint8Array(64);
      both.set(level[i]!);
      both.set(level[i + 1]!, 32);
      next.push(sha256(sha256(both)));
    }
    level = next;
  }
  return level[0]!;
}

// ---------------------------------------------------------------- codecs

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const u32 = fc.nat({ max: 0xffffffff });
const header = fc
  .record({ version: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), prevBlock: hash, merkleRoot: hash, time: u32, bits: u32, nonce: u32 })
  .map((f) => new BlockHeader(f));
const tx = fc
  .record({
    version: u32,
    inputs: fc.array(
      fc.record({
        prevout: fc.record({ txid: hash, vout: u32 }),
        scriptSig: fc.uint8Array({ maxLength: 40 }),
        sequence: u32,
        witness: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: 2n ** 62n }), script: fc.uint8Array({ maxLength: 34 }) }), { maxLength: 2 }),
    locktime: u32,
  })
  .map((f) => new Tx(f));
const sid = fc.nat({ max: 2 ** 48 - 1 });
/** strictly increasing indexes in 0..65,535 */
const indexes = fc.uniqueArray(fc.nat({ max: MAX_TX_INDEX }), { maxLength: 60 }).map((a) => a.sort((x, y) => x - y));
const cmpct: fc.Arbitrary<CmpctblockMessage> = fc
  .record({ header, nonce: fc.bigInt({ min: 0n, max: M64 }), shortIds: fc.array(sid, { maxLength: 40 }), pre: fc.array(tx, { minLength: 1, maxLength: 4 }), seed: fc.nat() })
  .map(({ header, nonce, shortIds, pre, seed }) => {
    const total = shortIds.length + pre.length;
    // Spread the prefilled transactions over the block, deterministic from the seed.
    const idx = new Set<number>([0]);
    for (let i = 1; idx.size < pre.length; i++) idx.add((seed * 7919 + i * 104729) % total);
    const sorted = [...idx].sort((a, b) => a - b);
    return { header, nonce, shortIds, prefilled: sorted.map((index, i) => ({ index, tx: pre[i]! })) };
  });

function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return 'hex:' + bytesToHex(v);
  if (typeof v === 'bigint') return 'big:' + v.toString();
  if (v instanceof BlockHeader || v instanceof Tx) return 'hex:' + bytesToHex(v.encode());
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

function decodeError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as DecodeError).code;
  }
  throw new Error('expected a DecodeError');
}

describe('BIP152 message codecs', () => {
  const messages: fc.Arbitrary<Message> = fc.oneof(
    fc.record({ announce: fc.boolean(), version: fc.bigInt({ min: 0n, max: M64 }) }).map((m) => ({ cmd: 'sendcmpct' as const, ...m })),
    cmpct.map((m) => ({ cmd: 'cmpctblock' as const, ...m })),
    fc.record({ blockHash: hash, indexes }).map((m) => ({ cmd: 'getblocktxn' as const, ...m })),
    fc.record({ blockHash: hash, txs: fc.array(tx, { maxLength: 5 }) }).map((m) => ({ cmd: 'blocktxn' as const, ...m })),
  );

  it('round-trip through the frame, byte for byte', () => {
    fc.assert(
      fc.property(messages, (m) => {
        const bytes = encodeMessage(MAGIC, m);
        const back = decodeMessage(MAGIC, bytes);
        expect(norm(back)).toEqual(norm(m));
        expect(bytesToHex(encodeMessage(MAGIC, back))).toBe(bytesToHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('differential indexes round-trip and are gaps minus one', () => {
    fc.assert(
      fc.property(indexes, (xs) => {
        const d = toDifferential(xs);
        expect(fromDifferential(d)).toEqual(xs);
        xs.forEach((x, i) => expect(d[i]).toBe(i === 0 ? x : x - xs[i - 1]! - 1));
      }),
    );
    expect(() => toDifferential([3, 3])).toThrow(RangeError);
    expect(() => toDifferential([MAX_TX_INDEX + 1])).toThrow(RangeError);
  });

  it('getblocktxn on the wire: count, then one varint per gap (BIP152 example shape)', () => {
    const bytes = getblocktxnMsg.encode({ blockHash: new Uint8Array(32).fill(1), indexes: [0, 1, 5, 300] });
    expect(bytesToHex(bytes.subarray(32))).toBe('04' + '00' + '00' + '03' + 'fd2601');
  });

  it('refuse indexes past 65,535, prefilled indexes beyond the block, bad flags and trailing bytes', () => {
    const gb = getblocktxnMsg.encode({ blockHash: new Uint8Array(32), indexes: [MAX_TX_INDEX] });
    // One more gap of 0 after 65,535 → 65,536.
    const over = new Uint8Array([...gb.subarray(0, 32), 2, ...gb.subarray(33), 0]);
    expect(decodeError(() => getblocktxnMsg.decode(over))).toBe('bad-index');
    const block = Block.decode(readFixture('bcoin/block898352.raw'));
    const cb = makeCompact(block, 5n);
    const ok = cmpctMsg.encode(cb);
    // The coinbase's index is the varint right after the short ids: make it point past the block.
    const at = 80 + 8 + 1 + cb.shortIds.length * 6 + 1;
    const bad = ok.slice();
    bad[at] = block.txs.length;
    expect(decodeError(() => cmpctMsg.decode(bad))).toBe('bad-index');
    expect(decodeError(() => cmpctMsg.decode(new Uint8Array([...ok, 0])))).toBe('trailing-data');
    expect(decodeError(() => decodeMessage(MAGIC, encodeMessage(MAGIC, { cmd: 'sendcmpct', announce: true, version: 2n }).map((b, i) => (i === 20 ? 2 : b))))).toBe('bad-flag');
  });

  it('random bytes never decode into anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(cmpctMsg.decode, getblocktxnMsg.decode), fc.uint8Array({ maxLength: 300 }), (dec, b) => {
        try {
          dec(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});
