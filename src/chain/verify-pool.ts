// Parallel BIP340 verification on worker threads. Consensus computes every sighash on the
// main thread and returns SigChecks; this pool verifies them on all cores while the main
// thread moves on. A block is accepted only after every batch reported success.
//
// The backend (native libsecp256k1 or WASM, see primitives/verifiers.ts) is chosen once,
// when the pool is made, and every worker loads that same backend (verify-worker.ts).
// With a SigCache, checks whose triple is cached skip verification ('consume' for blocks:
// the hit is removed; 'store' for the mempool: what verifies is added). A verification of
// at most `inlineMax` checks runs on the calling thread: for a lone small transaction
// that is cheaper than a worker round trip (BENCHMARKS.md has the measurement).
//
// The same workers multiply out MuHash elements for the UTXO digest (product(): the other
// per-coin work of a connect that needs nothing from the main thread; utxo-stats.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigCheck } from '../consensus/index.js';
import { defaultSelection, selectVerifier, type SchnorrVerifier, type VerifierChoice, type VerifierSelection } from '../primitives/index.js';
import type { SigCache } from './sigcache.js';
import { elementsProduct } from './muhash.js';
import { CHECK_BYTES, packElements, verifyPacked, type ProductRequest, type VerifyRequest, type VerifyWorkerData, type WorkerReply, type WorkerRequest } from './verify-batch.js';
import { workerModule } from './worker-url.js';

const BATCH = 128;
/** Checks a job's packing buffer holds before it first grows. */
const FIRST_CAPACITY = 4;
/** Fewest checks worth a worker round trip of their own when a partial batch is split. */
const MIN_SPLIT = 8;

/**
 * Verifications of at most this many checks run on the calling thread, by backend. A
 * worker only helps when the caller has other work to do meanwhile; its round trip (post,
 * wake, reply, resolve) cost 120-200 µs of wall time and as much CPU here (2 cores, load
 * ~27: one native check 204 µs via a worker vs 79 µs inline, WASM 486 vs 283; bench
 * 'verify' has the rows).
 * The bound keeps the main thread blocked for at most ~1 ms (16 native or 4 WASM checks),
 * also when it takes its share of a larger job's last partial batch (sendSplit).
 */
export const DEFAULT_INLINE_MAX: Readonly<Record<VerifierSelection['backend'], number>> = { native: 16, wasm: 4 };

interface Job {
  /** a verification's failing index, or a product */
  resolve: (answer: number & bigint) => void;
  reject: (e: Error) => void;
}

export interface VerifyPoolOptions {
  /** worker threads; 0 verifies synchronously on the calling thread */
  threads?: number;
  /** the backend, chosen at start (selectVerifier), or a choice to make now; default 'auto' */
  verifier?: VerifierSelection | VerifierChoice;
  /** signatures that already verified in the mempool */
  sigCache?: SigCache;
  /** verifications of at most this many checks run on the calling thread (default by backend) */
  inlineMax?: number;
}

/** What a verification does with the pool's SigCache. */
export type CacheMode = 'consume' | 'store' | 'off';

export interface VerifyStats {
  /** checks verified on workers and inline */
  verified: number;
  /** checks skipped because the cache had them */
  cached: number;
  /** verifications done inline because they were small */
  inlineJobs: number;
  /** checks of a split partial batch that the caller verified while the workers ran the rest */
  callerChecks: number;
}

export class VerifyPool {
  private readonly workers: Worker[] = [];
  /** the workers that have not failed or exited: where requests go */
  private readonly running: Worker[] = [];
  /** one per worker: settles once it has loaded its backend (or failed, or exited) */
  private readonly loaded: Promise<void>[] = [];
  private readonly loading = new Set<Worker>();
  private loadedCount = 0;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private rr = 0;
  private closed = false;
  readonly threads: number;
  readonly selection: VerifierSelection;
  readonly verifier: SchnorrVerifier;
  readonly sigCache: SigCache | undefined;
  readonly inlineMax: number;
  readonly stats: VerifyStats = { verified: 0, cached: 0, inlineJobs: 0, callerChecks: 0 };

