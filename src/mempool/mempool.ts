// The pool of unconfirmed transactions, each valid in the next block on the current tip.
//
// Acceptance is a pipeline: accept() queues the tx; one worker takes a batch of queued
// txs, reads every input it needs from the chain in one awaited round trip (the mempool's
// own coin view, coinview.ts: a snapshot of the UTXO set at the tip, independent of what
// the chain's cache holds), then runs all checks synchronously. Signatures of the whole
// batch go to the verify pool in one call; the verified wtxids are remembered and the
// batch is read and checked again, synchronously, and committed in the same tick. Checking
// twice is cheap next to signatures and means a block connected while signatures were
// verifying can never slip a stale tx in.
//
// Chain events are handled synchronously ('connect' removes confirmed and conflicting
// txs; 'disconnect' collects the block's txs) except re-adding after a reorg, which is
// queued behind pending accepts and followed by a revalidation of the whole pool.
//
// Orphans (txs whose inputs are unknown) are held only for peers' relay. A local
// submission (the API) spending a coin that is spent or never existed is refused with
// bad-txns-inputs-missingorspent, as Core's sendrawtransaction does.
import { EventEmitter } from 'node:events';
import {
  type Block,
  type Clock,
  type OutPoint,
  type Rng,
  type Tx,
  bytesToHex,
  cryptoRng,
  hashToHex,
  hexToBytes,
  outpointKey,
  reverseBytes,
  systemClock,
} from '../primitives/index.js';
import {
  RuleError,
  checkTxInputs,
  checkTxSanity,
  isFinalTx,
  taprootSigChecks,
  type Coin,
  type CoinView,
  type ConsensusParams,
  type SigCheck,
} from '../consensus/index.js';
import type { Chain, ChainEntry, TipChange, VerifyPool } from '../chain/index.js';
import { ChainSnapshot, MEMPOOL_HEIGHT, MempoolCoinView, unconfirmedCoin } from './coinview.js';
import { FeeEstimator } from './fees.js';
import { DEFAULT_ORPHAN_LIMITS, TxOrphanPool, type OrphanTxLimits } from './orphans.js';
import {
  DEFAULT_ANCESTOR_LIMIT,
  DEFAULT_ANCESTOR_SIZE_LIMIT,
  DEFAULT_DESCENDANT_LIMIT,
  DEFAULT_DESCENDANT_SIZE_LIMIT,
  DEFAULT_POLICY,
  MAX_REPLACEMENT_EVICTIONS,
  PolicyError,
  checkStandardTx,
  feeForRate,
  feeRateAbove,
  feeRateOf,
  type PolicyOptions,
} from './policy.js';

export { MEMPOOL_HEIGHT };

export interface MempoolLimits {
  /** Total vsize of all entries (virtual bytes); above it the cheapest packages are evicted. */
  maxBytes: number;
  ancestorCount: number;
  ancestorSize: number;
  descendantCount: number;
  descendantSize: number;
  /** Entries older than this are dropped (Core's -mempoolexpiry, 336 h). */
  expiryMs: number;
  orphans: OrphanTxLimits;
  /** Most transactions checked and verified together. */
  batchSize: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = Object.freeze({
  maxBytes: 100_000_000,
  ancestorCount: DEFAULT_ANCESTOR_LIMIT,
  ancestorSize: DEFAULT_ANCESTOR_SIZE_LIMIT,
  descendantCount: DEFAULT_DESCENDANT_LIMIT,
  descendantSize: DEFAULT_DESCENDANT_SIZE_LIMIT,
  expiryMs: 336 * 3600_000,
  orphans: DEFAULT_ORPHAN_LIMITS,
  batchSize: 256,
});

export interface MempoolOptions {
  chain: Chain;
  verifyPool: VerifyPool;
  params?: ConsensusParams;
  clock?: Clock;
  rng?: Rng;
  limits?: Partial<MempoolLimits>;
  policy?: Partial<PolicyOptions>;
}

export interface AcceptOptions {
  /**
   * A peer relayed it: a tx whose inputs are unknown is held as an orphan until its
   * parents arrive. Without it (local submissions) such a tx is refused with
   * bad-txns-inputs-missingorspent and nothing changes.
   */
  relay?: boolean;
  /** Arrival time to record (ms since epoch), e.g. when reloading a saved mempool; default now. */
  time?: number;
  /** Where it came from, for metrics (`cairn_txs_accepted_total{source}`); default 'other'. */
  source?: TxSource;
}

export type RemovalReason = 'block' | 'conflict' | 'replaced' | 'evicted' | 'expired' | 'reorg';

export interface AcceptResult {
  /** display hex */
  txid: string;
  /** 0n for an orphan (its inputs are unknown) */
  fee: bigint;
  vsize: number;
  orphan?: boolean;
}

export interface MempoolInfo {
  count: number;
  vsize: number;
  totalFee: bigint;
  /** sat/vB a new tx must pay now (relay minimum or the rolling minimum after evictions) */
  minFeeRate: number;
  orphans: number;
  /** Esplora format: [feerate sat/vB, vsize], highest rate first, bins of ~50,000 vB */
  feeHistogram: [number, number][];
}

/** Where a transaction came from, for metrics. */
export type TxSource = 'p2p' | 'api' | 'other';

/** How an entry got in: `reorg` for txs put back from a disconnected block (not new). */
export interface AddedInfo {
  source: TxSource | 'reorg';
  /** from accept() to entering the pool: queueing, checks and signatures */
  seconds: number;
}

export interface MempoolEvents {
  added: [entry: MempoolEntry, info: AddedInfo];
  removed: [txid: string, reason: RemovalReason];
}

export class MempoolEntry {
  readonly txid: Uint8Array;
  readonly key: string;
  readonly txidHex: string;
  readonly vsize: number;
  readonly weight: number;
  readonly parents = new Set<MempoolEntry>();
  readonly children = new Set<MempoolEntry>();
  ancestorCount = 1;
  ancestorSize = 0;
  ancestorFee = 0n;
  ancestorWeight = 0;
  descendantCount = 1;
  descendantSize = 0;
  descendantFee = 0n;
  /** Lowest height of a coinbase this tx spends directly (for reorg maturity), or -1. */
  readonly coinbaseHeight: number;

