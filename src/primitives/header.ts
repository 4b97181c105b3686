// The 80-byte block header, exactly as Bitcoin's.
import { bytesToHex, hashToHex } from './bytes.js';
import { DecodeError } from './errors.js';
import { sha256d } from './hash.js';
import { BufReader } from './reader.js';
import { BufWriter } from './writer.js';

export const HEADER_SIZE = 80;

export interface HeaderFields {
  readonly version: number;
  /** internal byte order */
  readonly prevBlock: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

export class BlockHeader implements HeaderFields {
  readonly version: number;
  readonly prevBlock: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  private _hash?: Uint8Array;

  constructor(f: HeaderFields) {
    if (f.prevBlock.length !== 32 || f.merkleRoot.length !== 32) throw new TypeError('header: hashes are 32 bytes');
    this.version = f.version | 0;
    this.prevBlock = f.prevBlock;
    this.merkleRoot = f.merkleRoot;
    this.time = f.time >>> 0;
    this.bits = f.bits >>> 0;
    this.nonce = f.nonce >>> 0;
  }

  static decode(bytes: Uint8Array): BlockHeader {
    if (bytes.length !== HEADER_SIZE) throw new DecodeError('bad-header-length', `decode: header must be 80 bytes, got ${bytes.length}`);
    return BlockHeader.read(new BufReader(bytes));
  }

  static read(r: BufReader): BlockHeader {
    return new BlockHeader({
      version: r.i32(),
      prevBlock: r.copy(32),
      merkleRoot: r.copy(32),
      time: r.u32(),
      bits: r.u32(),
      nonce: r.u32(),
    });
  }

  write(w: BufWriter): void {
    w.i32(this.version).bytes(this.prevBlock).bytes(this.merkleRoot).u32(this.time).u32(this.bits).u32(this.nonce);
  }

  encode(): Uint8Array {
    const w = new BufWriter(HEADER_SIZE);
    this.write(w);
    return w.finish();
  }

  /** Block hash (internal order): sha256d of the 80 bytes. */
  hash(): Uint8Array {
    return (this._hash ??= sha256d(this.encode()));
  }

  hashHex(): string {
    return hashToHex(this.hash());
  }

  toHex(): string {
    return bytesToHex(this.encode());
  }

  /** A copy with some fields changed (mining, tests); the hash is recomputed. */
  with(changes: Partial<HeaderFields>): BlockHeader {
    return new BlockHeader({ ...this, ...changes });
  }
}
