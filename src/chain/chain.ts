// The chain state machine: turns headers and blocks, in any order and from any peer, into
// one validated most-work chain and its UTXO set.
//
// Invariants:
//  - the active chain is a path from genesis to `tip`; every block on it was fully
//    validated (signatures included) when connected;
//  - on disk the coin set is exactly the state at the stored chainstate tip ('T');
//    blocks and undo data needed to move it to the in-memory tip are stored first;
//  - a block that fails a rule its header commits to is marked Failed and its
//    descendants FailedChild; a block refused for corruption (mutation) is not marked;
//  - fork choice (Core's CBlockIndexWorkComparator): the tip is the valid block with the
//    most chainwork; among equal work, the one whose data became connectable first (the
//    lowest `seq`). `candidates` holds every connectable, not-failed entry at least as
//    good as the tip, including the blocks a reorg disconnected, so a reorg that fails
//    part-way falls back to the best valid chain, which may be the one it left;
//  - calls that change state run one at a time (a promise-chain lock).
//
// One file on purpose (~800 lines): fork choice, connect/disconnect and flushing share the
// invariants above, the lock and the cache; split up, each part would need all of them.
import { EventEmitter } from 'node:events';
import { Block, BlockHeader, BufReader, BufWriter, bytesToHex, hashToHex, isOpReturn, outpointMapKey, systemClock } from '../primitives/index.js';
import type { Clock, OutPoint } from '../primitives/index.js';
import {
  RuleError,
  blockWork,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  connectBlockTxs,
  medianTimePast,
  MAX_SCRIPT_SIZE,
} from '../consensus/index.js';
import type { Coin, ConsensusParams, CreatedCoin, HeaderAncestry } from '../consensus/index.js';
import { ChainDB, type BatchOp, type ChainStore } from './chaindb.js';
import { CoinCache } from './coins.js';
import { ChainEntry, Status, decodeEntry } from './entry.js';
import { ChainError } from './errors.js';
import { coinDigestElement } from './layout.js';
import { MuHash3072, elementToNum } from './muhash.js';
import { OrphanPool, type OrphanLimits } from './orphans.js';
import { ancestorOf, skipHeight } from './skip.js';
import { VerifyPool } from './verify-pool.js';

export interface ChainOptions {
  params: ConsensusParams;
  /** LevelDB directory */
  path: string;
  /** a LevelDB-compatible store to use instead of opening `path` (simulations: memory-level) */
  store?: ChainStore;
  clock?: Clock;
  /** shared signature verification pool; one is created (and owned) if absent */
  verifyPool?: VerifyPool;
  /** UTXO cache budget in bytes (like Core's -dbcache) */
  cacheBytes?: number;
  /** flush the coin cache at least this often (ms) */
  flushIntervalMs?: number;
  orphanLimits?: OrphanLimits;
}

export interface UtxoStats {
  height: number;
  bestBlock: string;
  txouts: number;
  totalAmount: bigint;
  /** MuHash3072 digest of the coin set, display hex */
  digest: string;
}

/**
 * Emitted once per activation that disconnected or connected any block. After a reorg that
 * failed and fell back to where it started, `tip === previous` (reorgDepth 0) while
 * `disconnected` and `connected` count the blocks that went out and came back.
 */
export interface TipChange {
  tip: ChainEntry;
  previous: ChainEntry;
  /** blocks of the old chain no longer active (0 when the chain only grew) */
  reorgDepth: number;
  connected: number;
  disconnected: number;
}

export type ProcessResult =
  | { status: 'connected'; entry: ChainEntry } // became (part of) the active chain
  | { status: 'accepted'; entry: ChainEntry } // stored on a side branch or beyond a gap
  | { status: 'orphan'; missing: Uint8Array }
  | { status: 'duplicate'; entry: ChainEntry };

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
}

/** Where a block came from, for metrics and logs. */
export type BlockSource = 'p2p' | 'api' | 'miner' | 'other';

/** One processBlock call's outcome: every block, whatever its source (for metrics). */
export interface BlockProcessed {
  hash: string;
  source: BlockSource;
  /** wall time inside the chain lock: checks, storage, connecting (and orphans it freed) */
  seconds: number;
  status: ProcessResult['status'] | 'rejected';
  /** rule or chain error code when rejected */
  code?: string;
}

export interface ChainEvents {
  processed: [info: BlockProcessed];
  connect: [entry: ChainEntry, block: Block];
  disconnect: [entry: ChainEntry, block: Block];
  tip: [change: TipChange];
  invalid: [entry: ChainEntry, error: RuleError];
}