  constructor(
    readonly tx: Tx,
    readonly fee: bigint,
    /** ms since epoch when it entered */
    readonly time: number,
    /** tip height when it entered */
    readonly height: number,
    coinbaseHeight: number,
  ) {
    this.txid = tx.txid();
    this.key = bytesToHex(this.txid);
    this.txidHex = hashToHex(this.txid);
    this.vsize = tx.vsize;
    this.weight = tx.weight;
    this.ancestorSize = this.descendantSize = this.vsize;
    this.ancestorFee = this.descendantFee = fee;
    this.ancestorWeight = this.weight;
    this.coinbaseHeight = coinbaseHeight;
  }

  /** sat/kvB */
  get feeRate(): number {
    return feeRateOf(this.fee, this.vsize);
  }

  get ancestorFeeRate(): number {
    return feeRateOf(this.ancestorFee, this.ancestorSize);
  }

  get descendantFeeRate(): number {
    return feeRateOf(this.descendantFee, this.descendantSize);
  }
}

interface TxJob {
  kind: 'tx';
  tx: Tx;
  /** re-added from a disconnected block: no fee floors, no orphaning, no trimming away */
  reorg: boolean;
  /** from a peer: may wait in the orphan pool */
  relay: boolean;
  time?: number;
  source: TxSource;
  /** performance.now() at accept(), for the `added` event's duration */
  t0: number;
  resolve: (r: AcceptResult) => void;
  reject: (e: unknown) => void;
}

interface ReorgJob {
  kind: 'reorg';
  txs: Tx[];
}

type Job = TxJob | ReorgJob;

type Outcome =
  | { kind: 'done' }
  | { kind: 'orphan'; parents: string[]; inputIndex: number }
  | { kind: 'sigs'; checks: SigCheck[] }
  | { kind: 'defer' };


export class Mempool extends EventEmitter<MempoolEvents> {
  readonly chain: Chain;
  readonly params: ConsensusParams;
  readonly clock: Clock;
  readonly limits: MempoolLimits;
  readonly policy: PolicyOptions;
  readonly fees: FeeEstimator;
  private readonly rng: Rng;
  private readonly pool: VerifyPool;
  private readonly view: MempoolCoinView;
  private readonly map = new Map<string, MempoolEntry>();
  private readonly spenders = new Map<string, MempoolEntry>();
  private readonly orphans: TxOrphanPool;
  private totalVsize = 0;
  private totalFees = 0n;
  private readonly goodSigs = new Map<string, true>();
  private readonly badSigs = new Map<string, RuleError>();
  private readonly recentRejects = new Set<string>();
  private queue: Job[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readdPending: Tx[] = [];
  private reorgPending = false;
  /** Local submissions that found inputs missing while a reorg update was due: retried after it. */
  private afterReorg: TxJob[] = [];
  private rollingMinFee = 0;
  private lastRollingUpdate = 0;
  private blockSinceBump = false;
  private readonly chainHandlers: { connect: (e: ChainEntry, b: Block) => void; disconnect: (e: ChainEntry, b: Block) => void; tip: (c: TipChange) => void };
  private closed = false;

  constructor(opts: MempoolOptions) {
    super();
    this.chain = opts.chain;
    this.params = opts.params ?? opts.chain.params;
    this.clock = opts.clock ?? systemClock;
    this.rng = opts.rng ?? cryptoRng;
    this.pool = opts.verifyPool;
    this.limits = { ...DEFAULT_MEMPOOL_LIMITS, ...opts.limits };
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.orphans = new TxOrphanPool(this.limits.orphans, this.rng, this.clock);
    this.view = new MempoolCoinView(this.chain, {
      txByKey: (k) => this.map.get(k)?.tx,
      isSpent: (p) => this.spenders.has(outpointKey(p)),
    });
    this.fees = new FeeEstimator({
      minFeeRate: () => this.policy.minRelayFeeRate,
      fallback: (t) => this.backlogFeeRate(t),
    });
    this.chainHandlers = {
      connect: (e, b) => this.onConnect(e, b),
      disconnect: (_e, b) => this.onDisconnect(b),
      tip: (c) => this.onTip(c),
    };
    this.chain.on('connect', this.chainHandlers.connect);
    this.chain.on('disconnect', this.chainHandlers.disconnect);
    this.chain.on('tip', this.chainHandlers.tip);
  }

  /** Stops listening to the chain; queued accepts are refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chain.off('connect', this.chainHandlers.connect);
    this.chain.off('disconnect', this.chainHandlers.disconnect);
    this.chain.off('tip', this.chainHandlers.tip);
  }

  // ------------------------------------------------------------------ queries

  get size(): number {
    return this.map.size;
  }

  get vsize(): number {
    return this.totalVsize;
  }

  get orphanCount(): number {
    return this.orphans.count;
  }

  /** By display hex or internal-order bytes. */
  get(txid: string | Uint8Array): MempoolEntry | undefined {
    return this.map.get(keyOf(txid));
  }

  has(txid: string | Uint8Array): boolean {
    return this.map.has(keyOf(txid));
  }

  hasOrphan(txid: string | Uint8Array): boolean {
    return this.orphans.has(keyOf(txid));
  }

  /** Display hex, oldest first. */
  txids(): string[] {
    return [...this.map.values()].map((e) => e.txidHex);
  }

  entries(): IterableIterator<MempoolEntry> {
    return this.map.values();
  }

  /** The `n` most recently added entries, newest first. */
  recent(n: number): MempoolEntry[] {
    const all = [...this.map.values()];
    return all.slice(Math.max(0, all.length - n)).reverse();
  }

  spenderOf(p: OutPoint): MempoolEntry | undefined {
    return this.spenders.get(outpointKey(p));
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
      count: this.map.size,
      vsize: this.totalVsize,
      totalFee: this.totalFees,
      minFeeRate: this.minFeeRate() / 1000,
      orphans: this.orphans.count,
      feeHistogram: this.feeHistogram(),
    };
  }

