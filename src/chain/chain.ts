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
//    lowest `seq`). The index's candidates hold every connectable, not-failed entry at
//    least as good as the tip, including the blocks a reorg disconnected, so a reorg that
//    fails part-way falls back to the best valid chain, which may be the one it left;
//  - calls that change state run one at a time (a promise-chain lock).
//
// Chain owns and drives its parts, each in its own module: the active chain view
// (chain-view.ts), the block index with candidates and failure marking (block-index.ts),
// the UTXO statistics and MuHash digest (utxo-stats.ts), the recent-block cache
// (block-cache.ts), the coin cache (coins.ts) and storage (chaindb.ts). The block rules and
// the undo rule are consensus's (connectBlockTxs / disconnectBlockTxs); the event and
// result types are in events.ts. Why this file is long: what stays here (~700 lines, over the usual 400 on
// purpose) is what shares the invariants above, the lock and the pending writes: start-up,
// accepting headers and blocks, activation (connect, disconnect, fall-back) and flushing;
// split further, each part would need all of them.
import { EventEmitter } from 'node:events';
import { Block, BlockHeader, bytesToHex, hashToHex, systemClock, yieldToEventLoop } from '../primitives/index.js';
import type { Clock, OutPoint, Tx } from '../primitives/index.js';
import {
  RuleError,
  UndoError,
  blockCoinChanges,
  blockWork,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  connectBlockTxs,
  disconnectBlockTxs,
  medianTimePast,
} from '../consensus/index.js';
import type { Coin, ConsensusParams, CreatedCoin, HeaderAncestry } from '../consensus/index.js';
import { RecentBlocks } from './block-cache.js';
import { BlockIndex, worse } from './block-index.js';
import { ChainView } from './chain-view.js';
import { ChainDB, type BatchOp, type ChainStore } from './chaindb.js';
import { CoinCache } from './coins.js';
import { ChainEntry, Status, decodeEntry } from './entry.js';
import { ChainError } from './errors.js';
import { OrphanPool, type OrphanLimits } from './orphans.js';
import { UtxoStatistics, type ProductOffload, type UtxoStats } from './utxo-stats.js';
import { VerifyPool } from './verify-pool.js';

import type { BlockProcessed, BlockSource, ChainEvents, ChainTip, ProcessResult } from './events.js';

export type { UtxoStats };
export type { BlockProcessed, BlockSource, ChainEvents, ChainTip, ProcessResult, TipChange } from './events.js';