/** How many just-accepted blocks stay decoded in memory for their connect. */
const RECENT_BLOCKS = 8;
/** Most coins whose MuHash insertion may wait (see `pendingDigest`); about 150 bytes each. */
const PENDING_DIGEST_MAX = 50_000;
/** Digest insertions folded between two turns of the event loop (~20-40 ms of work). */
const SETTLE_SLICE = 1000;

/** Lets timers and I/O (API requests, peer messages) run before a long computation goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

interface Stats {
  muhash: MuHash3072;
  txouts: number;
  amount: bigint;
}

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: ConsensusParams;
  readonly clock: Clock;
  private readonly entries = new Map<string, ChainEntry>();
  private readonly children = new Map<string, ChainEntry[]>();
  private active: ChainEntry[] = [];
  private readonly candidates = new Set<ChainEntry>();
  private readonly orphans: OrphanPool;
  private readonly pool: VerifyPool;
  private readonly ownsPool: boolean;
  readonly coins: CoinCache;
  private stats: Stats = { muhash: new MuHash3072(), txouts: 0, amount: 0n };
  private pendingOps: BatchOp[] = [];
  private readonly pendingUndo = new Map<string, Coin[]>();
  private lastFlush: number;
  private lock: Promise<unknown> = Promise.resolve();
  /** the last sequence id handed out (see ChainEntry.seq); 0 means "not yet" */
  private seq = 0;
  private closed = false;
  /** recent rule failures by entry, so processBlock can report why its block failed */
  private readonly failures = new Map<ChainEntry, RuleError>();
  /** blocks just stored, so connecting them does not read and decode them back from disk */
  private readonly recentBlocks = new Map<string, Block>();
  /**
   * Coins created by connected blocks whose insertion into the MuHash digest is deferred.
   * Many outputs are spent within a few blocks; spending one that is still pending simply
   * drops it, saving the element mapping and the 3072-bit multiplication on both sides.
   * MuHash is a product, so the digest is the same whichever order it is folded in; it is
   * folded (settleDigest) before the digest is read or written, and the oldest entries
   * when there are more than PENDING_DIGEST_MAX.
   */
  private readonly pendingDigest = new Map<string, CreatedCoin>();
  bestHeader!: ChainEntry;

  private constructor(
    readonly db: ChainDB,
    private readonly opts: ChainOptions,
  ) {
    super();
    this.params = opts.params;
    this.clock = opts.clock ?? systemClock;
    this.pool = opts.verifyPool ?? new VerifyPool();
    this.ownsPool = !opts.verifyPool;
    this.coins = new CoinCache(db, opts.cacheBytes ?? 256 * 1024 * 1024);
    this.orphans = new OrphanPool(opts.orphanLimits);
    this.lastFlush = this.clock.now();
  }

  static async open(opts: ChainOptions): Promise<Chain> {
    const db = await ChainDB.open(opts.path, opts.store);
    const chain = new Chain(db, opts);
    try {
      await chain.load();
    } catch (e) {
      if (chain.ownsPool) await chain.pool.close().catch(() => undefined);
      await db.close().catch(() => undefined);
      throw e;
    }
    return chain;
  }

  // ---------------------------------------------------------------- start-up

  private async load(): Promise<void> {
    const { params } = this;
    const meta = await this.db.readMeta();
    if (!meta) {
      const g = params.genesis;
      const entry = new ChainEntry(g.hash(), g.header, 0, blockWork(g.header.bits), Status.HaveData | Status.Valid, null);
      await this.db.write(
        [
          ChainDB.encodeMeta(params.name, params.genesisHash),
          ChainDB.blockOp(entry.hash, g.encode()),
          ChainDB.entryOp(entry),
          ChainDB.encodeTip(entry.hash, 0),
          ChainDB.encodeStats(encodeStats(this.stats)),
        ],
        true,
      );
    } else {
      ChainDB.checkMeta(meta, params.name, params.genesisHash, this.opts.path);
    }
    const stored = await this.db.loadEntries();
    stored.sort((a, b) => a.entry.height - b.entry.height);
    for (const { hash, entry: s } of stored) {
      const prev = s.height === 0 ? null : this.entries.get(bytesToHex(s.header.prevBlock));
      if (s.height > 0 && !prev) continue; // unreachable leftover; harmless
      this.insertEntry(new ChainEntry(hash, s.header, s.height, s.chainwork, s.status, prev ?? null));
    }
    const tipRef = await this.db.readTip();
    const tip = tipRef && this.entries.get(bytesToHex(tipRef.hash));
    if (!tip) throw new ChainError('db-corrupt', `the chainstate tip is missing from the block index in ${this.opts.path}; move the datadir aside and resync`);
    const statsRaw = await this.db.readStats();
    if (!statsRaw) throw new ChainError('db-corrupt', `UTXO statistics are missing in ${this.opts.path}; move the datadir aside and resync`);
    this.stats = decodeStats(statsRaw);
    this.setActive(tip);
    this.bestHeader = tip;
    // Arrival order is not stored. As Core does since #29640, the stored chain comes first,
    // so the tip keeps winning ties with branches seen after it; the rest follow by height.
    for (const e of this.active) e.seq = ++this.seq;
    for (const { hash } of stored) {
      const e = this.entries.get(bytesToHex(hash));
      if (e && !e.seq && e.haveData && e.prev?.seq) e.seq = ++this.seq;
    }
    for (const e of this.entries.values()) {
      if (!e.failed && e.chainwork > this.bestHeader.chainwork) this.bestHeader = e;
      if (e.seq && !e.failed && !this.isActive(e) && !this.worse(e, tip)) this.candidates.add(e);
    }
    // Blocks stored after the last flush (or a crash) are connected again now.
    await this.withLock(() => this.activateBestChain());
  }

  private insertEntry(e: ChainEntry): void {
    if (e.prev) e.skip = ancestorOf(e.prev, skipHeight(e.height)) ?? null;
    const k = bytesToHex(e.hash);
    this.entries.set(k, e);
    if (e.prev) {
      const pk = bytesToHex(e.prev.hash);
      const list = this.children.get(pk);
      if (list) list.push(e);
      else this.children.set(pk, [e]);
    }
  }

  private setActive(tip: ChainEntry): void {
    const chain: ChainEntry[] = new Array(tip.height + 1);
    for (let e: ChainEntry | null = tip; e; e = e.prev) chain[e.height] = e;
    this.active = chain;
  }

  // ---------------------------------------------------------------- queries

  get tip(): ChainEntry {
    return this.active[this.active.length - 1]!;
  }

  get height(): number {
    return this.active.length - 1;
  }

  getEntry(hash: Uint8Array): ChainEntry | undefined {
    return this.entries.get(bytesToHex(hash));
  }

  getEntryAt(height: number): ChainEntry | undefined {
    return this.active[height];
  }

  isActive(e: ChainEntry): boolean {
    return this.active[e.height] === e;
  }

  /** The block after `e` on the active chain, if `e` is on it. */
  nextActive(e: ChainEntry): ChainEntry | undefined {
    return this.isActive(e) ? this.active[e.height + 1] : undefined;
  }

  getAncestor(e: ChainEntry, height: number): ChainEntry | undefined {
    if (height > e.height || height < 0) return undefined;
    if (this.isActive(e)) return this.active[height];
    return ancestorOf(e, height);
  }

  ancestry(prev: ChainEntry): HeaderAncestry {
    return {
      ancestor: (h: number) => {
        const a = this.getAncestor(prev, h);
        return a ? { height: a.height, time: a.time, bits: a.bits, hash: a.hash } : undefined;
      },
    };
  }

  medianTimePast(e: ChainEntry): number {
    return medianTimePast(e.height, this.ancestry(e));
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    return this.db.getBlock(hash);
  }

  async getBlockRaw(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.getBlockRaw(hash);
  }

  /**
   * Loads coins into the cache; afterwards `coins.getCoin` answers synchronously until the
   * next connect, disconnect or flush. Runs under the chain's lock: a load that overlapped
   * a connect and a flush would put a coin spent meanwhile back into the cache.
   */
  prefetchCoins(outpoints: readonly OutPoint[]): Promise<void> {
    return this.withLock(() => this.coins.prefetch(outpoints));
  }

  getCoin(p: OutPoint): Promise<Coin | undefined> {
    return this.withLock(async () => {
      await this.coins.prefetch([p]);
      return this.coins.getCoin(p);
    });
  }

  /**
   * The coins at `outpoints` in the UTXO set at `tip` (cache, then LevelDB), read under the
   * chain's lock so no block connects or flush runs halfway through, and without loading
   * them into the cache. The answer stays true while `chain.tip` is still `tip`. This is
   * what the mempool's view reads (Core's CCoinsViewMemPool over CCoinsViewCache).
   */
  readCoins(outpoints: readonly OutPoint[]): Promise<{ tip: ChainEntry; coins: Array<Coin | undefined> }> {
    return this.withLock(async () => ({ tip: this.tip, coins: await this.coins.read(outpoints) }));
  }

  /** Block locator (Core's GetLocator): dense near the tip, then exponentially sparse. */
  getLocator(from: ChainEntry = this.tip): Uint8Array[] {
    const out: Uint8Array[] = [];
    let step = 1;
    let e: ChainEntry | undefined = from;
    while (e) {
      out.push(e.hash);
      if (e.height === 0) break;
      const h = Math.max(e.height - step, 0);
      e = this.getAncestor(e, h);
      if (out.length > 10) step *= 2;
    }
    return out;
  }

  /** The most recent common entry of the locator and the active chain (genesis if none). */
  findLocatorFork(locator: readonly Uint8Array[]): ChainEntry {
    for (const h of locator) {
      const e = this.getEntry(h);
      if (e && this.isActive(e)) return e;
    }
    return this.active[0]!;
  }

  hasOrphan(hash: Uint8Array): boolean {
    return this.orphans.has(hash);
  }

  get orphanCount(): number {
    return this.orphans.count;
  }

  /** Like Core's getchaintips: every entry without children, with its branch status. */
  getTips(): ChainTip[] {
    const tips: ChainTip[] = [];
    for (const [k, e] of this.entries) {
      if (this.children.has(k)) continue;
      let status: ChainTip['status'];
      let fork = e;
      while (!this.isActive(fork)) fork = fork.prev!;
      const branchlen = e.height - fork.height;
      if (this.isActive(e)) status = 'active';
      else if (e.failed) status = 'invalid';
      else if (e.valid) status = 'valid-fork';
      else if (this.pathHasData(e)) status = 'valid-headers';
      else status = 'headers-only';
      tips.push({ height: e.height, hash: e.hashHex, branchlen, status });
    }
    return tips.sort((a, b) => b.height - a.height);
  }

  /** Entries at or above `fromHeight` on any branch (for fork views). */
  entriesSince(fromHeight: number): ChainEntry[] {
    const out: ChainEntry[] = [];
    for (const e of this.entries.values()) if (e.height >= fromHeight) out.push(e);
    // By height, then arrival; entries without data (no sequence id yet) last.
    const order = (e: ChainEntry): number => e.seq || Number.MAX_SAFE_INTEGER;
    return out.sort((a, b) => a.height - b.height || order(a) - order(b));
  }

  /** Coin count and total value at the tip, without finalizing the digest (cheap). */
  utxoTotals(): { txouts: number; totalAmount: bigint } {
    return { txouts: this.stats.txouts, totalAmount: this.stats.amount };
  }

  /**
   * The UTXO set's statistics and digest at the tip. Taken under the chain lock: settling
   * the pending insertions while a block is half connected (between its spends being
   * matched against pendingDigest and their removal) would fold in a coin that block
   * spends, and the digest would be wrong for good.
   */
  utxoStats(): Promise<UtxoStats> {
    return this.withLock(async () => {
      await this.settleDigest(0);
      return this.utxoStatsNow();
    });
  }

  /**
   * The same, synchronously and without changing anything: pending insertions are folded
   * into a copy of the digest. For code that runs inside a chain event ('connect',
   * 'disconnect'), where the lock is held; it costs up to PENDING_DIGEST_MAX foldings on
   * the caller's turn of the event loop, so everything else should use utxoStats().
   */
  utxoStatsNow(): UtxoStats {
    const m = this.stats.muhash.clone();
    for (const { outpoint, coin } of this.pendingDigest.values()) m.insertNum(elementToNum(coinDigestElement(outpoint, coin)));
    return {
      height: this.tip.height,
      bestBlock: this.tip.hashHex,
      txouts: this.stats.txouts,
      totalAmount: this.stats.amount,
      digest: hashToHex(m.finalize()),
    };
  }

  // ---------------------------------------------------------------- headers

  /** Validates and stores headers (headers-first sync). Stops at the first invalid one. */
  processHeaders(headers: readonly BlockHeader[]): Promise<ChainEntry[]> {
    return this.withLock(async () => {
      const added: ChainEntry[] = [];
      const ops: BatchOp[] = [];
      try {
        for (const h of headers) {
          const { entry, isNew } = this.acceptHeader(h);
          if (isNew) ops.push(ChainDB.entryOp(entry));
          added.push(entry);
        }
      } finally {
        await this.db.write(ops);
      }
      return added;
    });
  }

  private acceptHeader(header: BlockHeader): { entry: ChainEntry; isNew: boolean } {
    const hash = header.hash();
    const known = this.getEntry(hash);
    if (known) {
      if (known.failed) throw new ChainError('duplicate-invalid', `block ${known.hashHex} is known to be invalid`);
      return { entry: known, isNew: false };
    }
    const prev = this.getEntry(header.prevBlock);
    if (!prev) throw new ChainError('prev-blk-not-found', `parent ${hashToHex(header.prevBlock)} of ${hashToHex(hash)} is unknown`);
    checkHeaderSanity(header, this.params);
    if (prev.failed) {
      // Remember it (as Core does) so its own descendants are recognised as invalid too.
      const child = new ChainEntry(hash, header, prev.height + 1, prev.chainwork + blockWork(header.bits), Status.FailedChild, prev);
      this.insertEntry(child);
      this.pendingOps.push(ChainDB.entryOp(child));
      throw new RuleError('bad-prevblk', `parent ${prev.hashHex} is invalid`);
    }
    checkHeaderContext(header, prev.height, this.ancestry(prev), this.params, Math.floor(this.clock.now() / 1000));
    const entry = new ChainEntry(hash, header, prev.height + 1, prev.chainwork + blockWork(header.bits), 0, prev);
    this.insertEntry(entry);
    if (entry.chainwork > this.bestHeader.chainwork) this.bestHeader = entry;
    return { entry, isNew: true };
  }

  // ---------------------------------------------------------------- blocks

  /**
   * Accepts a block from anywhere. `durable` waits until the block is on disk before
   * returning (for blocks a user submitted or mined: acknowledged means it survives kill -9).
   * Throws RuleError for invalid blocks and ChainError for duplicates of invalid ones.
   */
  processBlock(block: Block, opts: { durable?: boolean; source?: BlockSource } = {}): Promise<ProcessResult> {
    return this.withLock(async () => {
      // A duration only (performance.now is monotonic); nothing decides on it.
      const t0 = performance.now();
      const info = (status: BlockProcessed['status'], code?: string): BlockProcessed => ({
        hash: block.hashHex(),
        source: opts.source ?? 'other',
        seconds: (performance.now() - t0) / 1000,
        status,
        ...(code ? { code } : {}),
      });
      try {
        const r = await this.processBlockLocked(block, opts.durable ?? false);
        this.emit('processed', info(r.status));
        return r;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        this.emit('processed', info('rejected', typeof code === 'string' ? code : 'other'));
        throw e;
      }
    });
  }

  private async processBlockLocked(block: Block, durable: boolean): Promise<ProcessResult> {
    const result = await this.acceptBlock(block, durable);
    if (result.status === 'orphan' || result.status === 'duplicate') return result;
    await this.activateBestChain();
    // Orphans waiting for this block (and their descendants) can now be accepted.
    const queue = this.orphans.takeChildren(block.hash());
    while (queue.length > 0) {
      const child = queue.shift()!;
      try {
        const r = await this.acceptBlock(child, false);
        if (r.status !== 'orphan') await this.activateBestChain();
      } catch {
        // An invalid orphan is dropped; its own sender is long gone.
        continue;
      }
      queue.push(...this.orphans.takeChildren(child.hash()));
    }
    await this.maybeFlush();
    const entry = result.entry;
    // The caller learns if its own block (or an ancestor it depended on) just failed.
    if (entry.failed) {
      throw this.failures.get(entry) ?? new RuleError('bad-prevblk', `an ancestor of ${entry.hashHex} is invalid`);
    }
    return this.isActive(entry) ? { status: 'connected', entry } : { status: 'accepted', entry };
  }

  private async acceptBlock(block: Block, durable: boolean): Promise<ProcessResult> {
    const hash = block.hash();
    const known = this.getEntry(hash);
    if (known?.failed) throw new ChainError('duplicate-invalid', `block ${known.hashHex} is known to be invalid`);
    if (known?.haveData) return { status: 'duplicate', entry: known };
    if (!known && !this.getEntry(block.header.prevBlock)) {
      checkHeaderSanity(block.header, this.params); // cheap PoW check before holding it
      this.orphans.add(block);
      return { status: 'orphan', missing: this.orphans.missingRoot(block) };
    }
    const ops: BatchOp[] = [];
    const { entry, isNew } = this.acceptHeader(block.header);
    try {
      checkBlockSanity(block, this.params);
      checkBlockContext(block, entry.height, this.medianTimePast(entry.prev!), this.params);
    } catch (e) {
      if (e instanceof RuleError && !e.corruption && !e.transient) {
        this.markFailed(entry, e);
        await this.db.write([ChainDB.entryOp(entry)]);
      } else if (isNew) {
        ops.push(ChainDB.entryOp(entry));
        await this.db.write(ops);
      }
      throw e;
    }
    entry.status |= Status.HaveData;
    ops.push(ChainDB.blockOp(hash, block.encode()), ChainDB.entryOp(entry));
    await this.db.write(ops, durable);
    this.recentBlocks.set(bytesToHex(hash), block);
    if (this.recentBlocks.size > RECENT_BLOCKS) this.recentBlocks.delete(this.recentBlocks.keys().next().value!);
    this.link(entry);
    return { status: 'accepted', entry };
  }

  private markFailed(entry: ChainEntry, err: RuleError): void {
    entry.status |= Status.Failed;
    this.failures.set(entry, err);
    if (this.failures.size > 100) this.failures.delete(this.failures.keys().next().value!);
    this.candidates.delete(entry);
    // Descendants inherit the failure; they can never be part of a valid chain.
    const stack = [...(this.children.get(bytesToHex(entry.hash)) ?? [])];
    const ops: BatchOp[] = [];
    while (stack.length) {
      const c = stack.pop()!;
      c.status |= Status.FailedChild;
      this.candidates.delete(c);
      ops.push(ChainDB.entryOp(c));
      stack.push(...(this.children.get(bytesToHex(c.hash)) ?? []));
    }
    this.pendingOps.push(...ops);
    if (this.bestHeader.failed) this.recomputeBestHeader();
    this.emit('invalid', entry, err);
  }

  private recomputeBestHeader(): void {
    let best = this.tip;
    for (const e of this.entries.values()) if (!e.failed && e.chainwork > best.chainwork) best = e;
    this.bestHeader = best;
  }

  private pathHasData(e: ChainEntry): boolean {
    for (let w: ChainEntry | null = e; w && !this.isActive(w); w = w.prev) {
      if (!w.haveData || w.failed) return false;
    }
    return true;
  }

  /**
   * Called when `entry`'s data is stored. If its parent is connectable (it and all its
   * ancestors have data), the entry becomes connectable too, and so do its descendants
   * whose data came earlier (Core's mapBlocksUnlinked), parents first. Each gets the next
   * sequence id at that moment: "first seen" is when a block could first have been connected.
   */
  private link(entry: ChainEntry): void {
    if (entry.seq || (entry.prev && !entry.prev.seq)) return;
    const queue = [entry];
    while (queue.length > 0) {
      const e = queue.shift()!;
      if (e.seq || !e.haveData) continue;
      e.seq = ++this.seq;
      if (e.failed) continue;
      if (!this.worse(e, this.tip)) this.candidates.add(e);
      queue.push(...(this.children.get(bytesToHex(e.hash)) ?? []));
    }
  }

  /** Core's CBlockIndexWorkComparator: less work, or equal work and seen later. */
  private worse(a: ChainEntry, b: ChainEntry): boolean {
    if (a.chainwork !== b.chainwork) return a.chainwork < b.chainwork;
    return a.seq > b.seq;
  }

  /** The best connectable, not-failed entry if it is better than the tip (else undefined). */
  private bestCandidate(): ChainEntry | undefined {
    let best = this.tip;
    for (const c of this.candidates) {
      if (c.failed) {
        this.candidates.delete(c);
        continue;
      }
      if (this.worse(best, c)) best = c;
    }
    return best === this.tip ? undefined : best;
  }

  /** Moves the tip to the most-work valid chain we have data for (Core's ActivateBestChain). */
  private async activateBestChain(): Promise<void> {
    const start = this.tip;
    let disconnected = 0;
    let connected = 0;
    for (;;) {
      const target = this.bestCandidate();
      if (!target) break;
      const fork = this.findFork(this.tip, target);
      while (this.tip !== fork) {
        await this.disconnectTip();
        disconnected++;
      }
      const path: ChainEntry[] = [];
      for (let e: ChainEntry = target; e !== fork; e = e.prev!) path.push(e);
      path.reverse();
      for (const e of path) {
        const block = this.recentBlocks.get(bytesToHex(e.hash)) ?? (await this.db.getBlock(e.hash));
        if (!block) throw new ChainError('missing-data', `block ${e.hashHex} is indexed as stored but missing`);
        try {
          await this.connectTip(e, block);
          connected++;
        } catch (err) {
          if (!(err instanceof RuleError)) throw err;
          this.markFailed(e, err);
          break; // choose again: the best valid candidate may now be elsewhere
        }
      }
    }
    // The tip is valid and nothing un-validates it, so whatever is worse can never win.
    for (const c of this.candidates) if (this.isActive(c) || this.worse(c, this.tip)) this.candidates.delete(c);
    if (connected > 0 || disconnected > 0) {
      const fork = this.findFork(start, this.tip);
      this.emit('tip', { tip: this.tip, previous: start, reorgDepth: start.height - fork.height, connected, disconnected });
    }
  }

  private findFork(a: ChainEntry, b: ChainEntry): ChainEntry {
    let x = a.height > b.height ? this.getAncestor(a, b.height)! : a;
    let y = b.height > a.height ? this.getAncestor(b, a.height)! : b;
    while (x !== y) {
      x = x.prev!;
      y = y.prev!;
    }
    return x;
  }

  private async connectTip(entry: ChainEntry, block: Block): Promise<void> {
    const prev = entry.prev!;
    const prevouts: OutPoint[] = [];
    for (let i = 1; i < block.txs.length; i++) for (const input of block.txs[i]!.inputs) prevouts.push(input.prevout);
    await this.coins.prefetch(prevouts);
    checkBlockContext(block, entry.height, this.medianTimePast(prev), this.params);
    // Signatures go to the workers tx by tx while consensus is still hashing the rest, and
    // the block's MuHash contribution is computed while they verify. Nothing is applied
    // until every signature checked out: a block that fails leaves no trace.
    const job = this.pool.start();
    const res = connectBlockTxs(block, entry.height, this.coins, this.params, (checks) => job.add(checks));
    // Created coins only join pendingDigest once the block is known valid (below).
    const delta = new MuHash3072();
    const cancelled: string[] = [];
    for (let i = 0; i < res.spentOutpoints.length; i++) {
      const p = res.spentOutpoints[i]!;
      const coin = res.undo[i]!;
      const k = outpointMapKey(p);
      // The very coin object a connected block created (the cache hands out what it was given).
      if (this.pendingDigest.get(k)?.coin === coin) cancelled.push(k);
      else delta.removeNum(elementToNum(coinDigestElement(p, coin)));
    }
    const bad = await job.done();
    if (bad >= 0) {
      const c = res.sigChecks[bad]!;
      throw new RuleError('bad-schnorr-sig', `invalid signature in tx ${block.txs[c.txIndex]!.txidHex()} input ${c.inputIndex}`);
    }
    for (const { outpoint, coin } of res.created) {
      this.coins.add(outpoint, coin, true);
      this.stats.txouts++;
      this.stats.amount += coin.value;
    }
    for (const p of res.spentOutpoints) {
      const coin = this.coins.spend(p);
      if (!coin) throw new ChainError('db-corrupt', `coin ${hashToHex(p.txid)}:${p.vout} vanished during connect`);
      this.stats.txouts--;
      this.stats.amount -= coin.value;
    }
    this.stats.muhash.combine(delta);
    for (const k of cancelled) this.pendingDigest.delete(k);
    for (const c of res.created) {
      const k = outpointMapKey(c.outpoint);
      // An outpoint created again while its old coin is pending (a duplicate txid, or a
      // block connected again after a disconnect): the old insertion is folded, not lost.
      const old = this.pendingDigest.get(k);
      if (old) this.stats.muhash.insertNum(elementToNum(coinDigestElement(old.outpoint, old.coin)));
      this.pendingDigest.set(k, c);
    }
    if (this.pendingDigest.size > PENDING_DIGEST_MAX) await this.settleDigest(PENDING_DIGEST_MAX / 2);
    const key = bytesToHex(entry.hash);
    this.pendingUndo.set(key, res.undo);
    this.pendingOps.push(ChainDB.undoOp(entry.hash, res.undo));
    if (!entry.valid) {
      entry.status |= Status.Valid;
      this.pendingOps.push(ChainDB.entryOp(entry));
    }
    this.active.push(entry);
    this.candidates.delete(entry);
    this.emit('connect', entry, block);
  }

  private async disconnectTip(): Promise<void> {
    const entry = this.tip;
    if (entry.height === 0) throw new ChainError('db-corrupt', 'cannot disconnect the genesis block');
    const block = await this.db.getBlock(entry.hash);
    const key = bytesToHex(entry.hash);
    const undo = this.pendingUndo.get(key) ?? (await this.db.getUndo(entry.hash));
    if (!block || !undo) throw new ChainError('missing-data', `block or undo data for ${entry.hashHex} is missing; cannot reorganize`);
    // Mirror connectBlockTxs: outputs created and spent inside this block never became
    // coins and have no undo entry; unspendable outputs were never coins either.
    const createdHere = new Set<string>();
    const spentHere = new Set<string>();
    const touched: OutPoint[] = [];
    for (const tx of block.txs) {
      const txid = tx.txid();
      tx.outputs.forEach((o, vout) => {
        if (isUnspendable(o.script)) return;
        createdHere.add(outpointMapKey({ txid, vout }));
        touched.push({ txid, vout });
      });
      if (tx.isCoinbase()) continue;
      for (const i of tx.inputs) {
        const k = outpointMapKey(i.prevout);
        if (createdHere.has(k)) spentHere.add(k);
        else touched.push(i.prevout);
      }
    }
    await this.coins.prefetch(touched);
    const { muhash } = this.stats;
    let u = undo.length;
    for (let t = block.txs.length - 1; t >= 0; t--) {
      const tx = block.txs[t]!;
      const txid = tx.txid();
      for (let vout = tx.outputs.length - 1; vout >= 0; vout--) {
        const p = { txid, vout };
        const k = outpointMapKey(p);
        if (!createdHere.has(k) || spentHere.has(k)) continue;
        const coin = this.coins.spend(p);
        if (!coin) throw new ChainError('db-corrupt', `output ${hashToHex(txid)}:${vout} missing while disconnecting ${entry.hashHex}`);
        muhash.remove(coinDigestElement(p, coin));
        this.stats.txouts--;
        this.stats.amount -= coin.value;
      }
      if (t === 0) continue;
      for (let i = tx.inputs.length - 1; i >= 0; i--) {
        const p = tx.inputs[i]!.prevout;
        if (spentHere.has(outpointMapKey(p))) continue;
        const coin = undo[--u];
        if (!coin) throw new ChainError('db-corrupt', `undo data for ${entry.hashHex} is short`);
        this.coins.add(p, coin, false);
        muhash.insert(coinDigestElement(p, coin));
        this.stats.txouts++;
        this.stats.amount += coin.value;
      }
    }
    if (u !== 0) throw new ChainError('db-corrupt', `undo data for ${entry.hashHex} has ${u} extra coins`);
    this.active.pop();
    this.candidates.add(entry);
    this.emit('disconnect', entry, block);
  }

  // ---------------------------------------------------------------- persistence

  private async maybeFlush(): Promise<void> {
    const due = this.clock.now() - this.lastFlush >= (this.opts.flushIntervalMs ?? 60_000);
    if (due || this.coins.overLimit || this.pendingUndo.size >= 2000) await this.flushLocked();
  }

  /** Writes the coin cache, undo data and tip in one synced atomic batch. */
  flush(): Promise<void> {
    return this.withLock(() => this.flushLocked());
  }

  /**
   * Folds pending coin insertions (oldest first) into the digest until at most `keep`
   * remain. Up to 50,000 elements at ~20-40 µs each: done in slices of SETTLE_SLICE with a
   * turn of the event loop between them, so the API and peers are answered meanwhile.
   * Callers hold the chain lock, so nothing else touches pendingDigest in between.
   */
  private async settleDigest(keep: number): Promise<void> {
    const { muhash } = this.stats;
    let n = 0;
    for (const [k, { outpoint, coin }] of this.pendingDigest) {
      if (this.pendingDigest.size <= keep) break;
      muhash.insertNum(elementToNum(coinDigestElement(outpoint, coin)));
      this.pendingDigest.delete(k);
      if (++n % SETTLE_SLICE === 0) await yieldToEventLoop();
    }
  }

  private async flushLocked(): Promise<void> {
    await this.settleDigest(0);
    const ops = [...this.pendingOps, ...this.coins.flushOps()];
    ops.push(ChainDB.encodeTip(this.tip.hash, this.tip.height), ChainDB.encodeStats(encodeStats(this.stats)));
    await this.db.write(ops, true);
    this.coins.markFlushed();
    this.pendingOps = [];
    this.pendingUndo.clear();
    this.lastFlush = this.clock.now();
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ChainError('closed', 'the chain is closed'));
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.lock;
    if (this.ownsPool) await this.pool.close();
    await this.db.close();
  }
}

function isUnspendable(script: Uint8Array): boolean {
  return isOpReturn(script) || script.length > MAX_SCRIPT_SIZE;
}

function encodeStats(s: Stats): Uint8Array {
  return new BufWriter(790).bytes(s.muhash.serialize()).u64(BigInt(s.txouts)).u64(s.amount).finish();
}

function decodeStats(b: Uint8Array): Stats {
  const r = new BufReader(b);
  const muhash = MuHash3072.deserialize(r.copy(768));
  const txouts = Number(r.u64());
  const amount = r.u64();
  return { muhash, txouts, amount };
}

export { decodeEntry };