  private feeHistogram(): [number, number][] {
    const rated = [...this.map.values()].map((e) => [e.feeRate / 1000, e.vsize] as [number, number]);
    rated.sort((a, b) => b[0] - a[0]);
    const out: [number, number][] = [];
    let bin = 0;
    let last = 0;
    for (const [rate, size] of rated) {
      if (bin > 0 && last !== rate && bin >= 50_000) {
        out.push([last, bin]);
        bin = 0;
      }
      bin += size;
      last = rate;
    }
    if (bin > 0) out.push([last, bin]);
    return out;
  }

  /** sat/kvB a new transaction must pay: relay minimum, or higher after evictions (Core's GetMinFee). */
  minFeeRate(): number {
    const floor = this.policy.minRelayFeeRate;
    if (!this.blockSinceBump || this.rollingMinFee === 0) return Math.max(this.rollingMinFee, floor);
    const now = this.clock.now();
    if (now > this.lastRollingUpdate + 10_000) {
      let halfLife = 12 * 3600_000;
      if (this.totalVsize < this.limits.maxBytes / 4) halfLife /= 4;
      else if (this.totalVsize < this.limits.maxBytes / 2) halfLife /= 2;
      this.rollingMinFee /= 2 ** ((now - this.lastRollingUpdate) / halfLife);
      this.lastRollingUpdate = now;
      if (this.rollingMinFee < this.policy.incrementalRelayFeeRate / 2) {
        this.rollingMinFee = 0;
        return floor;
      }
    }
    return Math.max(this.rollingMinFee, floor);
  }

