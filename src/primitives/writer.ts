// Growable little-endian writer, the mirror of BufReader.

// Integers are stored byte by byte rather than through a DataView: a DataView needs the
// array's ArrayBuffer, which for a small (on-heap) array means materializing one off the
// heap, and writers are made several times per transaction on the block-connect path.
const scratch = new DataView(new ArrayBuffer(8));
const TWO_32 = 0x1_0000_0000;

export class BufWriter {
  private buf: Uint8Array;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 16);
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    this.pos = p + 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.put32(v);
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.put32(v | 0);
    return this;
  }

  private put32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  u64(v: bigint): this {
    this.ensure(8);
    // Amounts and counts fit in 53 bits: no BigInt arithmetic for them.
    if (v >= 0n && v <= 0x1f_ffff_ffff_ffffn) {
      const n = Number(v);
      const lo = n % TWO_32;
      this.put32(lo);
      this.put32((n - lo) / TWO_32);
      return this;
    }
    scratch.setBigUint64(0, BigInt.asUintN(64, v), true);
    return this.putScratch();
  }

  /** Same bytes as u64: both write the low 64 bits in two's complement. */
  i64(v: bigint): this {
    return this.u64(v);
  }

  private putScratch(): this {
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) b[p + i] = scratch.getUint8(i);
    this.pos = p + 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('writer: varint out of range');
    if (n < 0xfd) return this.u8(n);
    if (n <= 0xffff) return this.u8(0xfd).u16(n);
    if (n <= 0xffffffff) return this.u8(0xfe).u32(n);
    return this.u8(0xff).u64(BigInt(n));
  }

  varBytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /** Starts over in the same buffer, for a scratch writer reused across calls. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The written bytes as a view into the writer's buffer: valid until the next write or reset. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * The written bytes, sized exactly. A writer filled to exactly its initial size hands
   * over its own array (no copy); any later write would move to a new array first.
   */
  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

export function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
