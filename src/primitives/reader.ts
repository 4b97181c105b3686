// Bounded reader for Bitcoin's little-endian wire format. Every read checks the
// remaining length first and throws DecodeError; counts are checked against what the
// remaining bytes could possibly hold before anything is allocated.
import { DecodeError } from './errors.js';

export class BufReader {
  private readonly view: DataView;
  readonly data: Uint8Array;
  pos = 0;

  constructor(data: Uint8Array) {
    // A Node Buffer (LevelDB and sockets hand those out) is viewed as a plain Uint8Array:
    // Buffer#slice returns a view, not a copy, so copy() would silently alias the input.
    this.data = data instanceof Buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.pos;
  }

  private need(n: number): void {
    if (n > this.data.length - this.pos) {
      throw new DecodeError('truncated', `decode: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view into the input (no copy); callers that keep it must not mutate the input. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Like bytes(), but a copy that owns its memory. */
  copy(n: number): Uint8Array {
    return this.bytes(n).slice();
  }

  /** CompactSize, rejecting non-minimal encodings (as Bitcoin Core's ReadCompactSize). */
  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const v = this.u16();
      if (v < 0xfd) throw new DecodeError('non-canonical-varint', 'decode: non-canonical CompactSize');
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v < 0x10000) throw new DecodeError('non-canonical-varint', 'decode: non-canonical CompactSize');
      return v;
    }
    const v = this.u64();
    if (v < 0x100000000n) throw new DecodeError('non-canonical-varint', 'decode: non-canonical CompactSize');
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('oversized', 'decode: CompactSize too large');
    return Number(v);
  }

  /**
   * A count of items each at least `minItemSize` bytes: rejected before allocation if the
   * remaining input cannot hold that many, or if it exceeds `max`.
   */
  count(minItemSize: number, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.varint();
    if (n > max) throw new DecodeError('oversized', `decode: count ${n} exceeds limit ${max}`);
    if (minItemSize > 0 && n * minItemSize > this.remaining) {
      throw new DecodeError('truncated', `decode: count ${n} cannot fit in ${this.remaining} remaining bytes`);
    }
    return n;
  }

  /** Length-prefixed bytes (copied), at most `max` long. */
  varBytes(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.varint();
    if (n > max) throw new DecodeError('oversized', `decode: ${n} bytes exceeds limit ${max}`);
    return this.copy(n);
  }

  expectEnd(): void {
    if (this.pos !== this.data.length) {
      throw new DecodeError('trailing-data', `decode: ${this.remaining} unexpected trailing bytes`);
    }
  }
}