  /**
   * Fallback fee estimate without history (sat/kvB): the rate at the depth of `target`
   * blocks in this mempool sorted by fee rate, or the minimum if it is shallower than that.
   */
  private backlogFeeRate(target: number): number {
    const depth = target * Math.floor(this.params.maxBlockWeight / 4);
    if (this.totalVsize <= depth) return this.minFeeRate();
    const rated = [...this.map.values()].sort((a, b) => b.ancestorFeeRate - a.ancestorFeeRate);
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
    return new Promise<AcceptResult>((resolve, reject) => {
      this.queue.push({ kind: 'tx', tx, reorg: false, relay: opts.relay === true, ...(opts.time !== undefined ? { time: opts.time } : {}), source: opts.source ?? 'other', t0: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every queued accept and reorg update has been processed. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'reorg') {
          this.queue.shift();
          await this.processReorg(head.txs);
          // submissions the reorg overtook now see the pool it left (Core holds cs_main)
          if (this.afterReorg.length > 0) this.queue.unshift(...this.afterReorg.splice(0));
          continue;
        }
        const batch: TxJob[] = [];
        while (batch.length < this.limits.batchSize && this.queue[0]?.kind === 'tx') batch.push(this.queue.shift() as TxJob);
        try {
          await this.processBatch(batch);
        } catch (e) {
          for (const j of batch) j.reject(e); // unexpected (storage) failure; settled jobs ignore this
        }
      }
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
      if (this.queue.length > 0) this.pump();
    }
  }

  private async processBatch(jobs: TxJob[]): Promise<void> {
    this.expire();
    let pending = jobs;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= 32) {
        // Cannot happen with a sane chain (each round settles or verifies something);
        // refuse rather than spin.
        for (const j of pending) j.reject(new Error('mempool: transaction could not be settled'));
        return;
      }
      const snap = await this.snapshotFor(pending.map((j) => j.tx));
      const batchTxs = new Map<string, Tx>();
      const next: TxJob[] = [];
      const checks: SigCheck[] = [];
      const owners: { job: TxJob; end: number }[] = [];
      for (const job of pending) {
        let out: Outcome;
        try {
          out = this.tryAccept(job, batchTxs, snap);
        } catch (e) {
          if (e instanceof RuleError) this.rememberReject(job.tx);
          job.reject(e);
          continue;
        }
        if (out.kind === 'done') continue;
        if (out.kind === 'orphan') {
          if (!job.reorg && !job.relay && this.reorgDue()) {
            // its parent may be in a disconnected block the reorg update puts back
            this.afterReorg.push(job);
            continue;
          }
          const err = this.orphanOrRefuse(job, out.parents, out.inputIndex);
          if (err) job.reject(err);
          continue;
        }
        batchTxs.set(bytesToHex(job.tx.txid()), job.tx);
        next.push(job);
        if (out.kind === 'sigs') {
          checks.push(...out.checks);
          owners.push({ job, end: checks.length });
        }
      }
      pending = next;
      if (checks.length === 0) continue;
      const bad = await this.pool.verify(checks, { cache: 'store' }); // what verifies is cached for the block
      for (const o of owners) {
        const w = o.job.tx.wtxidHex();
        if (bad < 0 || o.end <= bad) this.rememberGood(w);
        else {
          const c = checks[bad]!;
          if (this.badSigs.size > 10_000) this.badSigs.clear(); // only a cache: a miss re-verifies
          this.badSigs.set(w, new RuleError('bad-schnorr-sig', undefined, { inputIndex: c.inputIndex }));
          break;
        }
      }
    }
  }

  /**
   * A tx whose inputs are missing: a peer's waits in the orphan pool (resolving its job,
   * and returning undefined); anything else gets the error to reject it with.
   */
  private orphanOrRefuse(job: TxJob, parents: string[], inputIndex: number): Error | undefined {
    const { tx } = job;
    if (job.reorg) return new PolicyError('missing-inputs', 'inputs missing after reorg');
    if (!job.relay) {
      const p = tx.inputs[inputIndex]!.prevout;
      return new RuleError('bad-txns-inputs-missingorspent', `input ${inputIndex} spends ${hashToHex(p.txid)}:${p.vout}, which is spent or does not exist`, { inputIndex });
    }
    for (const m of parents) {
      if (this.recentRejects.has(m)) return new PolicyError('missing-inputs', `parent ${hashToHex(hexToBytes(m))} was rejected`);
    }
    if (!this.orphans.add(tx, bytesToHex(tx.txid()), parents)) return new PolicyError('orphan-too-large');
    job.resolve({ txid: hashToHex(tx.txid()), fee: 0n, vsize: tx.vsize, orphan: true });
    return undefined;
  }

