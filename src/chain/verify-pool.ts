// Parallel BIP340 verification on worker threads. Consensus computes every sighash on the
// main thread and returns SigChecks; this pool verifies them with libsecp256k1 (WASM,
// tiny-secp256k1, ~10x noble's speed) on all cores while the main thread moves on.
// A block is accepted only after every batch reported success.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SigCheck } from '../consensus/index.js';
import { wasmVerifier } from '../primitives/index.js';

const CHECK_BYTES = 128; // sig 64 | msg 32 | pubkey 32
const BATCH = 128;

// The worker is an eval'd CommonJS script so it runs the same from dist/ and under jest,
// and loads tiny-secp256k1's CommonJS build by absolute path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ecc = require(workerData.eccPath);
parentPort.on('message', (m) => {
  const buf = new Uint8Array(m.buf);
  let bad = -1;
  for (let i = 0; i < m.n; i++) {
    const o = i * ${CHECK_BYTES};
    let ok = false;
    try { ok = ecc.verifySchnorr(buf.subarray(o + 64, o + 96), buf.subarray(o + 96, o + 128), buf.subarray(o, o + 64)); } catch { ok = false; }
    if (!ok) { bad = i; break; }
  }
  parentPort.postMessage({ id: m.id, bad });
});
`;

interface Job {
  resolve: (bad: number) => void;
  reject: (e: Error) => void;
}

export interface VerifyPoolOptions {
  /** worker threads; 0 verifies synchronously on the calling thread */
  threads?: number;
}

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private rr = 0;
  private closed = false;
  readonly threads: number;

  constructor(opts: VerifyPoolOptions = {}) {
    this.threads = opts.threads ?? availableParallelism();
    if (this.threads > 0) {
      const eccPath = createRequire(import.meta.url).resolve('tiny-secp256k1');
      for (let i = 0; i < this.threads; i++) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { eccPath } });
        w.on('message', (m: { id: number; bad: number }) => this.finish(m.id, m.bad));
        w.on('error', (e) => this.failAll(e));
        w.unref();
        this.workers.push(w);
      }
    }
  }

  private finish(id: number, bad: number): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (this.jobs.size === 0) for (const w of this.workers) w.unref();
    job.resolve(bad);
  }

  private failAll(e: Error): void {
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }

  /** Index (into `checks`) of the first failing signature found, or -1 when all verify. */
  async verify(checks: readonly SigCheck[]): Promise<number> {
    const job = this.start();
    job.add(checks);
    return job.done();
  }

  /**
   * A verification whose checks arrive in pieces (as consensus produces them, tx by tx):
   * each full batch goes to a worker at once, so the workers verify while the caller
   * is still computing sighashes. Indices reported by done() count across every add().
   * A job that is never finished is harmless: its results are simply dropped.
   */
  start(): VerifyJob {
    if (this.closed) throw new Error('verify-pool: closed');
    return new VerifyJob(this);
  }

  /** @internal posts one packed batch; resolves to the failing index within it, or -1 */
  postBatch(buf: Uint8Array<ArrayBuffer>, n: number): Promise<number> {
    const id = this.nextId++;
    const worker = this.workers[this.rr++ % this.workers.length]!;
    const p = new Promise<number>((resolve, reject) => this.jobs.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ id, buf: buf.buffer, n }, [buf.buffer]);
    return p;
  }

  get inline(): boolean {
    return this.workers.length === 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('verify-pool: closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export class VerifyJob {
  private readonly results: Promise<number>[] = [];
  // Positions of the packed checks, so a failure maps back even after a malformed one.
  private indexOf: number[] = [];
  private buf = new Uint8Array(BATCH * CHECK_BYTES);
  private n = 0;
  private count = 0;
  private malformed = -1;
  private readonly inlineChecks: SigCheck[] = [];

  constructor(private readonly pool: VerifyPool) {}

  add(checks: readonly SigCheck[]): void {
    if (this.pool.inline) {
      for (const c of checks) this.inlineChecks.push(c);
      return;
    }
    for (const c of checks) {
      const index = this.count++;
      if (c.sig.length !== 64 || c.msg.length !== 32 || c.pubkey.length !== 32) {
        if (this.malformed < 0) this.malformed = index;
        continue; // cannot verify; reported by done() (a hole in the batch is never read as valid)
      }
      const o = this.n * CHECK_BYTES;
      this.buf.set(c.sig, o);
      this.buf.set(c.msg, o + 64);
      this.buf.set(c.pubkey, o + 96);
      this.indexOf.push(index);
      if (++this.n === BATCH) this.send();
    }
  }

  private send(): void {
    const map = this.indexOf;
    const result = this.pool.postBatch(this.buf, this.n).then((bad) => (bad < 0 ? -1 : map[bad]!));
    result.catch(() => undefined); // an abandoned job must not surface as an unhandled rejection
    this.results.push(result);
    this.buf = new Uint8Array(BATCH * CHECK_BYTES);
    this.n = 0;
    this.indexOf = [];
  }

  /** Index of the first failing check (across all adds), or -1 when all verify. */
  async done(): Promise<number> {
    if (this.pool.inline) {
      for (let i = 0; i < this.inlineChecks.length; i++) {
        const c = this.inlineChecks[i]!;
        if (!wasmVerifier.verify(c.sig, c.msg, c.pubkey)) return i;
      }
      return -1;
    }
    if (this.n > 0) this.send();
    const results = await Promise.all(this.results);
    let first = this.malformed;
    for (const r of results) if (r >= 0 && (first < 0 || r < first)) first = r;
    return first;
  }
}
