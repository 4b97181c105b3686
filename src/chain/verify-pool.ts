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
    if (this.closed) throw new Error('verify-pool: closed');
    if (checks.length === 0) return -1;
    if (this.workers.length === 0) {
      for (let i = 0; i < checks.length; i++) {
        const c = checks[i]!;
        if (!wasmVerifier.verify(c.sig, c.msg, c.pubkey)) return i;
      }
      return -1;
    }
    const batches: Promise<number>[] = [];
    for (let start = 0; start < checks.length; start += BATCH) {
      const n = Math.min(BATCH, checks.length - start);
      const buf = new Uint8Array(n * CHECK_BYTES);
      for (let i = 0; i < n; i++) {
        const c = checks[start + i]!;
        const o = i * CHECK_BYTES;
        if (c.sig.length !== 64 || c.msg.length !== 32 || c.pubkey.length !== 32) {
          batches.push(Promise.resolve(i + start));
          continue;
        }
        buf.set(c.sig, o);
        buf.set(c.msg, o + 64);
        buf.set(c.pubkey, o + 96);
      }
      const id = this.nextId++;
      const worker = this.workers[this.rr++ % this.workers.length]!;
      batches.push(
        new Promise<number>((resolve, reject) => {
          this.jobs.set(id, { resolve: (bad) => resolve(bad < 0 ? -1 : start + bad), reject });
        }),
      );
      worker.ref();
      worker.postMessage({ id, buf: buf.buffer, n }, [buf.buffer]);
    }
    const results = await Promise.all(batches);
    let first = -1;
    for (const r of results) if (r >= 0 && (first < 0 || r < first)) first = r;
    return first;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('verify-pool: closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
