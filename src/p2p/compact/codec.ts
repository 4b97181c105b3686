// Wire pieces shared by the BIP152 messages: 6-byte short ids and differentially encoded
// indexes. Indexes travel as varints, each the gap to the previous index minus one (the
// first one absolute), so a strictly increasing list costs one byte per index when dense.
// Every decoder runs on untrusted bytes and throws only DecodeError.
import { BufReader, BufWriter, DecodeError } from '../../primitives/index.js';
import { MAX_SHORT_ID, SHORT_ID_BYTES } from './shortid.js';

/**
 * Most transactions a compact block may describe (short ids plus prefilled), as Core:
 * MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT = 4,000,000 / 40.
 */
export const MAX_COMPACT_TXS = 100_000;
/** Largest transaction index: Core keeps them as uint16 and refuses anything above. */
export const MAX_TX_INDEX = 0xffff;

const TWO_32 = 0x1_0000_0000;

export function writeShortId(w: BufWriter, id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_SHORT_ID) throw new RangeError('p2p: short id must be a 48-bit integer');
  const lo = id % TWO_32;
  const hi = Math.floor(id / TWO_32);
  w.u32(lo).u16(hi);
}

export function readShortId(r: BufReader): number {
  const lo = r.u32();
  const hi = r.u16();
  return hi * TWO_32 + lo;
}

export const SHORT_ID_SIZE = SHORT_ID_BYTES;

/** Strictly increasing absolute indexes → the differential values sent on the wire. */
export function toDifferential(indexes: readonly number[]): number[] {
  const out: number[] = new Array(indexes.length);
  let prev = -1;
  for (let i = 0; i < indexes.length; i++) {
    const x = indexes[i]!;
    if (!Number.isInteger(x) || x <= prev || x > MAX_TX_INDEX) {
      throw new RangeError(`p2p: indexes must be strictly increasing integers in 0..${MAX_TX_INDEX}`);
    }
    out[i] = x - prev - 1;
    prev = x;
  }
  return out;
}

/** Differential values → absolute indexes; refuses any index above MAX_TX_INDEX. */
export function fromDifferential(diffs: readonly number[]): number[] {
  const out: number[] = new Array(diffs.length);
  let prev = -1;
  for (let i = 0; i < diffs.length; i++) {
    const x = prev + 1 + diffs[i]!;
    if (x > MAX_TX_INDEX) throw new DecodeError('bad-index', `decode: transaction index ${x} exceeds ${MAX_TX_INDEX}`);
    out[i] = x;
    prev = x;
  }
  return out;
}

/** Reads one differential value and returns the absolute index it gives after `prev`. */
export function readDiffIndex(r: BufReader, prev: number): number {
  const d = r.varint();
  const x = prev + 1 + d;
  if (x > MAX_TX_INDEX) throw new DecodeError('bad-index', `decode: transaction index ${x} exceeds ${MAX_TX_INDEX}`);
  return x;
}
