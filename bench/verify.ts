// Verify limit: how many BIP340 verifications per second this machine does, measured in
// the same run as everything compared with it. The limit is the node's own path —
// VerifyPool with native libsecp256k1 (bcrypto) on one worker per core, batches of 128 —
// with the WASM backend's figure beside it; the alternative libraries are measured on one
// thread and on all cores, and a lone small verification inline against a worker round
// trip (what sets the pool's inline threshold).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as tiny from 'tiny-secp256k1';
import { DEFAULT_INLINE_MAX, VerifyPool } from '../src/chain/index.js';
import type { VerifierBackend } from '../src/primitives/index.js';
import type { SigCheck } from '../src/consensus/index.js';
import { median, secondsSince, type BenchOptions, type BenchResult } from './types.js';
import { LIBS, buf as toBuffer, loadBcrypto, loadVerifier } from './verifiers.js';

const require = createRequire(import.meta.url);

/** `n` valid (sig | msg | pubkey) triples under distinct keys, 128 bytes each. */
export function makeChecks(n: number): Uint8Array {
  const out = new Uint8Array(n * 128);
  const aux = new Uint8Array(32);
  for (let i = 0; i < n; i++) {
    let secret = new Uint8Array(createHash('sha256').update(`bench key ${i}`).digest());
    while (!tiny.isPrivate(secret)) secret = new Uint8Array(createHash('sha256').update(secret).digest());
    const msg = new Uint8Array(createHash('sha256').update(`bench msg ${i}`).digest());
    const pub = tiny.xOnlyPointFromScalar(secret);
    const sig = tiny.signSchnorr(msg, secret, aux);
    out.set(sig, i * 128);
    out.set(msg, i * 128 + 64);
    out.set(pub, i * 128 + 96);
  }
  return out;
}

function toSigChecks(buf: Uint8Array): SigCheck[] {
  const n = buf.length / 128;
  return Array.from({ length: n }, (_, i) => ({
    txIndex: i,
    inputIndex: 0,
    sig: buf.subarray(i * 128, i * 128 + 64),
    msg: buf.subarray(i * 128 + 64, i * 128 + 96),
    pubkey: buf.subarray(i * 128 + 96, i * 128 + 128),
  }));
}

export interface VerifyLimit {
  /** verifies per second of wall time, all cores */
  rate: number;
  threads: number;
  /** CPU time (all threads) per verification, µs: less sensitive to other load than `rate` */
  cpuMicros: number;
  backend: VerifierBackend;
}

const cachedLimits = new Map<VerifierBackend, Promise<VerifyLimit>>();

/**
 * Verifies/s through VerifyPool on all cores, as the node verifies blocks (native
 * libsecp256k1 unless `backend` says otherwise). Memoized per backend, so the scenarios
 * of one run share a single measurement.
 */
export function verifyLimit(opts: BenchOptions, backend: VerifierBackend = 'native'): Promise<VerifyLimit> {
  let p = cachedLimits.get(backend);
  if (!p) cachedLimits.set(backend, (p = measureVerifyLimit(opts.quick ? 2 : 6, backend)));
  return p;
}

/** One fresh measurement of the node's verification rate over `seconds`. */
export async function measureVerifyLimit(seconds: number, backend: VerifierBackend = 'native'): Promise<VerifyLimit> {
  const pool = new VerifyPool({ verifier: backend });
  try {
    if (pool.backend !== backend) throw new Error(`bench: asked for the ${backend} verifier, got ${pool.backend}`);
    const checks = toSigChecks(makeChecks(pool.threads * 128 * 4));
    if ((await pool.verify(checks)) !== -1) throw new Error('bench: a valid signature failed in VerifyPool');
    let done = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    while (secondsSince(start) < seconds) {
      if ((await pool.verify(checks)) !== -1) throw new Error('bench: a valid signature failed in VerifyPool');
      done += checks.length;
    }
    const rate = done / secondsSince(start);
    const used = process.cpuUsage(cpu);
    return { rate, threads: pool.threads, cpuMicros: (used.user + used.system) / done, backend };
  } finally {
    await pool.close();
  }
}

/**
 * Wall time of a lone verification of `n` checks, inline on this thread and through a
 * worker round trip, alternating, medians of `reps` (µs).
 */
async function inlineVsWorker(backend: VerifierBackend, n: number, reps: number): Promise<{ inline: number; worker: number }> {
  const checks = toSigChecks(makeChecks(n));
  const viaWorker = new VerifyPool({ threads: 1, verifier: backend, inlineMax: 0 });
  const inline = new VerifyPool({ threads: 1, verifier: backend, inlineMax: n });
  try {
    const a: number[] = [];
    const b: number[] = [];
    await viaWorker.verify(checks);
    await inline.verify(checks);
    for (let i = 0; i < reps; i++) {
      for (const [pool, out] of [[viaWorker, a], [inline, b]] as const) {
        const t = process.hrtime.bigint();
        if ((await pool.verify(checks)) !== -1) throw new Error('bench: a valid signature failed');
        out.push(secondsSince(t) * 1e6);
      }
    }
    return { worker: median(a), inline: median(b) };
  } finally {
    await viaWorker.close();
    await inline.close();
  }
}

