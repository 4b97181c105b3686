// A CPU miner: worker threads grind header nonces in work units handed out by the main
// thread, which owns the template. When the 2^32 nonces of a template are used up it rolls
// the coinbase extra nonce (a new merkle root) and the time; a new tip replaces the job at
// once and results of stale units are dropped. generate() is the regtest shortcut: build,
// solve on the calling thread and submit, block after block.
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Block, type BlockHeader, type Clock, addressToScript, systemClock } from '../primitives/index.js';
import { targetFromBits, targetToBytesLE, type ConsensusParams } from '../consensus/index.js';
import { workerModule, type Chain, type ProcessResult, type TipChange } from '../chain/index.js';
import type { Mempool } from '../mempool/index.js';
import { mineHeader } from './grind.js';
import type { GrindReply, GrindRequest, WorkerHeap } from './miner-worker.js';
import { buildTemplate, type BlockTemplate } from './template.js';

const NONCE_SPACE = 2 ** 32;
/**
 * The worker's V8 heap bounds. Grinding makes a few short-lived objects per hash (the
 * hash state, its digests) and nothing that lives; left to its defaults V8 kept growing the
 * worker's young generation (its heap reservation went 15 → 24 MB in a 15-minute soak,
 * moving the process RSS with it, which is how a mining node's RSS kept rising while the
 * main heap stayed flat). A small young generation collects the same garbage more often,
 * each collection cheap because nothing survives; the old generation only holds code.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 };
/** hashRate averages over this much recent work. */
const RATE_WINDOW_MS = 10_000;

export interface MinerOptions {
  chain: Chain;
  mempool?: Mempool;
  params?: ConsensusParams;
  /** Payout: output script or address. */
  payTo: Uint8Array | string;
  clock?: Clock;
  /** Worker threads for start(); defaults to the core count. */
  threads?: number;
  /** Nonces per work unit (smaller: quicker reaction to new tips, more messages). */
  unit?: number;
  /** Rebuild the template this often (ms) to pick up new mempool txs. */
  refreshMs?: number;
  /**
   * Nonces tried per template before rolling the coinbase extra nonce (2^32, the whole
   * header field; tests set it small to exercise the roll without 4 billion hashes).
   */
  nonceSpace?: number;
}

/** What the miner's worker threads hold and how many were ever started (/metrics). */
export interface MinerWorkerStats {
  /** worker threads started by this miner since it was made (start() starts `threads`) */
  started: number;
  /** worker threads running now */
  running: number;
  /** the running workers' V8 heaps summed, as each reported with its last work unit */
  heap: WorkerHeap;
}

export interface MinerEvents {
  block: [block: Block, result: ProcessResult];
  error: [error: Error];
}

interface Job {
  template: BlockTemplate;
  extraNonce: number;
  time: number;
  header: BlockHeader;
  coinbaseTxid: Uint8Array;
  raw: Uint8Array;
  target: Uint8Array;
  cursor: number;
  built: number;
}

export class Miner extends EventEmitter<MinerEvents> {
  readonly chain: Chain;
  readonly params: ConsensusParams;
  private readonly mempool: Mempool | undefined;
  private readonly clock: Clock;
  private readonly payTo: Uint8Array;
  private readonly threads: number;
  private readonly unit: number;
  private readonly nonceSpace: number;
  private readonly refreshMs: number;
  private workers: Worker[] = [];
  private workersStarted = 0;
  private readonly heaps = new Map<Worker, WorkerHeap>();
  private job: Job | undefined;
  private extraNonce = 0;
  private active = false;
  private loops: Promise<void>[] = [];
  private samples: { t: number; n: number }[] = [];
  private totalHashes = 0;
  private found = 0;
  private jobWaiters: (() => void)[] = [];
  private readonly onTip = (_c: TipChange): void => {
    if (this.active) this.setJob(this.makeJob());
  };

  constructor(opts: MinerOptions) {
    super();
    this.chain = opts.chain;
    this.params = opts.params ?? opts.chain.params;
    this.mempool = opts.mempool;
    this.clock = opts.clock ?? systemClock;
    this.payTo = typeof opts.payTo === 'string' ? addressToScript(opts.payTo, this.params.hrp) : opts.payTo;
    this.threads = Math.max(1, opts.threads ?? availableParallelism());
    this.unit = opts.unit ?? 1 << 17;
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.nonceSpace = Math.min(NONCE_SPACE, Math.max(1, opts.nonceSpace ?? NONCE_SPACE));
  }

  get running(): boolean {
    return this.active;
  }

  get blocksFound(): number {
    return this.found;
  }

  get hashes(): number {
    return this.totalHashes;
  }

  /** How many work-unit samples hashRate keeps (those of the last RATE_WINDOW_MS). */
  get rateSamples(): number {
    return this.samples.length;
  }

