// Blocks: a header and its transactions.
import { bytesToHex, equalBytes } from './bytes.js';
import { BlockHeader } from './header.js';
import { txMerkleRoot, witnessMerkleRoot, type MerkleResult } from './merkle.js';
import { BufReader } from './reader.js';
import { Tx, WITNESS_SCALE_FACTOR } from './tx.js';
import { BufWriter, varintSize } from './writer.js';

/** Smallest decodable transaction: version, empty vin marker, flags 0, locktime. */
const MIN_TX_BYTES = 10;

export class Block {
  private _raw?: Uint8Array;
  private _merkle?: MerkleResult;
  private _witnessRoot?: Uint8Array;

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

  /**
   * This block with some transactions swapped for other objects of byte-for-byte the same
   * serialization (`held` offers a candidate per transaction after the coinbase; it is
   * taken only when its bytes are equal), or this very block when none is. Nothing about the block changes:
   * the copy keeps the raw bytes and the merkle results, and gains the hashes (and
   * sighashes) memoized on the objects taken in.
   */
  withHeldTxs(held: (tx: Tx) => Tx | undefined): Block {
    let txs: Tx[] | undefined;
    for (let i = 1; i < this.txs.length; i++) {
      const tx = this.txs[i]!;
      const h = held(tx);
      if (!h || h === tx || !equalBytes(h.encode(), tx.encode())) continue;
      txs ??= [...this.txs];
      txs[i] = h;
    }
    if (!txs) return this;
    const b = new Block(this.header, txs);
    b._raw = this._raw;
    b._merkle = this._merkle;
    b._witnessRoot = this._witnessRoot;
    return b;
  }

  hashHex(): string {
    return this.header.hashHex();
  }

  /**
   * The txid merkle root of the transactions (and whether the tree is mutated), computed
   * once per Block: a block rebuilt from a compact announcement is checked against its
   * header before the chain sees it, and the chain's own sanity check then reads the same
   * result instead of hashing every level again. The transactions never change (the
   * array is the block's own), so the memo cannot go stale.
   */
  merkle(): MerkleResult {
    return (this._merkle ??= txMerkleRoot(this.txs));
  }

  /** The BIP141 witness merkle root (coinbase wtxid as zeros), computed once per Block. */
  witnessRoot(): Uint8Array {
    return (this._witnessRoot ??= witnessMerkleRoot(this.txs));
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
