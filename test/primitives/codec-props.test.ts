// Properties of the codecs over generated values: encode/decode are inverse bijections on
// what decode accepts, sizes agree with the bytes, btc-signer's independent codec reads our
// bytes identically, and arbitrary/truncated/mutated input only ever yields DecodeError.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RawTx } from '@scure/btc-signer';
import { Block } from '../../src/primitives/block.js';
import { DecodeError } from '../../src/primitives/errors.js';
import { BlockHeader } from '../../src/primitives/header.js';
import { txMerkleRoot } from '../../src/primitives/merkle.js';
import { BufReader } from '../../src/primitives/reader.js';
import { Tx, type TxFields } from '../../src/primitives/tx.js';
import { BufWriter, varintSize } from '../../src/primitives/writer.js';
import { hex, readFixture, rebuildBlock, rebuildTx, refSha256d, rhex } from './realdata.js';

// Lengths around every CompactSize boundary, so the 0xfd and 0xfe widths get exercised.
const boundaryLen = fc.constantFrom(0, 1, 32, 252, 253, 254, 0xffff, 0x10000);
const bytesOf = (maxLength: number) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength }) },
    { weight: 1, arbitrary: boundaryLen.map((n) => new Uint8Array(n).fill(0xab)) },
  );

const arbInput = fc.record({
  prevout: fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }), vout: fc.nat({ max: 0xffffffff }) }),
  scriptSig: bytesOf(80),
  sequence: fc.nat({ max: 0xffffffff }),
  witness: fc.array(bytesOf(80), { maxLength: 4 }),
});

const arbOutput = fc.record({
  value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  script: bytesOf(80),
});

/**
 * Transactions with at least one input: a 0-input tx is ambiguous with the segwit marker in
 * Bitcoin's format (its empty vin is read as the marker), so it cannot round-trip unless it
 * also has no outputs; that case is covered separately in codec-errors.
 */
const arbTxFields: fc.Arbitrary<TxFields> = fc.record({
  version: fc.nat({ max: 0xffffffff }),
  inputs: fc.array(arbInput, { minLength: 1, maxLength: 4 }),
  outputs: fc.array(arbOutput, { maxLength: 4 }),
  locktime: fc.nat({ max: 0xffffffff }),
});
const arbTx = arbTxFields.map((f) => new Tx(f));

const arbHeader = fc
  .record({
    version: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    prevBlock: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    merkleRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    time: fc.nat({ max: 0xffffffff }),
    bits: fc.nat({ max: 0xffffffff }),
    nonce: fc.nat({ max: 0xffffffff }),
  })
  .map((f) => new BlockHeader(f));

const arbBlock = fc.tuple(arbHeader, fc.array(arbTx, { minLength: 1, maxLength: 4 })).map(([hd, txs]) => new Block(hd, txs));

function fieldsOf(tx: Tx) {
  return {
    version: tx.version,
    locktime: tx.locktime,
    inputs: tx.inputs.map((i) => [hex(i.prevout.txid), i.prevout.vout, hex(i.scriptSig), i.sequence, i.witness.map(hex)]),
    outputs: tx.outputs.map((o) => [o.value, hex(o.script)]),
  };
}

/** Decoding must either succeed or throw DecodeError; returns the value or undefined. */
function tryDecode<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

