// Blocks whose parent is not known yet, held until it arrives. Bounded by count and bytes
// so a peer cannot fill memory with disconnected blocks; the oldest go first.
import { bytesToHex, type Block } from '../primitives/index.js';

export interface OrphanLimits {
  maxCount: number;
  maxBytes: number;
}

export class OrphanPool {
  private readonly byHash = new Map<string, { block: Block; size: number }>();
  private readonly byPrev = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(readonly limits: OrphanLimits = { maxCount: 200, maxBytes: 64 * 1024 * 1024 }) {}

  get count(): number {
    return this.byHash.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesToHex(hash));
  }

  add(block: Block): void {
    const k = bytesToHex(block.hash());
    if (this.byHash.has(k)) return;
    const size = block.size;
    if (size > this.limits.maxBytes) return;
    this.byHash.set(k, { block, size });
    this.bytes += size;
    const p = bytesToHex(block.header.prevBlock);
    let set = this.byPrev.get(p);
    if (!set) this.byPrev.set(p, (set = new Set()));
    set.add(k);
    while (this.byHash.size > this.limits.maxCount || this.bytes > this.limits.maxBytes) {
      const oldest = this.byHash.keys().next().value as string;
      this.remove(oldest);
    }
  }

  /** Removes and returns the orphans whose parent is `hash`. */
  takeChildren(hash: Uint8Array): Block[] {
    const p = bytesToHex(hash);
    const set = this.byPrev.get(p);
    if (!set) return [];
    const out: Block[] = [];
    for (const k of [...set]) {
      const e = this.byHash.get(k);
      if (e) out.push(e.block);
      this.remove(k);
    }
    return out;
  }

  /** The root ancestor hash we are missing for an orphan (what to ask peers for). */
  missingRoot(block: Block): Uint8Array {
    let cur = block;
    for (;;) {
      const parent = this.byHash.get(bytesToHex(cur.header.prevBlock));
      if (!parent) return cur.header.prevBlock;
      cur = parent.block;
    }
  }

  private remove(k: string): void {
    const e = this.byHash.get(k);
    if (!e) return;
    this.byHash.delete(k);
    this.bytes -= e.size;
    const p = bytesToHex(e.block.header.prevBlock);
    const set = this.byPrev.get(p);
    set?.delete(k);
    if (set && set.size === 0) this.byPrev.delete(p);
  }
}