  constructor(opts: VerifyPoolOptions = {}) {
    this.threads = opts.threads ?? availableParallelism();
    const v = opts.verifier ?? 'auto';
    this.selection = typeof v === 'string' ? (v === 'auto' ? defaultSelection() : selectVerifier(v)) : v;
    this.verifier = this.selection.verifier;
    this.sigCache = opts.sigCache;
    this.inlineMax = opts.inlineMax ?? DEFAULT_INLINE_MAX[this.selection.backend];
    if (this.threads > 0) {
      const mod = workerModule('verify-worker', import.meta.url);
      const workerData: VerifyWorkerData = { backend: this.selection.backend };
      for (let i = 0; i < this.threads; i++) {
        const w = new Worker(mod.url, { workerData, ...(mod.execArgv ? { execArgv: mod.execArgv } : {}) });
        // Until it has loaded its backend the worker stays referenced and is not
        // terminated (see close()): cutting a native addon's initialisation short aborts
        // the process. A worker that fails to start counts as settled.
        let settle!: () => void;
        this.loaded.push(new Promise<void>((r) => (settle = r)));
        this.loading.add(w);
        const loadedOne = (): void => {
          this.loadedCount++;
          settle();
          this.loading.delete(w);
          if (this.jobs.size === 0) w.unref();
        };
        w.on('message', (m: WorkerReply) =>
          'ready' in m ? loadedOne() : this.finish(m.id, 'product' in m ? m.product : m.bad),
        );
        w.on('error', (e) => {
          settle();
          this.stopUsing(w);
          this.failAll(e);
        });
        w.on('exit', () => {
          settle();
          this.stopUsing(w);
          this.loading.delete(w);
        });
        this.workers.push(w);
        this.running.push(w);
      }
    }
  }

  /** 'native' or 'wasm' */
  get backend(): VerifierSelection['backend'] {
    return this.selection.backend;
  }

