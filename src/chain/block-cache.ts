// The recently stored and connected blocks, decoded, behind Chain.getBlock: connecting a
// block just accepted, relaying a block just connected and indexing it all read the same
// objects instead of each reading the block back from LevelDB and decoding it (or each
// keeping its own copy). Bounded by count and by serialized size; the least recently
// stored or connected go first. Blocks are immutable once decoded, so sharing is safe.
import { bytesToHex, type Block } from '../primitives/index.js';

/** Blocks kept: enough for a relay announcement (8) and an index catching up a batch. */
export const RECENT_BLOCKS_MAX = 64;
/** Serialized bytes kept at most (a few full blocks of 4 MB weight stay well under). */
export const RECENT_BLOCKS_MAX_BYTES = 32 * 1024 * 1024;

export class RecentBlocks {
  private readonly blocks = new Map<string, { block: Block; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBlocks = RECENT_BLOCKS_MAX,
    private readonly maxBytes = RECENT_BLOCKS_MAX_BYTES,
  ) {}

  get size(): number {
    return this.blocks.size;
  }

  get(hash: Uint8Array): Block | undefined {
    return this.blocks.get(bytesToHex(hash))?.block;
  }

  /** Keeps `block` (stored under `hash`) as the most recent; older ones go past the bounds. */
  add(hash: Uint8Array, block: Block): void {
    const k = bytesToHex(hash);
    const old = this.blocks.get(k);
    if (old) {
      this.blocks.delete(k);
      this.bytes -= old.bytes;
    }
    const bytes = block.size;
    this.blocks.set(k, { block, bytes });
    this.bytes += bytes;
    while (this.blocks.size > 1 && (this.blocks.size > this.maxBlocks || this.bytes > this.maxBytes)) {
      const [oldest, v] = this.blocks.entries().next().value!;
      this.blocks.delete(oldest);
      this.bytes -= v.bytes;
    }
  }
}
