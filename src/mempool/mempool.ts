// The pool of unconfirmed transactions, each valid in the next block on the current tip.
//
// `Mempool` is the owner and the public face: it holds the parts (the transaction graph,
// the trimmer with the fee floor, the accept pipeline, the orphan pool, the fee estimator;
// index.ts lists the modules), wires them to the chain's events, does the bookkeeping of
// every removal (events, fee tracking) and answers queries.
//
// Chain events are handled synchronously ('connect' removes confirmed and conflicting
// txs; 'disconnect' collects the block's txs) except re-adding after a reorg, which the
// pipeline runs ahead of queued submissions, followed by a revalidation of the whole pool.
import { EventEmitter } from 'node:events';
import {
  type Block,
  type Clock,
  type OutPoint,
  type Rng,
  type Tx,
  bytesToHex,
  cryptoRng,
  hexToHash,
  outpointMapKey,
  systemClock,
} from '../primitives/index.js';
import type { Coin, ConsensusParams } from '../consensus/index.js';
import type { Chain, ChainEntry, TipChange, VerifyPool } from '../chain/index.js';
import { AcceptPipeline } from './accept.js';
import { MEMPOOL_HEIGHT, MempoolCoinView } from './coinview.js';
import { FeeEstimator } from './fees.js';
import { MempoolEntry, TxGraph } from './graph.js';
import { TxOrphanPool } from './orphans.js';
import { DEFAULT_POLICY, type PolicyOptions } from './policy.js';
import { Trimmer } from './trim.js';
import {
  DEFAULT_MEMPOOL_LIMITS,
  type AcceptOptions,
  type AcceptResult,
  type MempoolEvents,
  type MempoolInfo,
  type MempoolLimits,
  type RemovalReason,
} from './types.js';

export { MEMPOOL_HEIGHT, MempoolEntry, DEFAULT_MEMPOOL_LIMITS };
export type { AcceptOptions, AcceptResult, AddedInfo, MempoolEvents, MempoolInfo, MempoolLimits, RemovalReason, TxSource } from './types.js';

export interface MempoolOptions {
  chain: Chain;
  verifyPool: VerifyPool;
  params?: ConsensusParams;
  clock?: Clock;
  rng?: Rng;
  limits?: Partial<MempoolLimits>;
  policy?: Partial<PolicyOptions>;
}

export class Mempool extends EventEmitter<MempoolEvents> {
  readonly chain: Chain;
  readonly params: ConsensusParams;
  readonly clock: Clock;
  readonly limits: MempoolLimits;
  readonly policy: PolicyOptions;
  readonly fees: FeeEstimator;
  private readonly rng: Rng;
  private readonly graph = new TxGraph();
  private readonly view: MempoolCoinView;
  private readonly orphans: TxOrphanPool;
  private readonly trimmer: Trimmer;
  private readonly pipeline: AcceptPipeline;
  private readonly chainHandlers: { connect: (e: ChainEntry, b: Block) => void; disconnect: (e: ChainEntry, b: Block) => void; tip: (c: TipChange) => void };
  private closed = false;
  private readonly txSource: (tx: Tx) => Tx | undefined;

  constructor(opts: MempoolOptions) {
    super();
    this.chain = opts.chain;
    this.params = opts.params ?? opts.chain.params;
    this.clock = opts.clock ?? systemClock;
    this.rng = opts.rng ?? cryptoRng;
    this.limits = { ...DEFAULT_MEMPOOL_LIMITS, ...opts.limits };
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.orphans = new TxOrphanPool(this.limits.orphans, this.rng, this.clock);
    this.view = new MempoolCoinView(this.chain, {
      txByKey: (k) => this.graph.get(k)?.tx,
      isSpent: (p) => this.graph.spenderOf(p) !== undefined,
    });
    this.fees = new FeeEstimator({
      minFeeRate: () => this.policy.minRelayFeeRate,
      fallback: (t) => this.backlogFeeRate(t),
    });
    this.trimmer = new Trimmer({
      graph: this.graph,
      clock: this.clock,
      policy: this.policy,
      limits: this.limits,
      remove: (roots, reason) => this.removeWithDescendants(roots, reason),
    });
    this.pipeline = new AcceptPipeline({
      chain: this.chain,
      params: this.params,
      clock: this.clock,
      policy: this.policy,
      limits: this.limits,
      verifyPool: opts.verifyPool,
      view: this.view,
      graph: this.graph,
      trimmer: this.trimmer,
      orphans: this.orphans,
      fees: this.fees,
      remove: (set, reason) => this.removeSet(set, reason),
      removeWithDescendants: (roots, reason) => this.removeWithDescendants(roots, reason),
      added: (entry, info) => this.emit('added', entry, info),
    });
    this.chainHandlers = {
      connect: (e, b) => this.onConnect(e, b),
      disconnect: (_e, b) => this.pipeline.blockDisconnected(b),
      tip: (_c) => this.pipeline.tipChanged(),
    };
    this.chain.on('connect', this.chainHandlers.connect);
    this.chain.on('disconnect', this.chainHandlers.disconnect);
    this.chain.on('tip', this.chainHandlers.tip);
    // A block of transactions we accepted is checked and connected through our objects
    // and their memoized txids and sighashes. The candidate for a block tx is the one
    // spending its first input (at most one here spends it); Chain.setTxSource takes it
    // only if the bytes are the same.
    this.txSource = (tx) => (tx.inputs.length > 0 ? this.graph.spenderOf(tx.inputs[0]!.prevout)?.tx : undefined);
    this.chain.setTxSource(this.txSource);
  }

