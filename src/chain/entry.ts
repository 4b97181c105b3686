// A block index entry: a header, where it sits, how much work leads to it, and what we
// know about its block. Entries form a tree through `prev`; the active chain is one path.
import { BlockHeader, BufReader, BufWriter, bytesToHex, hashToHex } from '../primitives/index.js';

export const enum Status {
  /** the raw block is stored */
  HaveData = 1,
  /** the block was connected once: every rule including signatures passed */
  Valid = 2,
  /** the block itself broke a rule it commits to */
  Failed = 4,
  /** an ancestor failed */
  FailedChild = 8,
}

export class ChainEntry {
  /**
   * Sequence id (Core's nSequenceId): when this block's data became connectable (it and
   * every ancestor have data); among equal work the lowest wins. 0 = not yet. Not stored:
   * at start-up the active chain gets the lowest ids.
   */
  seq = 0;
  /** a far ancestor (see skip.ts), so ancestor lookups are O(log n) */
  skip: ChainEntry | null = null;

  constructor(
    readonly hash: Uint8Array,
    readonly header: BlockHeader,
    readonly height: number,
    readonly chainwork: bigint,
    public status: number,
    readonly prev: ChainEntry | null,
  ) {}

  private keyMemo: string | undefined = undefined;

  get hashHex(): string {
    return hashToHex(this.hash);
  }

  /**
   * The hash as hex in internal byte order, computed once: the key block download keys its
   * requests by, looked up for every block in flight on every arriving block.
   */
  get key(): string {
    return (this.keyMemo ??= bytesToHex(this.hash));
  }

  get time(): number {
    return this.header.time;
  }

  get bits(): number {
    return this.header.bits;
  }

  get haveData(): boolean {
    return (this.status & Status.HaveData) !== 0;
  }

  get failed(): boolean {
    return (this.status & (Status.Failed | Status.FailedChild)) !== 0;
  }

  get valid(): boolean {
    return (this.status & Status.Valid) !== 0;
  }

  encode(): Uint8Array {
    const w = new BufWriter(117);
    this.header.write(w);
    w.u32(this.height);
    w.bytes(workToBytes(this.chainwork));
    w.u8(this.status);
    return w.finish();
  }
}

export interface StoredEntry {
  header: BlockHeader;
  height: number;
  chainwork: bigint;
  status: number;
}

export function decodeEntry(b: Uint8Array): StoredEntry {
  const r = new BufReader(b);
  const header = BlockHeader.read(r);
  const height = r.u32();
  const chainwork = BigInt('0x' + Buffer.from(r.bytes(32)).toString('hex'));
  const status = r.u8();
  r.expectEnd();
  return { header, height, chainwork, status };
}

function workToBytes(w: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(w.toString(16).padStart(64, '0'), 'hex'));
}
