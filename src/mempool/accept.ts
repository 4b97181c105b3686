// The accept pipeline: how a transaction gets into the pool.
//
// accept() queues the tx; one worker takes a batch of queued txs, reads every input it
// needs from the chain in one awaited round trip (the mempool's own coin view, coinview.ts:
// a snapshot of the UTXO set at the tip, independent of what the chain's cache holds), then
// runs all checks synchronously (admit.ts). Signatures of the whole batch go to the verify
// pool in one call; the verified wtxids are remembered and the batch is read and checked
// again, synchronously, and committed in the same tick. Checking twice is cheap next to
// signatures and means a block connected while signatures were verifying can never slip a
// stale tx in.
//
// While a batch is processed, the next one's signatures are verified ahead (ahead.ts):
// the workers verify batch N+1 while this thread checks and commits batch N, instead of
// the two taking turns. Only signature results are kept from that; every other check is
// made when the batch's turn comes.
//
// Orphans (txs whose inputs are unknown) are handed to the orphan pool only for peers'
// relay. A local submission spending a coin that is spent or never existed is refused with
// bad-txns-inputs-missingorspent, as Core's sendrawtransaction does — unless a reorg's
// update is due, which may put its parent back: then it waits for that update.
//
// Reorgs: the txs of disconnected blocks are collected as blocks go; when the tip settles
// the update (re-add them, then revalidate the whole pool) goes ahead of every queued
// submission, so the pool follows the chain before it accepts more (Core holds cs_main).
import { type Block, type Clock, type OutPoint, type Tx, bytesToHex, hashToHex, hexToBytes } from '../primitives/index.js';
import { RuleError, checkTxInputs, isFinalTx, type CoinView, type ConsensusParams, type SigCheck } from '../consensus/index.js';
import type { Chain, VerifyPool } from '../chain/index.js';
import { type AdmitContext, SigResults, type Verdict, admit, mempoolCoin } from './admit.js';
import { type AheadContext, verifyAhead } from './ahead.js';
import type { ChainSnapshot, MempoolCoinView } from './coinview.js';
import type { FeeEstimator } from './fees.js';
import { MempoolEntry, type TxGraph } from './graph.js';
import type { TxOrphanPool } from './orphans.js';
import { PolicyError, type PolicyOptions } from './policy.js';
import type { Trimmer } from './trim.js';
import type { AcceptOptions, AcceptResult, AddedInfo, MempoolLimits, RemovalReason, TxSource } from './types.js';