  /**
   * Records a finished work unit and drops those older than the rate window. Pruning here,
   * not only when hashRate is read, keeps a miner nobody asks about (the API is not polled)
   * from keeping every unit it ever did: several a second, without end.
   */
  private addSample(n: number): void {
    const now = this.clock.now();
    this.samples.push({ t: now, n });
    let drop = 0;
    while (drop < this.samples.length - 1 && this.samples[drop]!.t < now - RATE_WINDOW_MS) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** Worker threads started and their heaps (each worker's figures from its last unit). */
  get workerStats(): MinerWorkerStats {
    const heap: WorkerHeap = { used: 0, total: 0, malloced: 0, external: 0 };
    for (const h of this.heaps.values()) {
      heap.used += h.used;
      heap.total += h.total;
      heap.malloced += h.malloced;
      heap.external += h.external;
    }
    return { started: this.workersStarted, running: this.workers.length, heap };
  }

  /** Hashes per second over the last ~10 s of work. */
  get hashRate(): number {
    const now = this.clock.now();
    this.samples = this.samples.filter((s) => s.t >= now - RATE_WINDOW_MS);
    if (this.samples.length < 2) return 0;
    const span = now - this.samples[0]!.t;
    if (span <= 0) return 0;
    let n = 0;
    for (let i = 1; i < this.samples.length; i++) n += this.samples[i]!.n;
    return (n * 1000) / span;
  }

  /** Starts grinding on all worker threads until stop(). */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.chain.on('tip', this.onTip);
    this.setJob(this.makeJob());
    this.samples = [{ t: this.clock.now(), n: 0 }];
    const mod = workerModule('miner-worker', import.meta.url);
    for (let i = 0; i < this.threads; i++) {
      const w = new Worker(mod.url, { resourceLimits: WORKER_LIMITS, ...(mod.execArgv ? { execArgv: mod.execArgv } : {}) });
      w.on('error', (e) => this.emit('error', e));
      this.workersStarted++;
      this.workers.push(w);
      this.loops.push(this.workerLoop(w));
    }
  }

  /** Stops after in-flight work units return; terminates the workers. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.chain.off('tip', this.onTip);
    const w = this.jobWaiters;
    this.jobWaiters = [];
    for (const r of w) r();
    await Promise.allSettled(this.loops);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
    this.heaps.clear();
    this.loops = [];
    this.job = undefined;
  }

  /** Installs a job (or none, while a solved block is being submitted) and wakes idle loops. */
  private setJob(job: Job | undefined): void {
    this.job = job;
    if (!job) return;
    const w = this.jobWaiters;
    this.jobWaiters = [];
    for (const r of w) r();
  }

  private makeJob(extraNonce = this.extraNonce++): Job {
    const template = buildTemplate({
      chain: this.chain,
      mempool: this.mempool,
      params: this.params,
      payTo: this.payTo,
      clock: this.clock,
    });
    const { header, coinbase } = template.header(extraNonce);
    const target = targetFromBits(template.bits, this.params);
    if (target === undefined) throw new Error(`miner: template nBits 0x${template.bits.toString(16)} is not a target`);
    return {
      template,
      extraNonce,
      time: template.time,
      header,
      coinbaseTxid: coinbase.txid(),
      raw: header.encode(),
      target: targetToBytesLE(target),
      cursor: 0,
      built: this.clock.now(),
    };
  }

  private async workerLoop(w: Worker): Promise<void> {
    let id = 0;
    const run = (job: Job, start: number, count: number): Promise<GrindReply> =>
      new Promise((resolve, reject) => {
        const my = ++id;
        const onMsg = (m: GrindReply): void => {
          if (m.id !== my) return;
          w.off('message', onMsg);
          w.off('error', reject);
          resolve(m);
        };
        w.on('message', onMsg);
        w.once('error', reject);
        const req: GrindRequest = { id: my, header: job.raw, target: job.target, start, count };
        w.postMessage(req);
      });
    while (this.active) {
      let job = this.job;
      if (!job) {
        await new Promise<void>((r) => this.jobWaiters.push(r));
        continue;
      }
      if (job.cursor >= this.nonceSpace || this.clock.now() - job.built > this.refreshMs) {
        // Nonce space used up (or the template is old): new extra nonce, time and txs.
        job = this.makeJob();
        this.setJob(job);
      }
      const start = job.cursor;
      const count = Math.min(this.unit, this.nonceSpace - start);
      job.cursor += count;
      let r: GrindReply;
      try {
        r = await run(job, start, count);
      } catch (e) {
        if (this.active) this.emit('error', e as Error);
        return;
      }
      this.heaps.set(w, r.heap);
      this.totalHashes += r.hashes;
      this.addSample(r.hashes);
      if (r.found >= 0 && this.job === job && this.active) {
        this.setJob(undefined);
        await this.submit(job, r.found);
        if (this.active && !this.job) this.setJob(this.makeJob());
      }
    }
  }

  private async submit(job: Job, nonce: number): Promise<void> {
    const block = job.template.block(job.extraNonce, job.time);
    const solved = new Block(block.header.with({ nonce }), block.txs);
    try {
      const result = await this.chain.processBlock(solved, { durable: true, source: 'miner' });
      this.found++;
      this.emit('block', solved, result);
    } catch (e) {
      this.emit('error', e as Error);
    }
  }

  /**
   * Builds, solves on this thread and submits `n` blocks paying `payTo` (default: the
   * miner's). Meant for regtest, where about two hashes find a block. Returns the block
   * hashes (display hex) in order; throws if one is not connected.
   */
  async generate(n: number, payTo?: Uint8Array | string, maxTries = 1 << 22): Promise<string[]> {
    const script = payTo === undefined ? this.payTo : typeof payTo === 'string' ? addressToScript(payTo, this.params.hrp) : payTo;
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const template = buildTemplate({ chain: this.chain, mempool: this.mempool, params: this.params, payTo: script, clock: this.clock });
      let solved: Block | undefined;
      for (let extra = 0; !solved; extra++) {
        const block = template.block(this.extraNonce++);
        try {
          const header = mineHeader(block.header, this.params, maxTries);
          solved = new Block(header, block.txs);
        } catch (e) {
          if (!(e instanceof RangeError) || extra > 16) throw e;
        }
      }
      const result = await this.chain.processBlock(solved, { durable: true, source: 'miner' });
      if (result.status !== 'connected') throw new Error(`miner: generated block ${solved.hashHex()} was ${result.status}`);
      this.found++;
      hashes.push(solved.hashHex());
      this.emit('block', solved, result);
    }
    return hashes;
  }
}