  /** Reads the chain coins a batch needs (skipping those mempool txs provide). */
  private snapshotFor(txs: readonly Tx[]): Promise<ChainSnapshot> {
    const want: OutPoint[] = [];
    for (const tx of txs) {
      for (const i of tx.inputs) if (!this.map.has(bytesToHex(i.prevout.txid))) want.push(i.prevout);
      // Its own first output tells whether the tx is already confirmed (txn-already-known).
      want.push({ txid: tx.txid(), vout: 0 });
    }
    return this.view.snapshot(want);
  }

  private rememberGood(wtxid: string): void {
    this.goodSigs.set(wtxid, true);
    if (this.goodSigs.size > 200_000) {
      const first = this.goodSigs.keys().next().value;
      if (first !== undefined) this.goodSigs.delete(first);
    }
  }

  private rememberReject(tx: Tx): void {
    this.recentRejects.add(bytesToHex(tx.txid()));
    if (this.recentRejects.size > 50_000) this.recentRejects.clear();
  }

  private mempoolCoin(p: OutPoint): Coin | undefined {
    const parent = this.map.get(bytesToHex(p.txid));
    return parent ? unconfirmedCoin(parent.tx, p.vout) : undefined;
  }

  /**
   * All checks for one tx, synchronously. Commits it when its signatures are known good;
   * returns what else must happen otherwise. `batch` holds txs of this batch not yet
   * committed, whose children are checked provisionally (for their signatures) and retried.
   */
  private tryAccept(job: TxJob, batch: Map<string, Tx>, snap: ChainSnapshot): Outcome {
    const { tx } = job;
    const key = bytesToHex(tx.txid());
    if (this.map.has(key)) throw new PolicyError('txn-already-in-mempool');
    checkTxSanity(tx, this.params);
    if (tx.isCoinbase()) throw new PolicyError('coinbase');
    checkStandardTx(tx, this.policy);
    const tip = this.chain.tip;
    const height = tip.height + 1;
    if (!isFinalTx(tx, height, this.chain.medianTimePast(tip))) throw new PolicyError('non-final');

    // Inputs: from mempool parents, batch-mates (provisional) or the chain snapshot (an
    // outpoint not in it had a mempool parent at read time that is gone now: missing).
    let provisional = false;
    let firstMissing = -1;
    const missing: string[] = [];
    const spentCoins: Coin[] = new Array(tx.inputs.length);
    tx.inputs.forEach((input, i) => {
      const p = input.prevout;
      const pk = bytesToHex(p.txid);
      const parent = this.map.get(pk);
      if (parent) {
        const c = this.mempoolCoin(p);
        if (!c) throw new RuleError('bad-txns-inputs-missingorspent', `${outpointKey(p)} is not an output of mempool tx`, { inputIndex: i });
        spentCoins[i] = c;
        return;
      }
      const mate = batch.get(pk);
      if (mate) {
        const c = unconfirmedCoin(mate, p.vout);
        if (!c) throw new RuleError('bad-txns-inputs-missingorspent', undefined, { inputIndex: i });
        spentCoins[i] = c;
        provisional = true;
        return;
      }
      const c = snap.getCoin(p);
      if (c) spentCoins[i] = c;
      else {
        missing.push(pk);
        if (firstMissing < 0) firstMissing = i;
      }
    });
    if (snap.getCoin({ txid: tx.txid(), vout: 0 })) throw new PolicyError('txn-already-known');
    if (missing.length > 0) return { kind: 'orphan', parents: missing, inputIndex: firstMissing };
    const byOutpoint = new Map<string, Coin>();
    tx.inputs.forEach((input, i) => byOutpoint.set(outpointKey(input.prevout), spentCoins[i]!));
    const view: CoinView = { getCoin: (p) => byOutpoint.get(outpointKey(p)) };
    const { fee, spent } = checkTxInputs(tx, view, height, this.params);
    const vsize = tx.vsize;

    const wtxid = tx.wtxidHex();
    const known = this.goodSigs.has(wtxid);
    const bad = this.badSigs.get(wtxid);
    if (bad) {
      this.badSigs.delete(wtxid);
      throw bad;
    }
    if (provisional) {
      // A batch-mate is not committed yet: only gather signatures, judge the rest later.
      return known ? { kind: 'defer' } : { kind: 'sigs', checks: taprootSigChecks(tx, spent, 0) };
    }

    if (!job.reorg) {
      if (fee < feeForRate(this.policy.minRelayFeeRate, vsize)) {
        throw new PolicyError('min-relay-fee-not-met', `fee ${fee} < ${feeForRate(this.policy.minRelayFeeRate, vsize)} for ${vsize} vB`);
      }
      const minFee = feeForRate(this.minFeeRate(), vsize);
      if (fee < minFee) throw new PolicyError('mempool-min-fee-not-met', `fee ${fee} < ${minFee} for ${vsize} vB`);
    }

    // Unconfirmed parents and their ancestors, within Core's package limits.
    const parents = new Set<MempoolEntry>();
    const conflicts = new Set<MempoolEntry>();
    for (const input of tx.inputs) {
      const parent = this.map.get(bytesToHex(input.prevout.txid));
      if (parent) parents.add(parent);
      const spender = this.spenders.get(outpointKey(input.prevout));
      if (spender) conflicts.add(spender);
    }
    const ancestors = this.ancestorsOf(parents, this.limits.ancestorCount);
    if (!job.reorg) this.checkPackageLimits(ancestors, vsize);

    let evict: Set<MempoolEntry> | undefined;
    if (conflicts.size > 0) {
      if (job.reorg) throw new PolicyError('txn-mempool-conflict');
      evict = this.checkReplacement(fee, vsize, conflicts, ancestors, parents);
    }

    if (!known) return { kind: 'sigs', checks: taprootSigChecks(tx, spent, 0) };

    // Commit.
    if (evict) this.removeSet(evict, 'replaced');
    let cbHeight = -1;
    for (const c of spent) if (c.coinbase && (cbHeight < 0 || c.height < cbHeight)) cbHeight = c.height;
    const entry = new MempoolEntry(tx, fee, job.time ?? this.clock.now(), tip.height, cbHeight);
    this.addEntry(entry);
    if (!job.reorg) {
      this.trimToSize();
      if (!this.map.has(key)) throw new PolicyError('mempool-full');
      this.fees.track(key, tip.height, entry.feeRate);
    }
    job.resolve({ txid: entry.txidHex, fee, vsize });
    this.emit('added', entry, { source: job.reorg ? 'reorg' : job.source, seconds: (performance.now() - job.t0) / 1000 });
    for (const child of this.orphans.takeChildren(key)) {
      // an orphan freed by its parent: counted with the parent's source, timed from here
      this.queue.push({ kind: 'tx', tx: child, reorg: false, relay: true, source: job.source, t0: performance.now(), resolve: () => undefined, reject: () => undefined });
    }
    return { kind: 'done' };
  }

