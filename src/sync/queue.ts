// The block queue: blocks come back from many peers in any order; a block whose parent
// has no data yet is held in a reorder buffer (by its own hash and by its parent's), and
// one that can follow its parent goes to the chain queue, pulling its held children after
// it. The queue is worked off one block at a time through chain.processBlock. Both parts
// are counted in bytes so the downloader stops asking above maxBufferBytes.
import type { Block } from '../primitives/index.js';
import { bytesToHex, yieldToEventLoop } from '../primitives/index.js';
import { ChainError, type Chain } from '../chain/index.js';

export interface Held<F> {
  block: Block;
  /** who sent it: pays if the chain refuses it */
  from: F | undefined;
  size: number;
}

export interface BlockQueueHooks<F> {
  /** the chain refused a block */
  refused(from: F | undefined, e: unknown): void;
  /** after every block handed to the chain, accepted or not */
  processed(): void;
  stopped(): boolean;
}

export class BlockQueue<F> {
  /** received blocks whose parent has no data yet, by their own hash */
  private readonly held = new Map<string, Held<F>>();
  private readonly heldByPrev = new Map<string, Set<string>>();
  private heldBytes = 0;
  /** blocks handed to the chain queue, not yet processed */
  private readonly queue: Held<F>[] = [];
  private readonly queuedKeys = new Set<string>();
  private queuedBytes = 0;
  private processing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly chain: Chain,
    private readonly maxBufferBytes: number,
    private readonly hooks: BlockQueueHooks<F>,
  ) {}

  /** Bytes held or queued. */
  get bytes(): number {
    return this.heldBytes + this.queuedBytes;
  }

  /** The block is held or queued already. */
  has(k: string): boolean {
    return this.held.has(k) || this.queuedKeys.has(k);
  }

  /** Takes a received block: to the chain queue if it can follow its parent (or the buffer is full), else held. */
  add(k: string, h: Held<F>): void {
    if (this.readyToQueue(h.block) || this.heldBytes + h.size > this.maxBufferBytes) this.toQueue(k, h);
    else this.hold(k, h);
  }

  /** Held blocks whose parent meanwhile got its data (from elsewhere) go on. */
  releaseReady(): void {
    for (const [k, h] of [...this.held]) {
      if (this.readyToQueue(h.block)) {
        this.unhold(k);
        this.toQueue(k, h);
      }
    }
  }

  /** Resolves when every queued block has been handed to the chain and processed. */
  idle(): Promise<void> {
    if (!this.processing && (this.queue.length === 0 || this.hooks.stopped())) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private readyToQueue(block: Block): boolean {
    const prev = block.header.prevBlock;
    if (this.queuedKeys.has(bytesToHex(prev))) return true;
    const pe = this.chain.getEntry(prev);
    return pe === undefined || pe.haveData || pe.failed;
  }

  private hold(k: string, h: Held<F>): void {
    this.held.set(k, h);
    this.heldBytes += h.size;
    const pk = bytesToHex(h.block.header.prevBlock);
    let s = this.heldByPrev.get(pk);
    if (!s) this.heldByPrev.set(pk, (s = new Set()));
    s.add(k);
  }

  private unhold(k: string): Held<F> | undefined {
    const h = this.held.get(k);
    if (!h) return undefined;
    this.held.delete(k);
    this.heldBytes -= h.size;
    const pk = bytesToHex(h.block.header.prevBlock);
    const s = this.heldByPrev.get(pk);
    s?.delete(k);
    if (s?.size === 0) this.heldByPrev.delete(pk);
    return h;
  }

  /** Queues a block for the chain, then any held children that can now follow it. */
  private toQueue(k: string, h: Held<F>): void {
    const stack: [string, Held<F>][] = [[k, h]];
    while (stack.length > 0) {
      const [key, item] = stack.pop()!;
      this.queue.push(item);
      this.queuedKeys.add(key);
      this.queuedBytes += item.size;
      for (const ck of [...(this.heldByPrev.get(key) ?? [])]) {
        const c = this.unhold(ck);
        if (c) stack.push([ck, c]);
      }
    }
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.hooks.stopped()) {
        const item = this.queue.shift()!;
        const k = bytesToHex(item.block.hash());
        try {
          await this.chain.processBlock(item.block, { source: 'p2p' });
        } catch (e) {
          this.hooks.refused(item.from, e);
          if (e instanceof ChainError && e.code === 'closed') break;
        } finally {
          this.queuedKeys.delete(k);
          this.queuedBytes -= item.size;
        }
        this.hooks.processed();
        // A block whose coins are cached connects without real I/O, so without this the
        // whole queue (hundreds of blocks during a sync) would connect in one stretch of
        // microtasks while the API and peers wait.
        if (this.queue.length > 0) await yieldToEventLoop();
      }
    } finally {
      this.processing = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }
}