/** Single-thread rate of `lib`, or undefined when it is not installed. */
async function singleThread(lib: string, buf: Uint8Array, seconds: number): Promise<number | undefined> {
  const verify = await loadVerifier(lib, require);
  if (!verify) return undefined;
  const items = toSigChecks(buf);
  for (const c of items.slice(0, 16)) if (!verify(c.sig, c.msg, c.pubkey)) throw new Error(`bench: ${lib} rejected a valid signature`);
  const bad = new Uint8Array(items[0]!.sig);
  bad[5]! ^= 1;
  if (verify(bad, items[0]!.msg, items[0]!.pubkey)) throw new Error(`bench: ${lib} accepted a corrupted signature`);
  let done = 0;
  const start = process.hrtime.bigint();
  while (secondsSince(start) < seconds) {
    for (const c of items) if (!verify(c.sig, c.msg, c.pubkey)) throw new Error(`bench: ${lib} rejected a valid signature`);
    done += items.length;
  }
  return done / secondsSince(start);
}

/** All-core rate of `lib`: one worker per core, started together, each verifying for `seconds`. */
async function allCores(lib: string, buf: Uint8Array, seconds: number, threads: number): Promise<number> {
  const url = new URL('./verify-worker.js', import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { lib, checks: buf } }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ done: number; bad: number; seconds: number }>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage({ seconds });
          }),
      ),
    );
    if (results.some((r) => r.bad > 0)) throw new Error(`bench: ${lib} rejected valid signatures in a worker`);
    return results.reduce((s, r) => s + r.done / r.seconds, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** bcrypto's batch verification (one thread), when installed. */
function bcryptoBatch(buf: Uint8Array, seconds: number): number | undefined {
  const b = loadBcrypto(require);
  if (!b) return undefined;
  const batch = toSigChecks(buf).map((c): [Uint8Array, Uint8Array, Uint8Array] => [toBuffer(c.msg), toBuffer(c.sig), toBuffer(c.pubkey)]);
  if (!b.mod.verifyBatch(batch)) throw new Error('bench: bcrypto batch rejected valid signatures');
  let done = 0;
  const start = process.hrtime.bigint();
  while (secondsSince(start) < seconds) {
    if (!b.mod.verifyBatch(batch)) throw new Error('bench: bcrypto batch rejected valid signatures');
    done += batch.length;
  }
  return done / secondsSince(start);
}

export async function benchVerify(opts: BenchOptions): Promise<BenchResult[]> {
  const native = await verifyLimit(opts, 'native');
  const wasm = await verifyLimit(opts, 'wasm');
  const limit = native.rate;
  const threads = native.threads;
  const rows: BenchResult[] = [
    {
      name: 'verify limit (VerifyPool, native libsecp256k1)',
      figure: limit,
      unit: 'verifies/s',
      limit: null,
      ratio: null,
      goal: 'reference',
      note: `${threads} worker threads, batches of 128: the node's own verification path (bcrypto); ${native.cpuMicros.toFixed(1)} µs CPU per verify`,
    },
    {
      name: 'verify limit, WASM backend (tiny-secp256k1)',
      figure: wasm.rate,
      unit: 'verifies/s',
      limit,
      limitUnit: 'verifies/s (native)',
      ratio: wasm.rate / limit,
      goal: 'info',
      note: `the fallback when native is absent: ${wasm.cpuMicros.toFixed(1)} µs CPU per verify, ${(wasm.cpuMicros / native.cpuMicros).toFixed(1)}x native's CPU`,
    },
  ];
  for (const backend of ['native', 'wasm'] as const) {
    for (const n of [1, DEFAULT_INLINE_MAX[backend]]) {
      const r = await inlineVsWorker(backend, n, opts.quick ? 100 : 400);
      rows.push({
        name: `lone verify of ${n}, ${backend}: inline vs worker`,
        figure: r.inline,
        unit: 'µs',
        limit: r.worker,
        limitUnit: 'µs via a worker',
        ratio: r.inline / r.worker,
        goal: '< 1',
        note: `wall time, medians of alternating runs; inline up to ${DEFAULT_INLINE_MAX[backend]} checks (DEFAULT_INLINE_MAX)`,
      });
    }
  }
  const seconds = opts.quick ? 1 : 3;
  const buf = makeChecks(256);
  const bc = loadBcrypto(require);
  for (const lib of LIBS) {
    const one = await singleThread(lib, buf, seconds);
    if (one === undefined) {
      rows.push({
        name: `verify ${lib}`,
        figure: NaN,
        unit: 'verifies/s',
        limit,
        ratio: null,
        goal: 'info',
        note: 'not installed: bcrypto is an optional dependency whose native build needs python3, make and a C++ compiler at npm ci (see README)',
      });
      continue;
    }
    const all = await allCores(lib, buf, seconds, threads);
    const extra = lib === 'bcrypto' && bc ? `, native backend ${bc.mod.native ? 'loaded' : 'NOT loaded (JS fallback)'} from ${bc.from}` : '';
    rows.push({ name: `verify ${lib} 1 thread`, figure: one, unit: 'verifies/s', limit, ratio: one / limit, goal: 'info', note: `ratio to the verify limit${extra}` });
    rows.push({ name: `verify ${lib} ${threads} threads`, figure: all, unit: 'verifies/s', limit, ratio: all / limit, goal: 'info', note: 'one worker per core, no batching overhead' });
    if (lib === 'bcrypto') {
      const batch = bcryptoBatch(buf, seconds);
      if (batch !== undefined) {
        rows.push({ name: 'verify bcrypto batch, 1 thread', figure: batch, unit: 'verifies/s', limit, ratio: batch / limit, goal: 'info', note: 'schnorr.verifyBatch over 256 signatures' });
      }
    }
  }
  return rows;
}