  private ancestorsOf(parents: Iterable<MempoolEntry>, limit: number): Set<MempoolEntry> {
    const out = new Set<MempoolEntry>();
    const stack = [...parents];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (out.has(e)) continue;
      out.add(e);
      if (out.size > limit) break; // already over; the caller reports it
      for (const p of e.parents) stack.push(p);
    }
    return out;
  }

  private descendantsOf(roots: Iterable<MempoolEntry>): Set<MempoolEntry> {
    const out = new Set<MempoolEntry>();
    const stack = [...roots];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (out.has(e)) continue;
      out.add(e);
      for (const c of e.children) stack.push(c);
    }
    return out;
  }

  private checkPackageLimits(ancestors: Set<MempoolEntry>, vsize: number): void {
    const L = this.limits;
    if (ancestors.size + 1 > L.ancestorCount) {
      throw new PolicyError('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${L.ancestorCount}]`);
    }
    let size = vsize;
    for (const a of ancestors) size += a.vsize;
    if (size > L.ancestorSize) throw new PolicyError('too-long-mempool-chain', `exceeds ancestor size limit [limit: ${L.ancestorSize}]`);
    for (const a of ancestors) {
      if (a.descendantCount + 1 > L.descendantCount) {
        throw new PolicyError('too-long-mempool-chain', `too many descendants for tx ${a.txidHex} [limit: ${L.descendantCount}]`);
      }
      if (a.descendantSize + vsize > L.descendantSize) {
        throw new PolicyError('too-long-mempool-chain', `exceeds descendant size limit for tx ${a.txidHex} [limit: ${L.descendantSize}]`);
      }
    }
  }

  /** Full replace-by-fee (Core's rules 2-5 without signalling). Returns what would be evicted. */
  private checkReplacement(
    fee: bigint,
    vsize: number,
    conflicts: Set<MempoolEntry>,
    ancestors: Set<MempoolEntry>,
    parents: Set<MempoolEntry>,
  ): Set<MempoolEntry> {
    for (const a of ancestors) {
      if (conflicts.has(a)) throw new PolicyError('bad-txns-spends-conflicting-tx', `spends conflicting tx ${a.txidHex}`);
    }
    const evict = this.descendantsOf(conflicts);
    if (evict.size > MAX_REPLACEMENT_EVICTIONS) {
      throw new PolicyError('too-many-replacements', `would evict ${evict.size} txs > ${MAX_REPLACEMENT_EVICTIONS}`);
    }
    for (const a of ancestors) {
      if (evict.has(a)) throw new PolicyError('bad-txns-spends-conflicting-tx', `spends conflicting tx ${a.txidHex}`);
    }
    const conflictParents = new Set<MempoolEntry>();
    for (const c of conflicts) for (const p of c.parents) conflictParents.add(p);
    for (const p of parents) {
      if (!conflictParents.has(p)) throw new PolicyError('replacement-adds-unconfirmed', `new unconfirmed input from ${p.txidHex}`);
    }
    let evictedFees = 0n;
    for (const e of evict) {
      if (!feeRateAbove(fee, vsize, e.fee, e.vsize)) {
        throw new PolicyError('insufficient-fee', `fee rate not above ${e.feeRate / 1000} sat/vB of ${e.txidHex}`);
      }
      evictedFees += e.fee;
    }
    const need = evictedFees + feeForRate(this.policy.incrementalRelayFeeRate, vsize);
    if (fee < need) throw new PolicyError('insufficient-fee', `fee ${fee} < ${need} (replaced fees plus incremental relay fee)`);
    return evict;
  }

  // ------------------------------------------------------------------ graph upkeep

  private addEntry(entry: MempoolEntry): void {
    this.map.set(entry.key, entry);
    this.totalVsize += entry.vsize;
    this.totalFees += entry.fee;
    for (const input of entry.tx.inputs) {
      this.spenders.set(outpointKey(input.prevout), entry);
      const parent = this.map.get(bytesToHex(input.prevout.txid));
      if (parent) {
        entry.parents.add(parent);
        parent.children.add(entry);
      }
    }
    // After a reorg a tx can come back below children already here: link them.
    entry.tx.outputs.forEach((_, vout) => {
      const child = this.spenders.get(outpointKey({ txid: entry.txid, vout }));
      if (child) {
        child.parents.add(entry);
        entry.children.add(child);
      }
    });
    this.refreshStats(this.ancestorsOf([entry], Infinity), this.descendantsOf([entry]));
  }

  /** Recomputes package statistics from scratch; packages are capped small, so this is cheap. */
  private refreshStats(descStale: Iterable<MempoolEntry>, ancStale: Iterable<MempoolEntry>): void {
    for (const e of descStale) {
      const d = this.descendantsOf([e]);
      e.descendantCount = d.size;
      e.descendantSize = 0;
      e.descendantFee = 0n;
      for (const x of d) {
        e.descendantSize += x.vsize;
        e.descendantFee += x.fee;
      }
    }
    for (const e of ancStale) {
      const a = this.ancestorsOf([e], Infinity);
      e.ancestorCount = a.size;
      e.ancestorSize = 0;
      e.ancestorFee = 0n;
      e.ancestorWeight = 0;
      for (const x of a) {
        e.ancestorSize += x.vsize;
        e.ancestorFee += x.fee;
        e.ancestorWeight += x.weight;
      }
    }
  }

  /** Removes exactly `set` (callers include descendants unless they were confirmed). */
  private removeSet(set: Set<MempoolEntry>, reason: RemovalReason): void {
    const descStale = new Set<MempoolEntry>();
    const ancStale = new Set<MempoolEntry>();
    for (const e of set) {
      for (const p of e.parents) if (!set.has(p)) for (const a of this.ancestorsOf([p], Infinity)) descStale.add(a);
      for (const c of e.children) if (!set.has(c)) for (const d of this.descendantsOf([c])) ancStale.add(d);
    }
    for (const e of set) {
      if (this.map.get(e.key) !== e) continue;
      this.map.delete(e.key);
      this.totalVsize -= e.vsize;
      this.totalFees -= e.fee;
      for (const input of e.tx.inputs) {
        const k = outpointKey(input.prevout);
        if (this.spenders.get(k) === e) this.spenders.delete(k);
      }
      for (const p of e.parents) p.children.delete(e);
      for (const c of e.children) c.parents.delete(e);
      if (reason !== 'block') this.fees.untrack(e.key);
    }
    for (const e of set) {
      descStale.delete(e);
      ancStale.delete(e);
    }
    this.refreshStats(descStale, ancStale);
    for (const e of set) this.emit('removed', e.txidHex, reason);
  }

  private removeWithDescendants(roots: Iterable<MempoolEntry>, reason: RemovalReason): void {
    const set = this.descendantsOf(roots);
    if (set.size > 0) this.removeSet(set, reason);
  }

  /** Core's TrimToSize: evict lowest descendant-score packages, raising the rolling minimum. */
  private trimToSize(): void {
    while (this.totalVsize > this.limits.maxBytes && this.map.size > 0) {
      let worst: MempoolEntry | undefined;
      let worstScore = Infinity;
      for (const e of this.map.values()) {
        const s = Math.max(e.feeRate, e.descendantFeeRate);
        if (s < worstScore) {
          worstScore = s;
          worst = e;
        }
      }
      const w = worst!;
      const rate = w.descendantFeeRate + this.policy.incrementalRelayFeeRate;
      if (rate > this.rollingMinFee) {
        this.rollingMinFee = rate;
        this.lastRollingUpdate = this.clock.now();
        this.blockSinceBump = false;
      }
      this.removeWithDescendants([w], 'evicted');
    }
  }

  /** Drops entries older than limits.expiryMs (and their descendants). Returns how many went. */
  expire(): number {
    const cutoff = this.clock.now() - this.limits.expiryMs;
    const old: MempoolEntry[] = [];
    // Insertion order is arrival order, so the old ones are at the front.
    for (const e of this.map.values()) {
      if (e.time >= cutoff) break;
      old.push(e);
    }
    this.orphans.expire();
    if (old.length === 0) return 0;
    const before = this.map.size;
    this.removeWithDescendants(old, 'expired');
    return before - this.map.size;
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
      const e = this.map.get(k);
      if (e) confirmed.push(e);
      for (const input of tx.inputs) spent.add(outpointKey(input.prevout));
    }
    // Confirmed txs leave alone (their children stay: their inputs are now in the chain).
    if (confirmed.length > 0) this.removeSet(new Set(confirmed), 'block');
    for (const k of spent) {
      const s = this.spenders.get(k);
      if (s) conflicts.push(s);
    }
    this.removeWithDescendants(conflicts, 'conflict');
    this.orphans.removeForBlock(block.txs.slice(1), spent);
    this.fees.processBlock(entry.height, inBlock);
    if (this.readdPending.length > 0) this.readdPending = this.readdPending.filter((t) => !inBlock.has(bytesToHex(t.txid())));
    this.blockSinceBump = true;
    this.recentRejects.clear(); // a new tip can make a rejected tx valid
  }

  private onDisconnect(block: Block): void {
    // Blocks go tip first; prepend so the re-add order is chain order.
    this.readdPending = [...block.txs.slice(1), ...this.readdPending];
    this.reorgPending = true;
  }

  private onTip(_c: TipChange): void {
    if (!this.reorgPending) return;
    const txs = this.readdPending;
    this.readdPending = [];
    this.reorgPending = false;
    // Ahead of every queued submission: the pool follows the chain before it accepts more.
    this.queue.unshift({ kind: 'reorg', txs });
    this.pump();
  }

  /** Whether a reorg's mempool update is still to run (blocks disconnected, txs not back). */
  private reorgDue(): boolean {
    return this.reorgPending || this.queue.some((j) => j.kind === 'reorg');
  }

  private async processReorg(txs: Tx[]): Promise<void> {
    if (txs.length > 0) {
      const jobs: TxJob[] = txs.map((tx) => ({ kind: 'tx', tx, reorg: true, relay: false, source: 'other', t0: performance.now(), resolve: () => undefined, reject: () => undefined }));
      await this.processBatch(jobs);
    }
    await this.revalidate();
    this.trimToSize();
  }

  /**
   * After a reorg: removes every entry (with descendants) whose inputs are gone, whose
   * coinbase inputs became immature, or that is no longer final at the new tip.
   */
  private async revalidate(): Promise<void> {
    const want: OutPoint[] = [];
    for (const e of this.map.values()) for (const i of e.tx.inputs) if (!this.map.has(bytesToHex(i.prevout.txid))) want.push(i.prevout);
    const snap = await this.view.snapshot(want);
    // From here to the removal nothing awaits: the snapshot describes the tip.
    const height = snap.tip.height + 1;
    const mtp = this.chain.medianTimePast(snap.tip);
    const invalid: MempoolEntry[] = [];
    const view: CoinView = { getCoin: (p) => this.mempoolCoin(p) ?? snap.getCoin(p) };
    for (const e of this.map.values()) {
      if (!isFinalTx(e.tx, height, mtp)) {
        invalid.push(e);
        continue;
      }
      try {
        checkTxInputs(e.tx, view, height, this.params);
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        invalid.push(e);
      }
    }
    this.removeWithDescendants(invalid, 'reorg');
  }
}

function keyOf(txid: string | Uint8Array): string {
  if (typeof txid === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(txid)) return '';
    return bytesToHex(reverseBytes(hexToBytes(txid.toLowerCase())));
  }
  return bytesToHex(txid);
}