  private finish(id: number, answer: number | bigint): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (this.jobs.size === 0) for (const w of this.workers) if (!this.loading.has(w)) w.unref();
    job.resolve(answer as number & bigint);
  }

  /** A worker that failed or exited gets no more requests (with none left, they run here). */
  private stopUsing(w: Worker): void {
    const i = this.running.indexOf(w);
    if (i >= 0) this.running.splice(i, 1);
  }

  private failAll(e: Error): void {
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }

  /** Index (into `checks`) of the first failing signature found, or -1 when all verify. */
  async verify(checks: readonly SigCheck[], opts: { cache?: CacheMode } = {}): Promise<number> {
    const job = this.start(opts);
    job.add(checks);
    return job.done();
  }

  /**
   * A verification whose checks arrive in pieces (as consensus produces them, tx by tx):
   * each full batch goes to a worker at once, so the workers verify while the caller
   * is still computing sighashes. Indices reported by done() count across every add().
   * A job that is never finished is harmless: its results are simply dropped.
   * The cache mode defaults to 'consume' (block validation).
   */
  start(opts: { cache?: CacheMode } = {}): VerifyJob {
    if (this.closed) throw new Error('verify-pool: closed');
    return new VerifyJob(this, this.sigCache && opts.cache !== 'off' ? this.sigCache : undefined, opts.cache === 'store');
  }

  /** @internal posts one packed batch; resolves to the failing index within it, or -1 */
  postBatch(buf: Uint8Array<ArrayBuffer>, n: number): Promise<number> {
    if (this.running.length === 0) return this.withoutWorkers(() => verifyPacked((s, m, k) => this.verifier.verify(s, m, k), buf, n));
    const id = this.nextId++;
    const req: VerifyRequest = { id, buf: buf.buffer, n };
    return this.postJob<number>(id, req, [buf.buffer]);
  }

  /**
   * The MuHash product of `elements` (muhash.ts elementsProduct), computed on a worker, or
   * here when the pool has none. The elements are copied out, so the caller may reuse them.
   */
  product(elements: readonly Uint8Array[]): Promise<bigint> {
    if (this.closed) return Promise.reject(new Error('verify-pool: closed'));
    if (this.running.length === 0) return this.withoutWorkers(() => elementsProduct(elements));
    const { buf, ends } = packElements(elements);
    const req: ProductRequest = { id: this.nextId++, product: true, buf: buf.buffer, ends: ends.buffer };
    return this.postJob<bigint>(req.id, req, [buf.buffer, ends.buffer]);
  }

  /**
   * A request when no worker runs (none asked for, or all failed to start or died: a
   * bundle without its worker file, say): done on this thread, correct and slower, rather
   * than posted where nothing will ever answer.
   */
  private withoutWorkers<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Posts a request to the next running worker (round robin); settles with its answer. */
  private postJob<T extends number | bigint>(id: number, req: WorkerRequest, transfer: ArrayBuffer[]): Promise<T> {
    const worker = this.running[this.rr++ % this.running.length]!;
    const p = new Promise<T>((resolve, reject) => this.jobs.set(id, { resolve: resolve as Job['resolve'], reject }));
    worker.ref();
    worker.postMessage(req, transfer);
    return p;
  }

  /** Workers that have loaded their backend (and so may be terminated safely). */
  get workersLoaded(): number {
    return this.loadedCount;
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Workers still taking requests (not failed or exited). */
  get workersRunning(): number {
    return this.running.length;
  }

  get inline(): boolean {
    return this.workers.length === 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('verify-pool: closed'));
    // Never terminate a worker mid-load (a native addon's init would abort the process);
    // loading takes milliseconds, the bound is for a worker that hangs in it.
    await Promise.race([Promise.all(this.loaded), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export class VerifyJob {
  private readonly results: Promise<number>[] = [];
  // Positions of the packed checks, so a failure maps back even after a malformed one or
  // a cache hit.
  private indexOf: number[] = [];
  // Packed checks, grown as they come (a lone transaction's job packs one check: a 16 KB
  // buffer per job was ~7 % of accepting transactions one at a time), full size once a
  // job has filled a batch.
  private buf = new Uint8Array(FIRST_CAPACITY * CHECK_BYTES);
  private n = 0;
  private count = 0;
  private malformed = -1;
  /** with threads = 0: every check, verified in done() */
  private readonly inlineChecks: SigCheck[] = [];
  private readonly inlineIndex: number[] = [];
  /** 'store': cache keys of the checks sent for verification, by position */
  private readonly storeKeys: string[] = [];
  private readonly storeIndex: number[] = [];

  constructor(
    private readonly pool: VerifyPool,
    private readonly cache: SigCache | undefined,
    private readonly store: boolean,
  ) {}

  add(checks: readonly SigCheck[]): void {
    const cache = this.cache;
    for (const c of checks) {
      const index = this.count++;
      if (c.sig.length !== 64 || c.msg.length !== 32 || c.pubkey.length !== 32) {
        if (this.malformed < 0) this.malformed = index;
        continue; // cannot verify; reported by done() (a hole in the batch is never read as valid)
      }
      if (cache) {
        const key = cache.key(c);
        if (this.store ? cache.has(key) : cache.take(key)) {
          this.pool.stats.cached++;
          continue;
        }
        if (this.store) {
          this.storeKeys.push(key);
          this.storeIndex.push(index);
        }
      }
      if (this.pool.inline) {
        this.inlineChecks.push(c);
        this.inlineIndex.push(index);
        continue;
      }
      const o = this.n * CHECK_BYTES;
      if (o === this.buf.length) this.grow();
      this.buf.set(c.sig, o);
      this.buf.set(c.msg, o + 64);
      this.buf.set(c.pubkey, o + 96);
      this.indexOf.push(index);
      if (++this.n === BATCH) this.send();
    }
  }

  /** Doubles the packing buffer, up to one batch. */
  private grow(): void {
    const bigger = new Uint8Array(Math.min(BATCH * CHECK_BYTES, Math.max(FIRST_CAPACITY * CHECK_BYTES, 2 * this.buf.length)));
    bigger.set(this.buf);
    this.buf = bigger;
  }

  private send(): void {
    this.post(this.buf, this.n, this.indexOf);
    this.buf = new Uint8Array(BATCH * CHECK_BYTES);
    this.n = 0;
    this.indexOf = [];
  }

  /** Posts `n` packed checks to a worker; `map` turns a failing position into the job's index. */
  private post(buf: Uint8Array<ArrayBuffer>, n: number, map: readonly number[]): void {
    this.pool.stats.verified += n;
    const result = this.pool.postBatch(buf, n).then((bad) => (bad < 0 ? -1 : map[bad]!));
    result.catch(() => undefined); // an abandoned job must not surface as an unhandled rejection
    this.results.push(result);
  }

  /**
   * Sends the partial batch to the workers, one piece per worker but no piece under
   * MIN_SPLIT checks (always at least one piece), and returns the share this thread
   * verifies: an equal share, at most inlineMax checks, so the event loop is never held
   * for longer than an inline job.
   */
  private sendSplit(): { buf: Uint8Array; n: number; indexOf: number[] } | undefined {
    const n = this.n;
    const workers = this.pool.workerCount;
    const own = Math.min(this.pool.inlineMax, Math.floor(n / (workers + 1)));
    const rest = n - own;
    const pieces = Math.max(1, Math.min(workers, Math.floor(rest / MIN_SPLIT)));
    const buf = this.buf;
    const indexOf = this.indexOf;
    let at = 0;
    for (let p = 0; p < pieces; p++) {
      const count = Math.floor(rest / pieces) + (p < rest % pieces ? 1 : 0);
      this.post(buf.slice(at * CHECK_BYTES, (at + count) * CHECK_BYTES), count, indexOf.slice(at, at + count));
      at += count;
    }
    this.buf = new Uint8Array(0); // the job is done: nothing more is packed
    this.n = 0;
    this.indexOf = [];
    return own > 0 ? { buf: buf.subarray(at * CHECK_BYTES, n * CHECK_BYTES), n: own, indexOf: indexOf.slice(at) } : undefined;
  }

  /** Index of the first failing check (across all adds), or -1 when all verify. */
  async done(): Promise<number> {
    let first = this.malformed;
    const better = (i: number): void => {
      if (i >= 0 && (first < 0 || i < first)) first = i;
    };
    const v = this.pool.verifier;
    if (this.pool.inline) {
      this.pool.stats.verified += this.inlineChecks.length;
      for (let i = 0; i < this.inlineChecks.length; i++) {
        const c = this.inlineChecks[i]!;
        if (!v.verify(c.sig, c.msg, c.pubkey)) {
          better(this.inlineIndex[i]!);
          break;
        }
      }
    } else if (this.results.length === 0 && this.n <= this.pool.inlineMax) {
      // Small enough that a worker round trip costs more than verifying here.
      if (this.n > 0) this.pool.stats.inlineJobs++;
      this.pool.stats.verified += this.n;
      const bad = verifyPacked((s, m, k) => v.verify(s, m, k), this.buf, this.n);
      if (bad >= 0) better(this.indexOf[bad]!);
    } else {
      // The caller would only wait: it verifies a share of the last partial batch itself
      // while the workers take the rest, split between them (a block of 50 inputs was
      // otherwise one worker's 2 ms with the other worker and this thread idle).
      const mine = this.n > 0 ? this.sendSplit() : undefined;
      if (mine) {
        this.pool.stats.verified += mine.n;
        this.pool.stats.callerChecks += mine.n;
        const bad = verifyPacked((s, m, k) => v.verify(s, m, k), mine.buf, mine.n);
        if (bad >= 0) better(mine.indexOf[bad]!);
      }
      for (const r of await Promise.all(this.results)) better(r);
    }
    // Every check before the first failure verified (each batch stops at its own first).
    if (this.cache && this.store) {
      for (let i = 0; i < this.storeKeys.length; i++) {
        if (first >= 0 && this.storeIndex[i]! >= first) break;
        this.cache.add(this.storeKeys[i]!);
      }
    }
    return first;
  }
}
