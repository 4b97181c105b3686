// Malformed input: every decoder refuses with a DecodeError carrying a specific code, never a
// RangeError/TypeError, never allocates what a length field claims before checking it, and
// never touches the caller's bytes.
import { describe, expect, it } from '@jest/globals';
import { Block } from '../../src/primitives/block.js';
import { DecodeError } from '../../src/primitives/errors.js';
import { BlockHeader } from '../../src/primitives/header.js';
import { BufReader } from '../../src/primitives/reader.js';
import { Tx } from '../../src/primitives/tx.js';
import { hex, readFixture } from './realdata.js';

function h(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** The DecodeError `fn` throws; fails the test if it returns or throws anything else. */
function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`expected DecodeError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected DecodeError, but decoding succeeded');
}

const VERSION = '01000000';
const OUTPOINT = '11'.repeat(32) + '00000000';
const INPUT = OUTPOINT + '00' + 'ffffffff'; // empty scriptSig
const OUTPUT = '0100000000000000' + '0151'; // 1 unit to OP_1
const LOCKTIME = '00000000';

describe('CompactSize', () => {
  const read = (s: string) => new BufReader(h(s)).varint();

  it('accepts the smallest value of each width', () => {
    expect(read('fc')).toBe(0xfc);
    expect(read('fdfd00')).toBe(0xfd);
    expect(read('fdffff')).toBe(0xffff);
    expect(read('fe00000100')).toBe(0x10000);
    expect(read('feffffffff')).toBe(0xffffffff);
    expect(read('ff0000000001000000')).toBe(2 ** 32);
    expect(read('ffffffffffffff1f00')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects a non-minimal encoding at every width', () => {
    for (const s of ['fd0000', 'fdfc00', 'fe00000000', 'feffff0000', 'ff0000000000000000', 'ffffffffff00000000']) {
      expect(decodeError(() => read(s)).code).toBe('non-canonical-varint');
    }
  });

  it('rejects an 0xff value above 2^53 instead of losing precision', () => {
    for (const s of ['ff0000000000002000', 'ff0100000000002000', 'ffffffffffffffffff']) {
      expect(decodeError(() => read(s)).code).toBe('oversized');
    }
  });

  it('reports truncation inside the varint itself', () => {
    for (const s of ['', 'fd', 'fdff', 'fe000001', 'ff00000000010000']) {
      expect(decodeError(() => read(s)).code).toBe('truncated');
    }
  });

  it('non-minimal counts are refused inside a transaction too', () => {
    const tx = VERSION + 'fd0100' + INPUT + '01' + OUTPUT + LOCKTIME;
    expect(decodeError(() => Tx.decode(h(tx))).code).toBe('non-canonical-varint');
    const script = VERSION + '01' + OUTPOINT + 'fd0000' + 'ffffffff' + '01' + OUTPUT + LOCKTIME;
    expect(decodeError(() => Tx.decode(h(script))).code).toBe('non-canonical-varint');
  });
});

describe('huge claimed counts fail before allocation', () => {
  // new Array(2 ** 32) would throw RangeError("Invalid array length"), so getting a
  // DecodeError from the count check proves it ran before anything was allocated.
  const FOUR_G = 'ff0000000001000000';

  it('BufReader.count stops right after the varint', () => {
    const r = new BufReader(h(FOUR_G + '00'.repeat(40)));
    const e = decodeError(() => r.count(41));
    expect(e.code).toBe('truncated');
    expect(e.message).toContain(String(2 ** 32));
    expect(r.pos).toBe(9);
  });

  it('count honours its explicit limit before the size check', () => {
    const r = new BufReader(h('fd0010' + '00'.repeat(8192)));
    expect(decodeError(() => r.count(1, 4095)).code).toBe('oversized');
  });

  it('2^32 inputs, outputs, witness items, script bytes or block txs on a tiny buffer', () => {
    const cases: [string, () => unknown][] = [
      ['inputs', () => Tx.decode(h(VERSION + FOUR_G + LOCKTIME))],
      ['1M inputs (at the cap)', () => Tx.decode(h(VERSION + 'fe40420f00' + LOCKTIME))],
      ['segwit inputs', () => Tx.decode(h(VERSION + '0001' + FOUR_G + LOCKTIME))],
      ['outputs', () => Tx.decode(h(VERSION + '01' + INPUT + FOUR_G + LOCKTIME))],
      ['witness items', () => Tx.decode(h(VERSION + '0001' + '01' + INPUT + '01' + OUTPUT + FOUR_G + LOCKTIME))],
      ['scriptSig bytes', () => Tx.decode(h(VERSION + '01' + OUTPOINT + 'feffffffff' + 'ffffffff' + LOCKTIME))],
      ['witness item bytes', () => Tx.decode(h(VERSION + '0001' + '01' + INPUT + '01' + OUTPUT + '01' + 'feffffffff' + LOCKTIME))],
      ['block txs', () => Block.decode(h('00'.repeat(80) + FOUR_G + '00'.repeat(20)))],
    ];
    expect(decodeError(cases[1]![1]).code).toBe('truncated');
    for (const [what, fn] of cases) {
      // Per-tx item counts hit the 1M sanity cap first; either way nothing was allocated.
      const e = decodeError(fn);
      expect([what, ['truncated', 'oversized'].includes(e.code)]).toEqual([what, true]);
    }
  });
});

describe('segwit marker and flags (as Bitcoin Core UnserializeTransaction)', () => {
  it('decodes a minimal witness tx and its legacy twin', () => {
    const seg = Tx.decode(h(VERSION + '0001' + '01' + INPUT + '01' + OUTPUT + '01' + '02abcd' + LOCKTIME));
    expect(seg.hasWitness).toBe(true);
    expect(seg.inputs[0]!.witness.map(hex)).toEqual(['abcd']);
    const legacy = Tx.decode(h(VERSION + '01' + INPUT + '01' + OUTPUT + LOCKTIME));
    expect(legacy.txidHex()).toBe(seg.txidHex());
    expect(legacy.wtxidHex()).toBe(legacy.txidHex());
    expect(seg.wtxidHex()).not.toBe(seg.txidHex());
  });

  it('refuses a witness flag whose witnesses are all empty (superfluous witness)', () => {
    const one = VERSION + '0001' + '01' + INPUT + '01' + OUTPUT + '00' + LOCKTIME;
    expect(decodeError(() => Tx.decode(h(one))).code).toBe('superfluous-witness');
    const two = VERSION + '0001' + '02' + INPUT + INPUT + '01' + OUTPUT + '00' + '00' + LOCKTIME;
    expect(decodeError(() => Tx.decode(h(two))).code).toBe('superfluous-witness');
    // One non-empty stack among empty ones is fine.
    const mixed = VERSION + '0001' + '02' + INPUT + INPUT + '01' + OUTPUT + '00' + '0100' + LOCKTIME;
    expect(Tx.decode(h(mixed)).inputs.map((i) => i.witness.length)).toEqual([0, 1]);
  });

  it('refuses unknown flag bits, with or without the witness bit', () => {
    // Core reads witnesses (and checks for a superfluous record) before looking at other bits.
    for (const flag of ['02', '04', '80', 'fe']) {
      const tx = VERSION + '00' + flag + '01' + INPUT + '01' + OUTPUT + LOCKTIME;
      expect(decodeError(() => Tx.decode(h(tx))).code).toBe('unknown-tx-flags');
    }
    const withWitness = VERSION + '0003' + '01' + INPUT + '01' + OUTPUT + '0101' + '00' + LOCKTIME;
    expect(decodeError(() => Tx.decode(h(withWitness))).code).toBe('unknown-tx-flags');
  });

  it('an empty vin followed by flag 0 is a transaction with no inputs and no outputs', () => {
    const tx = Tx.decode(h(VERSION + '0000' + LOCKTIME));
    expect(tx.inputs.length).toBe(0);
    expect(tx.outputs.length).toBe(0);
    expect(hex(tx.encode())).toBe(VERSION + '0000' + LOCKTIME);
  });
});

describe('framing errors', () => {
  const legacy = VERSION + '01' + INPUT + '01' + OUTPUT + LOCKTIME;

  it('trailing bytes after a tx or a block are refused', () => {
    expect(decodeError(() => Tx.decode(h(legacy + '00'))).code).toBe('trailing-data');
    const block = readFixture('bcoin/block1.raw');
    expect(decodeError(() => Block.decode(new Uint8Array([...block, 0]))).code).toBe('trailing-data');
  });

  it('a header must be exactly 80 bytes', () => {
    for (const n of [0, 79, 81]) expect(decodeError(() => BlockHeader.decode(new Uint8Array(n))).code).toBe('bad-header-length');
  });

  it('every strict prefix of a real segwit block and of its txs is "truncated"', () => {
    const raw = readFixture('bcoin/block482683.raw');
    for (let n = 0; n < raw.length; n++) {
      expect(decodeError(() => Block.decode(raw.subarray(0, n))).code).toBe('truncated');
    }
    const block = Block.decode(raw);
    for (const tx of block.txs.slice(0, 3)) {
      const bytes = tx.encode();
      for (let n = 0; n < bytes.length; n++) expect(decodeError(() => Tx.decode(bytes.subarray(0, n))).code).toBe('truncated');
    }
  });
});

describe('decoding never aliases or changes the caller bytes', () => {
  it('a failed decode leaves the input untouched', () => {
    const raw = readFixture('bcoin/block482683.raw');
    const before = hex(raw);
    const bad = raw.slice(0, raw.length - 1);
    decodeError(() => Block.decode(bad));
    expect(hex(bad)).toBe(before.slice(0, -2));
    Block.decode(raw);
    expect(hex(raw)).toBe(before);
  });

  it('decoded objects own their bytes: overwriting the input afterwards changes nothing', () => {
    const raw = readFixture('bcoin/block482683.raw');
    const original = hex(raw);
    const b = Block.decode(raw);
    const seg = b.txs.find((t) => t.hasWitness)!;
    const txidBefore = seg.txidHex();
    const witnessBefore = seg.inputs.map((i) => i.witness.map(hex));
    raw.fill(0);
    expect(hex(b.encode())).toBe(original);
    expect(seg.inputs.map((i) => i.witness.map(hex))).toEqual(witnessBefore);
    expect(seg.txidHex()).toBe(txidBefore);
    expect(hex(b.header.prevBlock)).not.toBe('00'.repeat(32));
  });
});

describe('decoding from a Node Buffer', () => {
  it('copies fields into plain Uint8Arrays that do not alias the input', () => {
    const raw = Buffer.from(
      '02000000000101' + '11'.repeat(32) + '00000000' + '00' + 'fdffffff' + '01' + 'e803000000000000' + '225120' + '22'.repeat(32) + '0140' + '33'.repeat(64) + '00000000',
      'hex',
    );
    const tx = Tx.decode(raw);
    const script = tx.outputs[0]!.script;
    expect(Object.getPrototypeOf(script)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(tx.inputs[0]!.prevout.txid)).toBe(Uint8Array.prototype);
    raw.fill(0);
    expect(script[2]).toBe(0x22);
    expect(tx.inputs[0]!.witness[0]![0]).toBe(0x33);
  });
});