export interface AcceptPipelineOptions {
  chain: Chain;
  params: ConsensusParams;
  clock: Clock;
  policy: PolicyOptions;
  limits: MempoolLimits;
  verifyPool: VerifyPool;
  view: MempoolCoinView;
  graph: TxGraph;
  trimmer: Trimmer;
  orphans: TxOrphanPool;
  fees: FeeEstimator;
  /** Removes exactly `set` from the pool, with the owner's bookkeeping (events, fee tracking). */
  remove(set: ReadonlySet<MempoolEntry>, reason: RemovalReason): void;
  /** Removes `roots` and all their descendants. */
  removeWithDescendants(roots: Iterable<MempoolEntry>, reason: RemovalReason): void;
  /** An entry went in. */
  added(entry: MempoolEntry, info: AddedInfo): void;
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

type Outcome = { kind: 'done' } | Exclude<Verdict, { kind: 'ready' }>;

const ignore = (): undefined => undefined;

export class AcceptPipeline {
  private readonly o: AcceptPipelineOptions;
  private readonly graph: TxGraph;
  private readonly sigs = new SigResults();
  private readonly admitCtx: AdmitContext;
  private readonly aheadCtx: AheadContext;
  private readonly recentRejects = new Set<string>();
  private queue: Job[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readdPending: Tx[] = [];
  private reorgPending = false;
  /** Local submissions that found inputs missing while a reorg update was due: retried after it. */
  private afterReorg: TxJob[] = [];
  /** the next batch's signatures being verified ahead (ahead.ts); never rejects */
  private ahead: Promise<void> | undefined;

  constructor(opts: AcceptPipelineOptions) {
    this.o = opts;
    this.graph = opts.graph;
    this.admitCtx = {
      chain: opts.chain,
      params: opts.params,
      policy: opts.policy,
      limits: opts.limits,
      graph: opts.graph,
      sigs: this.sigs,
      minFeeRate: () => opts.trimmer.minFeeRate(),
    };
    this.aheadCtx = { admit: this.admitCtx, verifyPool: opts.verifyPool, snapshot: (txs) => this.snapshotFor(txs) };
  }

  // ------------------------------------------------------------------ queue

  /** Queues `tx`; see Mempool.accept. */
  submit(tx: Tx, opts: AcceptOptions): Promise<AcceptResult> {
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
        // What was verified ahead is remembered before anything looks for it.
        if (this.ahead) await this.ahead;
        this.ahead = undefined;
        const head = this.queue[0]!;
        if (head.kind === 'reorg') {
          this.queue.shift();
          await this.processReorg(head.txs);
          // submissions the reorg overtook now see the pool it left (Core holds cs_main)
          if (this.afterReorg.length > 0) this.queue.unshift(...this.afterReorg.splice(0));
          continue;
        }
        // One splice per batch: shift() per job moved the whole queue each time once it was
        // long (a 20,000-tx burst spent ~6 % of its main thread here).
        const batch = this.nextBatch();
        this.queue.splice(0, batch.length);
        this.ahead = verifyAhead(this.aheadCtx, batch, this.nextBatch());
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

  // ------------------------------------------------------------------ batches

  private async processBatch(jobs: TxJob[]): Promise<void> {
    this.o.trimmer.expire();
    this.o.orphans.expire();
    let pending = jobs;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= 32) {
        // Cannot happen with a sane chain (each round settles or verifies something);
        // refuse rather than spin.
        for (const j of pending) j.reject(new Error('mempool: transaction could not be settled'));
        return;
      }
      const txs = pending.map((j) => j.tx);
      let snap = await this.snapshotFor(txs);
      // A block that connected while the coins were read took parents out of the graph whose
      // outputs were therefore not read: they are chain coins now, not missing. Read again
      // (from here to the admissions below nothing awaits, so the graph cannot change).
      while (!this.covers(txs, snap)) snap = await this.snapshotFor(txs);
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
      const bad = await this.o.verifyPool.verify(checks, { cache: 'store' }); // what verifies is cached for the block
      for (const o of owners) {
        const w = o.job.tx.wtxidHex();
        if (bad < 0 || o.end <= bad) this.sigs.rememberGood(w);
        else {
          this.sigs.rememberBad(w, new RuleError('bad-schnorr-sig', undefined, { inputIndex: checks[bad]!.inputIndex }));
          break;
        }
      }
    }
  }

  /** The tx jobs at the head of the queue, as many as one batch takes (up to a reorg update). */
  private nextBatch(): TxJob[] {
    const next: TxJob[] = [];
    for (let i = 0; i < this.queue.length && next.length < this.o.limits.batchSize; i++) {
      const j = this.queue[i]!;
      if (j.kind !== 'tx') break;
      next.push(j);
    }
    return next;
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
      return new RuleError('bad-txns-inputs-missingorspent', `coin ${hashToHex(p.txid)}:${p.vout} is spent or does not exist`, { inputIndex });
    }
    for (const m of parents) {
      if (this.recentRejects.has(m)) return new PolicyError('missing-inputs', `parent ${hashToHex(hexToBytes(m))} was rejected`);
    }
    if (!this.o.orphans.add(tx, bytesToHex(tx.txid()), parents)) return new PolicyError('orphan-too-large');
    job.resolve({ txid: hashToHex(tx.txid()), fee: 0n, vsize: tx.vsize, orphan: true });
    return undefined;
  }

  /** Reads the chain coins a batch needs (skipping those mempool txs provide). */
  private snapshotFor(txs: readonly Tx[]): Promise<ChainSnapshot> {
    const want: OutPoint[] = [];
    for (const tx of txs) {
      for (const i of tx.inputs) if (!this.graph.has(bytesToHex(i.prevout.txid))) want.push(i.prevout);
      // Its own first output tells whether the tx is already confirmed (txn-already-known).
      want.push({ txid: tx.txid(), vout: 0 });
    }
    return this.o.view.snapshot(want);
  }

  /** Whether every input of `txs` is a mempool output, a batch-mate's or one `snap` read. */
  private covers(txs: readonly Tx[], snap: ChainSnapshot): boolean {
    const mates = new Set(txs.map((t) => bytesToHex(t.txid())));
    for (const tx of txs) {
      for (const i of tx.inputs) {
        const pk = bytesToHex(i.prevout.txid);
        if (!this.graph.has(pk) && !mates.has(pk) && !snap.has(i.prevout)) return false;
      }
    }
    return true;
  }