  /** Stops listening to the chain; queued accepts are refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chain.off('connect', this.chainHandlers.connect);
    this.chain.off('disconnect', this.chainHandlers.disconnect);
    this.chain.off('tip', this.chainHandlers.tip);
    this.chain.clearTxSource(this.txSource);
  }

  // ------------------------------------------------------------------ queries

  get size(): number {
    return this.graph.size;
  }

  get vsize(): number {
    return this.graph.vsize;
  }

  get orphanCount(): number {
    return this.orphans.count;
  }

  /** By display hex or internal-order bytes. */
  get(txid: string | Uint8Array): MempoolEntry | undefined {
    return this.graph.get(keyOf(txid));
  }

  has(txid: string | Uint8Array): boolean {
    return this.graph.has(keyOf(txid));
  }

  hasOrphan(txid: string | Uint8Array): boolean {
    return this.orphans.has(keyOf(txid));
  }

  /** Display hex, oldest first. */
  txids(): string[] {
    return [...this.graph.entries()].map((e) => e.txidHex);
  }

  entries(): IterableIterator<MempoolEntry> {
    return this.graph.entries();
  }

  /** The `n` most recently added entries, newest first. */
  recent(n: number): MempoolEntry[] {
    const all = [...this.graph.entries()];
    return all.slice(Math.max(0, all.length - n)).reverse();
  }

  spenderOf(p: OutPoint): MempoolEntry | undefined {
    return this.graph.spenderOf(p);
  }

  /**
   * A coin as the next block on the tip would see it after this pool: mempool outputs
   * included, outputs spent by mempool txs excluded (one awaited read of the chain).
   */
  getCoin(p: OutPoint): Promise<Coin | undefined> {
    return this.view.getCoin(p);
  }

  info(): MempoolInfo {
    return {
      count: this.graph.size,
      vsize: this.graph.vsize,
      totalFee: this.graph.fees,
      minFeeRate: this.minFeeRate() / 1000,
      orphans: this.orphans.count,
      feeHistogram: this.graph.feeHistogram(),
    };
  }

  /** sat/kvB a new transaction must pay: relay minimum, or higher after evictions (Core's GetMinFee). */
  minFeeRate(): number {
    return this.trimmer.minFeeRate();
  }

  /**
   * Fallback fee estimate without history (sat/kvB): the rate at the depth of `target`
   * blocks in this mempool sorted by fee rate, or the minimum if it is shallower than that.
   */
  private backlogFeeRate(target: number): number {
    const depth = target * Math.floor(this.params.maxBlockWeight / 4);
    if (this.graph.vsize <= depth) return this.minFeeRate();
    const rated = [...this.graph.entries()].sort((a, b) => b.ancestorFeeRate - a.ancestorFeeRate);
    let acc = 0;
    for (const e of rated) {
      acc += e.vsize;
      if (acc >= depth) return Math.max(e.ancestorFeeRate + this.policy.incrementalRelayFeeRate, this.minFeeRate());
    }
    return this.minFeeRate();
  }

  // ------------------------------------------------------------------ accept

  /**
   * Validates and adds `tx`. Resolves with its fee and vsize (orphan: true when a peer's tx
   * has unknown parents and was held back); rejects with RuleError (invalid, or, locally
   * submitted, spending a missing or spent coin) or PolicyError (valid but not accepted
   * here). A rejected tx changes nothing.
   */
  accept(tx: Tx, opts: AcceptOptions = {}): Promise<AcceptResult> {
    if (this.closed) return Promise.reject(new Error('mempool: closed'));
    return this.pipeline.submit(tx, opts);
  }

  /** Resolves once every queued accept and reorg update has been processed. */
  idle(): Promise<void> {
    return this.pipeline.idle();
  }

  /** Drops entries older than limits.expiryMs (and their descendants). Returns how many went. */
  expire(): number {
    this.orphans.expire();
    return this.trimmer.expire();
  }

  // ------------------------------------------------------------------ removal

  /** Removes exactly `set` (callers include descendants unless they were confirmed). */
  private removeSet(set: ReadonlySet<MempoolEntry>, reason: RemovalReason): void {
    const removed = this.graph.remove(set);
    if (reason !== 'block') for (const e of removed) this.fees.untrack(e.key);
    for (const e of set) this.emit('removed', e.txidHex, reason);
  }

  private removeWithDescendants(roots: Iterable<MempoolEntry>, reason: RemovalReason): void {
    const set = this.graph.descendantsOf(roots);
    if (set.size > 0) this.removeSet(set, reason);
  }

  // ------------------------------------------------------------------ chain events

  private onConnect(entry: ChainEntry, block: Block): void {
    const confirmed: MempoolEntry[] = [];
    const conflicts: MempoolEntry[] = [];
    const spent = new Set<string>();
    const inBlock = new Set<string>();
    for (let i = 1; i < block.txs.length; i++) {
      const tx = block.txs[i]!;
      const k = bytesToHex(tx.txid());
      inBlock.add(k);
      const e = this.graph.get(k);
      if (e) confirmed.push(e);
      for (const input of tx.inputs) spent.add(outpointMapKey(input.prevout));
    }
    // Confirmed txs leave alone (their children stay: their inputs are now in the chain).
    if (confirmed.length > 0) this.removeSet(new Set(confirmed), 'block');
    for (const k of spent) {
      const s = this.graph.spenderByKey(k);
      if (s) conflicts.push(s);
    }
    this.removeWithDescendants(conflicts, 'conflict');
    this.orphans.removeForBlock(block.txs.slice(1), spent);
    this.fees.processBlock(entry.height, inBlock);
    this.pipeline.blockConnected(inBlock);
    this.trimmer.blockConnected();
  }
}

function keyOf(txid: string | Uint8Array): string {
  if (typeof txid === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(txid)) return '';
    return bytesToHex(hexToHash(txid.toLowerCase()));
  }
  return bytesToHex(txid);
}