describe('round trips', () => {
  it('txs: decode(encode(tx)) has the same fields, ids and sizes', () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        const size = tx.size;
        const bytes = tx.encode();
        expect(size).toBe(bytes.length);
        const back = Tx.decode(bytes);
        expect(fieldsOf(back)).toEqual(fieldsOf(tx));
        expect(hex(back.txid())).toBe(hex(tx.txid()));
        expect(hex(back.wtxid())).toBe(hex(tx.wtxid()));
        expect(back.hasWitness).toBe(tx.inputs.some((i) => i.witness.length > 0));
        // Sizes computed from fields (no cached bytes) agree with real serializations.
        const stripped = tx.encodeStripped();
        expect(tx.baseSize).toBe(stripped.length);
        expect(tx.weight).toBe(3 * stripped.length + bytes.length);
        expect(hex(tx.txid())).toBe(hex(refSha256d(stripped)));
        expect(hex(tx.wtxid())).toBe(hex(refSha256d(bytes)));
        if (!tx.hasWitness) expect(hex(stripped)).toBe(hex(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it("txs: btc-signer's independent codec reads our bytes the same way and writes the same bytes", () => {
    fc.assert(
      fc.property(arbTx, (tx) => {
        const bytes = tx.encode();
        const ref = RawTx.decode(bytes);
        expect(ref.version >>> 0).toBe(tx.version);
        expect(ref.lockTime).toBe(tx.locktime);
        expect(ref.segwitFlag).toBe(tx.hasWitness);
        expect(ref.inputs.map((i) => [rhex(i.txid), i.index, hex(i.finalScriptSig), i.sequence])).toEqual(
          tx.inputs.map((i) => [hex(i.prevout.txid), i.prevout.vout, hex(i.scriptSig), i.sequence]),
        );
        expect(ref.outputs.map((o) => [BigInt.asIntN(64, o.amount), hex(o.script)])).toEqual(tx.outputs.map((o) => [o.value, hex(o.script)]));
        expect(hex(RawTx.encode(ref))).toBe(hex(bytes));
      }),
      { numRuns: 100 },
    );
  });

  it('large CompactSize widths: 253+ outputs, 64 KiB scripts and witness items', () => {
    const input = { prevout: { txid: new Uint8Array(32).fill(7), vout: 1 }, scriptSig: new Uint8Array(0), sequence: 0 };
    const txs = [
      new Tx({ version: 2, inputs: [{ ...input, witness: [] }], outputs: Array.from({ length: 300 }, (_, i) => ({ value: BigInt(i), script: Uint8Array.of(i & 0xff) })), locktime: 0 }),
      new Tx({ version: 2, inputs: [{ ...input, witness: [new Uint8Array(0x10000).fill(1)] }], outputs: [{ value: 1n, script: new Uint8Array(70_000).fill(2) }], locktime: 5 }),
      new Tx({ version: 1, inputs: [{ ...input, scriptSig: new Uint8Array(0xffff).fill(3), witness: Array.from({ length: 253 }, () => new Uint8Array(0)) }], outputs: [], locktime: 9 }),
    ];
    for (const tx of txs) {
      // Sizes first: once encoded, a tx answers size from its cached bytes.
      const [size, baseSize] = [tx.size, tx.baseSize];
      const bytes = tx.encode();
      expect(size).toBe(bytes.length);
      expect(baseSize).toBe(tx.encodeStripped().length);
      const back = Tx.decode(bytes);
      expect(fieldsOf(back)).toEqual(fieldsOf(tx));
      expect(hex(rebuildTx(back).encode())).toBe(hex(bytes));
    }
    expect(txs[0]!.encode()[4 + 1 + 41]).toBe(0xfd); // version, 1 input of 41 bytes, then the output count
    expect(varintSize(0x10000)).toBe(5);
    expect(new BufWriter().varint(2 ** 32).finish()).toEqual(Uint8Array.of(0xff, 0, 0, 0, 0, 1, 0, 0, 0));
  });

  it('CompactSize: writer and reader agree on every width', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER),
          fc.nat({ max: 0xffff }),
          fc.nat({ max: 0xffffffff }),
          fc.maxSafeNat(),
        ),
        (n) => {
          const bytes = new BufWriter(1).varint(n).finish();
          expect(bytes.length).toBe(varintSize(n));
          const r = new BufReader(bytes);
          expect(r.varint()).toBe(n);
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('headers: 80 bytes, lossless, hash is sha256d of the encoding', () => {
    fc.assert(
      fc.property(arbHeader, (hd) => {
        const bytes = hd.encode();
        expect(bytes.length).toBe(80);
        const back = BlockHeader.decode(bytes);
        expect([back.version, hex(back.prevBlock), hex(back.merkleRoot), back.time, back.bits, back.nonce]).toEqual([
          hd.version,
          hex(hd.prevBlock),
          hex(hd.merkleRoot),
          hd.time,
          hd.bits,
          hd.nonce,
        ]);
        expect(hex(back.hash())).toBe(hex(refSha256d(bytes)));
        const changed = hd.with({ nonce: (hd.nonce + 1) >>> 0 });
        expect(hex(changed.hash())).not.toBe(hex(hd.hash()));
      }),
    );
  });

  it('blocks: lossless, with sizes and weight consistent with the serialization', () => {
    fc.assert(
      fc.property(arbBlock, (b) => {
        const size = b.size;
        const bytes = b.encode();
        expect(size).toBe(bytes.length);
        const back = Block.decode(bytes);
        expect(back.txs.map(fieldsOf)).toEqual(b.txs.map(fieldsOf));
        expect(back.hashHex()).toBe(b.hashHex());
        const stripped = 80 + varintSize(b.txs.length) + b.txs.reduce((n, t) => n + t.encodeStripped().length, 0);
        expect(back.strippedSize).toBe(stripped);
        expect(back.weight).toBe(3 * stripped + bytes.length);
        expect(hex(txMerkleRoot(back.txs).root)).toBe(hex(txMerkleRoot(b.txs).root));
      }),
      { numRuns: 50 },
    );
  });
});

describe('hostile input only ever produces DecodeError', () => {
  const realTxs = Block.decode(readFixture('bcoin/block482683.raw')).txs.map((t) => t.encode());

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const tx = tryDecode(() => Tx.decode(bytes));
        if (tx) expect(hex(rebuildTx(tx).encode())).toBe(hex(bytes));
        tryDecode(() => Block.decode(bytes));
        tryDecode(() => BlockHeader.decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes after a plausible prefix (version, segwit marker, small counts)', () => {
    const prefix = fc.constantFrom('01000000', '0100000000', '010000000001', '02000000000101', '0200000001');
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 200 }), (p, tail) => {
        const bytes = new Uint8Array([...Buffer.from(p, 'hex'), ...tail]);
        const tx = tryDecode(() => Tx.decode(bytes));
        if (tx) expect(hex(rebuildTx(tx).encode())).toBe(hex(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('truncated prefixes of valid encodings are always "truncated"', () => {
    fc.assert(
      fc.property(arbTx, fc.nat(), (tx, cut) => {
        const bytes = tx.encode();
        const n = cut % bytes.length;
        try {
          Tx.decode(bytes.subarray(0, n));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).code).toBe('truncated');
          return;
        }
        throw new Error(`prefix of ${n}/${bytes.length} bytes decoded`);
      }),
      { numRuns: 300 },
    );
  });

  it('single-byte mutations: DecodeError, or a tx/block that re-encodes to exactly the mutated bytes', () => {
    const sources = fc.oneof(
      fc.constantFrom(...realTxs),
      arbTx.map((t) => t.encode()),
    );
    fc.assert(
      fc.property(sources, fc.nat(), fc.integer({ min: 1, max: 255 }), (orig, at, xor) => {
        const bytes = orig.slice();
        bytes[at % bytes.length]! ^= xor;
        const tx = tryDecode(() => Tx.decode(bytes));
        // Decoding is canonical: whatever is accepted serializes back to the same bytes.
        if (tx) expect(hex(rebuildTx(tx).encode())).toBe(hex(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('single-byte mutations of a real segwit block', () => {
    const raw = readFixture('bcoin/block482683.raw');
    fc.assert(
      fc.property(fc.nat({ max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bytes = raw.slice();
        bytes[at]! ^= xor;
        const b = tryDecode(() => Block.decode(bytes));
        if (b) expect(hex(rebuildBlock(b).encode())).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