  private rememberReject(tx: Tx): void {
    this.recentRejects.add(bytesToHex(tx.txid()));
    if (this.recentRejects.size > 50_000) this.recentRejects.clear();
  }

  /**
   * Admission (admit.ts) for one tx, and the commit when it may join now: evict what it
   * replaces, add it, trim the pool, and queue the orphans it frees.
   */
  private tryAccept(job: TxJob, batch: Map<string, Tx>, snap: ChainSnapshot): Outcome {
    const { tx } = job;
    const v = admit(this.admitCtx, tx, job.reorg, batch, snap);
    if (v.kind !== 'ready') return v;
    const { fee, vsize, spent, tipHeight, evict } = v;
    const graph = this.graph;
    const key = bytesToHex(tx.txid());
    if (evict) this.o.remove(evict, 'replaced');
    let cbHeight = -1;
    for (const c of spent) if (c.coinbase && (cbHeight < 0 || c.height < cbHeight)) cbHeight = c.height;
    const entry = new MempoolEntry(tx, fee, job.time ?? this.o.clock.now(), tipHeight, cbHeight);
    graph.add(entry);
    if (!job.reorg) {
      this.o.trimmer.trimToSize();
      if (!graph.has(key)) throw new PolicyError('mempool-full');
      this.o.fees.track(key, tipHeight, entry.feeRate);
    }
    job.resolve({ txid: entry.txidHex, fee, vsize });
    this.o.added(entry, { source: job.reorg ? 'reorg' : job.source, seconds: (performance.now() - job.t0) / 1000 });
    for (const child of this.o.orphans.takeChildren(key)) {
      // an orphan freed by its parent: counted with the parent's source, timed from here
      this.queue.push({ kind: 'tx', tx: child, reorg: false, relay: true, source: job.source, t0: performance.now(), resolve: ignore, reject: ignore });
    }
    return { kind: 'done' };
  }

  // ------------------------------------------------------------------ reorg update

  /** A block went into the chain: its txs no longer need re-adding; rejects may be valid now. */
  blockConnected(inBlock: ReadonlySet<string>): void {
    if (this.readdPending.length > 0) this.readdPending = this.readdPending.filter((t) => !inBlock.has(bytesToHex(t.txid())));
    this.recentRejects.clear(); // a new tip can make a rejected tx valid
  }

  /** A block left the chain: its txs are put back once the tip settles. */
  blockDisconnected(block: Block): void {
    // Blocks go tip first; prepend so the re-add order is chain order.
    this.readdPending = [...block.txs.slice(1), ...this.readdPending];
    this.reorgPending = true;
  }

  /** The tip settled: after disconnections, queue the reorg update ahead of everything. */
  tipChanged(): void {
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
      const jobs: TxJob[] = txs.map((tx) => ({ kind: 'tx', tx, reorg: true, relay: false, source: 'other', t0: performance.now(), resolve: ignore, reject: ignore }));
      await this.processBatch(jobs);
    }
    await this.revalidate();
    this.o.trimmer.trimToSize();
  }

  /**
   * After a reorg: removes every entry (with descendants) whose inputs are gone, whose
   * coinbase inputs became immature, or that is no longer final at the new tip.
   */
  private async revalidate(): Promise<void> {
    const graph = this.graph;
    const want: OutPoint[] = [];
    for (const e of graph.entries()) for (const i of e.tx.inputs) if (!graph.has(bytesToHex(i.prevout.txid))) want.push(i.prevout);
    const snap = await this.o.view.snapshot(want);
    // From here to the removal nothing awaits: the snapshot describes the tip.
    const height = snap.tip.height + 1;
    const mtp = this.o.chain.medianTimePast(snap.tip);
    const invalid: MempoolEntry[] = [];
    const view: CoinView = { getCoin: (p) => mempoolCoin(graph, p) ?? snap.getCoin(p) };
    for (const e of graph.entries()) {
      if (!isFinalTx(e.tx, height, mtp)) {
        invalid.push(e);
        continue;
      }
      try {
        checkTxInputs(e.tx, view, height, this.o.params);
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        invalid.push(e);
      }
    }
    this.o.removeWithDescendants(invalid, 'reorg');
  }
}
