// Blocks: a header and its transactions.
import { bytesToHex } from './bytes.js';
import { BlockHeader } from './header.js';
import { BufReader } from './reader.js';
import { Tx, WITNESS_SCALE_FACTOR } from './tx.js';
import { BufWriter, varintSize } from './writer.js';

/** Smallest decodable transaction: version, empty vin marker, flags 0, locktime. */
const MIN_TX_BYTES = 10;

export class Block {
  private _raw?: Uint8Array;

  constructor(
    readonly header: BlockHeader,
    readonly txs: readonly Tx[],
  ) {}

  static decode(bytes: Uint8Array): Block {
    const r = new BufReader(bytes);
    const header = BlockHeader.read(r);
    const n = r.count(MIN_TX_BYTES);
    const txs: Tx[] = new Array(n);
    for (let i = 0; i < n; i++) txs[i] = Tx.read(r);
    r.expectEnd();
    const b = new Block(header, txs);
    b._raw = bytes.slice();
    return b;
  }

  hash(): Uint8Array {
    return this.header.hash();
  }

  hashHex(): string {
    return this.header.hashHex();
  }

  encode(): Uint8Array {
    if (!this._raw) {
      const w = new BufWriter(this.size);
      this.header.write(w);
      w.varint(this.txs.length);
      for (const tx of this.txs) w.bytes(tx.encode());
      this._raw = w.finish();
    }
    return this._raw;
  }

  get size(): number {
    if (this._raw) return this._raw.length;
    let n = 80 + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.size;
    return n;
  }

  /** Size without any witness data. */
  get strippedSize(): number {
    let n = 80 + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.baseSize;
    return n;
  }

  get weight(): number {
    return this.strippedSize * (WITNESS_SCALE_FACTOR - 1) + this.size;
  }

  toHex(): string {
    return bytesToHex(this.encode());
  }
}