/** headers validated between two turns of the event loop in processHeaders */
const HEADERS_SLICE = 250;

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

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: ConsensusParams;
  readonly clock: Clock;
  /** the active chain, genesis to tip */
  private readonly view = new ChainView();
  /** every accepted header, candidates for the tip, failures */
  private readonly index = new BlockIndex();
  private readonly orphans: OrphanPool;
  private readonly pool: VerifyPool;
  private readonly ownsPool: boolean;
  readonly coins: CoinCache;
  private stats: UtxoStatistics;
  private pendingOps: BatchOp[] = [];
  private readonly pendingUndo = new Map<string, Coin[]>();
  private lastFlush: number;
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** blocks just stored or connected, decoded: what getBlock answers first */
  private readonly recentBlocks = new RecentBlocks();
  /** transactions this node already holds (the mempool's); see setTxSource */
  private txSource: ((tx: Tx) => Tx | undefined) | undefined;
  /** The last entry whose median time past was asked for, and that time (it never changes). */
  private lastMtp: { entry: ChainEntry; value: number } | undefined;

  private constructor(
    readonly db: ChainDB,
    private readonly opts: ChainOptions,
  ) {
    super();
    this.params = opts.params;
    this.clock = opts.clock ?? systemClock;
    this.pool = opts.verifyPool ?? new VerifyPool();
    this.ownsPool = !opts.verifyPool;
    this.stats = UtxoStatistics.empty(this.digestOffload());
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

  /** The digest's multiplying goes to the verify pool's workers, when it has some. */
  private digestOffload(): ProductOffload | undefined {
    const pool = this.pool;
    return pool.workerCount > 0 ? (elements) => pool.product(elements) : undefined;
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
          ChainDB.encodeStats(this.stats.encode()),
        ],
        true,
      );
    } else if (ChainDB.checkMeta(meta, params.name, params.genesisHash, this.opts.path)) {
      await this.db.write([ChainDB.encodeMeta(params.name, params.genesisHash)], true);
    }
    const stored = await this.db.loadEntries();
    stored.sort((a, b) => a.entry.height - b.entry.height);
    for (const { hash, entry: s } of stored) {
      const prev = s.height === 0 ? null : this.index.get(s.header.prevBlock);
      if (s.height > 0 && !prev) continue; // unreachable leftover; harmless
      this.index.insert(new ChainEntry(hash, s.header, s.height, s.chainwork, s.status, prev ?? null));
    }
    const tipRef = await this.db.readTip();
    const tip = tipRef && this.index.get(tipRef.hash);
    if (!tip) throw new ChainError('db-corrupt', `the chainstate tip is missing from the block index in ${this.opts.path}; move the datadir aside and resync`);
    const statsRaw = await this.db.readStats();
    if (!statsRaw) throw new ChainError('db-corrupt', `UTXO statistics are missing in ${this.opts.path}; move the datadir aside and resync`);
    const { stats, waiting } = UtxoStatistics.decode(statsRaw, this.digestOffload());
    this.stats = stats;
    await this.restoreWaitingCoins(waiting);
    this.view.setTip(tip);
    this.index.bestHeader = tip;
    // Arrival order is not stored. As Core does since #29640, the stored chain comes first,
    // so the tip keeps winning ties with branches seen after it; the rest follow by height.
    for (const e of this.view.all()) this.index.assignSeq(e);
    for (const { hash } of stored) {
      const e = this.index.get(hash);
      if (e && !e.seq && e.haveData && e.prev?.seq) this.index.assignSeq(e);
    }
    for (const e of this.index.values()) {
      this.index.considerBestHeader(e);
      if (e.seq && !e.failed && !this.isActive(e) && !worse(e, tip)) this.index.addCandidate(e);
    }
    // Blocks stored after the last flush (or a crash) are connected again now.
    await this.withLock(() => this.activateBestChain());
  }

  /**
   * The coins stored as still waiting to join the digest, read from the coin set (into the
   * cache: they are the newest coins, the likeliest to be spent next). Each must be there:
   * the flush that named them wrote the coin set in the same batch.
   */
  private async restoreWaitingCoins(waiting: OutPoint[]): Promise<void> {
    if (waiting.length === 0) return;
    await this.coins.prefetch(waiting);
    const coins: CreatedCoin[] = [];
    for (const outpoint of waiting) {
      const coin = this.coins.getCoin(outpoint);
      if (!coin) {
        throw new ChainError('db-corrupt', `coin ${hashToHex(outpoint.txid)}:${outpoint.vout}, stored as waiting to join the UTXO digest, is missing from ${this.opts.path}; move the datadir aside and resync`);
      }
      coins.push({ outpoint, coin });
    }
    this.stats.restoreWaiting(coins);
  }

  /**
   * Where a block arriving may find transaction objects the node already holds (the
   * mempool registers its own): `source(tx)` offers a held transaction that may be the
   * same (the mempool's spender of its first input). One whose serialization is byte for
   * byte the same is taken in its place before the block is checked: it carries the txid,
   * wtxid and sighashes computed when it was accepted (memoized per object), so a block
   * decoded from the wire is checked and connected without hashing them again. Equal bytes
   * make it the same transaction; the block itself is not changed (Block.withHeldTxs).
   */
  setTxSource(source: (tx: Tx) => Tx | undefined): void {
    this.txSource = source;
  }

  /** Forgets `source` if it is the registered one (a closed mempool). */
  clearTxSource(source: (tx: Tx) => Tx | undefined): void {
    if (this.txSource === source) this.txSource = undefined;
  }

  // ---------------------------------------------------------------- queries

  get tip(): ChainEntry {
    return this.view.tip;
  }

  get height(): number {
    return this.view.height;
  }

  /** The not-failed header with the most chainwork (the tip, or beyond it while syncing). */
  get bestHeader(): ChainEntry {
    return this.index.bestHeader;
  }

  getEntry(hash: Uint8Array): ChainEntry | undefined {
    return this.index.get(hash);
  }

  getEntryAt(height: number): ChainEntry | undefined {
    return this.view.at(height);
  }

  isActive(e: ChainEntry): boolean {
    return this.view.contains(e);
  }

  /** The highest entry that is an ancestor of (or equal to) both `a` and `b`. */
  lastCommonAncestor(a: ChainEntry, b: ChainEntry): ChainEntry {
    return this.view.findFork(a, b);
  }

  /** The block after `e` on the active chain, if `e` is on it. */
  nextActive(e: ChainEntry): ChainEntry | undefined {
    return this.view.next(e);
  }

  getAncestor(e: ChainEntry, height: number): ChainEntry | undefined {
    return this.view.ancestor(e, height);
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
    // An entry's median time never changes; the mempool asks for the tip's with every tx.
    if (this.lastMtp?.entry !== e) this.lastMtp = { entry: e, value: medianTimePast(e.height, this.ancestry(e)) };
    return this.lastMtp.value;
  }

  /**
   * The stored block with this hash: from the recent-block cache (blocks just stored or
   * connected, decoded once and shared with relay and the indexes), else read from disk.
   */
  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    return this.recentBlocks.get(hash) ?? (await this.db.getBlock(hash));
  }

  async getBlockRaw(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.getBlockRaw(hash);
  }

  /** A block's serialization, from the recent-block cache or as stored (never decoded): what getdata serves. */
  async getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.recentBlocks.get(hash)?.encode() ?? (await this.db.getBlockRaw(hash));
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
    return this.view.locator(from);
  }

  /** The most recent common entry of the locator and the active chain (genesis if none). */
  findLocatorFork(locator: readonly Uint8Array[]): ChainEntry {
    return this.view.findLocatorFork(locator, (h) => this.index.get(h));
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
    for (const e of this.index.leaves()) {
      let status: ChainTip['status'];
      const branchlen = e.height - this.view.forkOf(e).height;
      if (this.isActive(e)) status = 'active';
      else if (e.failed) status = 'invalid';
      else if (e.valid) status = 'valid-fork';
      else if (this.index.pathHasData(e, this.view)) status = 'valid-headers';
      else status = 'headers-only';
      tips.push({ height: e.height, hash: e.hashHex, branchlen, status });
    }
    return tips.sort((a, b) => b.height - a.height);
  }

  /** Entries at or above `fromHeight` on any branch (for fork views). */
  entriesSince(fromHeight: number): ChainEntry[] {
    const out: ChainEntry[] = [];
    for (const e of this.index.values()) if (e.height >= fromHeight) out.push(e);
    // By height, then arrival; entries without data (no sequence id yet) last.
    const order = (e: ChainEntry): number => e.seq || Number.MAX_SAFE_INTEGER;
    return out.sort((a, b) => a.height - b.height || order(a) - order(b));
  }

  /** Coin count and total value at the tip, without finalizing the digest (cheap). */
  utxoTotals(): { txouts: number; totalAmount: bigint } {
    return this.stats.totals();
  }

  /** Coins created by connected blocks that have not joined the digest yet (folded when it is read, or past 50,000). */
  get digestWaiting(): number {
    return this.stats.pendingCount;
  }

  /**
   * The UTXO set's statistics and digest at the tip. Taken under the chain lock: settling
   * the pending insertions while a block is half connected (between its spends being
   * matched against the pending insertions and their removal) would fold in a coin that block
   * spends, and the digest would be wrong for good.
   */
  utxoStats(): Promise<UtxoStats> {
    return this.withLock(async () => {
      await this.stats.settle(0);
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
    return this.stats.snapshot(this.tip);
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
          // 2,000 headers are ~0.2 s of work on a quiet machine, seconds on a busy one:
          // let the API and peers in between slices.
          if (added.length % HEADERS_SLICE === 0) await yieldToEventLoop();
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
      this.index.insert(child);
      this.pendingOps.push(ChainDB.entryOp(child));
      throw new RuleError('bad-prevblk', `parent ${prev.hashHex} is invalid`);
    }
    checkHeaderContext(header, prev.height, this.ancestry(prev), this.params, Math.floor(this.clock.now() / 1000));
    const entry = new ChainEntry(hash, header, prev.height + 1, prev.chainwork + blockWork(header.bits), 0, prev);
    this.index.insert(entry);
    this.index.considerBestHeader(entry);
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
      throw this.index.failureOf(entry) ?? new RuleError('bad-prevblk', `an ancestor of ${entry.hashHex} is invalid`);
    }
    return this.isActive(entry) ? { status: 'connected', entry } : { status: 'accepted', entry };
  }

  private async acceptBlock(received: Block, durable: boolean): Promise<ProcessResult> {
    const hash = received.hash();
    const known = this.getEntry(hash);
    if (known?.failed) throw new ChainError('duplicate-invalid', `block ${known.hashHex} is known to be invalid`);
    if (known?.haveData) return { status: 'duplicate', entry: known };
    if (!known && !this.getEntry(received.header.prevBlock)) {
      checkHeaderSanity(received.header, this.params); // cheap PoW check before holding it
      this.orphans.add(received);
      return { status: 'orphan', missing: this.orphans.missingRoot(received) };
    }
    const ops: BatchOp[] = [];
    const { entry, isNew } = this.acceptHeader(received.header);
    // Stored, cached and connected as this copy: the same bytes, the mempool's objects.
    const block = this.txSource ? received.withHeldTxs(this.txSource) : received;
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
    this.recentBlocks.add(hash, block);
    this.index.link(entry, this.tip);
    return { status: 'accepted', entry };
  }

  private markFailed(entry: ChainEntry, err: RuleError): void {
    for (const c of this.index.markFailed(entry, err, this.tip)) this.pendingOps.push(ChainDB.entryOp(c));
    this.emit('invalid', entry, err);
  }

  /** Moves the tip to the most-work valid chain we have data for (Core's ActivateBestChain). */
  private async activateBestChain(): Promise<void> {
    const start = this.tip;
    let disconnected = 0;
    let connected = 0;
    for (;;) {
      const target = this.index.bestCandidate(this.tip);
      if (!target) break;
      const fork = this.view.findFork(this.tip, target);
      while (this.tip !== fork) {
        await this.disconnectTip();
        disconnected++;
      }
      const path: ChainEntry[] = [];
      for (let e: ChainEntry = target; e !== fork; e = e.prev!) path.push(e);
      path.reverse();
      for (const e of path) {
        const block = await this.getBlock(e.hash);
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
    this.index.pruneCandidates(this.view);
    if (connected > 0 || disconnected > 0) {
      const fork = this.view.findFork(start, this.tip);
      this.emit('tip', { tip: this.tip, previous: start, reorgDepth: start.height - fork.height, connected, disconnected });
    }
  }

  private async connectTip(entry: ChainEntry, block: Block): Promise<void> {
    const prev = entry.prev!;
    const prevouts: OutPoint[] = [];
    for (let i = 1; i < block.txs.length; i++) for (const input of block.txs[i]!.inputs) prevouts.push(input.prevout);
    await this.coins.prefetch(prevouts);
    checkBlockContext(block, entry.height, this.medianTimePast(prev), this.params);
    // Signatures go to the workers tx by tx while consensus is still hashing the rest, and
    // the block's MuHash contribution is computed beside them (on the workers too). Nothing
    // is applied until every signature checked out: a block that fails leaves no trace.
    const job = this.pool.start();
    const res = connectBlockTxs(block, entry.height, this.coins, this.params, (checks) => job.add(checks));
    const prepared = this.stats.prepareSpends(res);
    const bad = await job.done();
    if (bad >= 0) {
      const c = res.sigChecks[bad]!;
      throw new RuleError('bad-schnorr-sig', `invalid signature in tx ${block.txs[c.txIndex]!.txidHex()} input ${c.inputIndex}`);
    }
    for (let i = 0; i < res.created.length; i++) {
      const { outpoint, coin } = res.created[i]!;
      this.coins.add(outpoint, coin, true, res.createdKeys[i]);
    }
    for (let i = 0; i < res.spentOutpoints.length; i++) {
      const p = res.spentOutpoints[i]!;
      if (!this.coins.spend(p, res.spentKeys[i])) throw new ChainError('db-corrupt', `coin ${hashToHex(p.txid)}:${p.vout} vanished during connect`);
    }
    this.stats.commitConnect(res, prepared);
    await this.stats.settleIfFull();
    const key = bytesToHex(entry.hash);
    this.pendingUndo.set(key, res.undo);
    this.pendingOps.push(ChainDB.undoOp(entry.hash, res.undo));
    if (!entry.valid) {
      entry.status |= Status.Valid;
      this.pendingOps.push(ChainDB.entryOp(entry));
    }
    this.view.push(entry);
    this.index.removeCandidate(entry);
    this.recentBlocks.add(entry.hash, block);
    this.emit('connect', entry, block);
  }

  private async disconnectTip(): Promise<void> {
    const entry = this.tip;
    if (entry.height === 0) throw new ChainError('db-corrupt', 'cannot disconnect the genesis block');
    const block = await this.getBlock(entry.hash);
    const undo = this.pendingUndo.get(bytesToHex(entry.hash)) ?? (await this.db.getUndo(entry.hash));
    if (!block || !undo) throw new ChainError('missing-data', `block or undo data for ${entry.hashHex} is missing; cannot reorganize`);
    const { created, spent } = blockCoinChanges(block);
    await this.coins.prefetch([...created, ...spent]);
    let d;
    try {
      d = disconnectBlockTxs(block, undo, this.coins);
    } catch (e) {
      if (e instanceof UndoError) throw new ChainError('db-corrupt', `cannot disconnect ${entry.hashHex}: ${e.message}`);
      throw e;
    }
    for (const { outpoint } of d.removed) this.coins.spend(outpoint);
    for (const { outpoint, coin } of d.restored) this.coins.add(outpoint, coin, false);
    this.stats.commitDisconnect(d);
    this.view.pop();
    this.index.addCandidate(entry);
    this.recentBlocks.add(entry.hash, block);
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

  private async flushLocked(): Promise<void> {
    // Coins still waiting to join the digest are stored as such, not folded now.
    await this.stats.foldFactors();
    const ops = [...this.pendingOps, ...this.coins.flushOps()];
    ops.push(ChainDB.encodeTip(this.tip.hash, this.tip.height), ChainDB.encodeStats(this.stats.encode()));
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

export { decodeEntry };
