// Verify limit: how many BIP340 verifications per second this machine does, measured in
// the same run as everything compared with it. The limit is the node's own path —
// VerifyPool (tiny-secp256k1 on one worker per core, batches of 128) — and the
// alternatives are measured on one thread and on all cores for comparison.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as tiny from 'tiny-secp256k1';
import { VerifyPool } from '../src/chain/index.js';
import type { SigCheck } from '../src/consensus/index.js';
import { secondsSince, type BenchOptions, type BenchResult } from './types.js';
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
}

let cachedLimit: Promise<VerifyLimit> | undefined;

/**
 * Verifies/s through VerifyPool on all cores, as the node verifies blocks. Memoized, so
 * the scenarios of one run share a single measurement.
 */
export function verifyLimit(opts: BenchOptions): Promise<VerifyLimit> {
  cachedLimit ??= measureVerifyLimit(opts.quick ? 2 : 6);
  return cachedLimit;
}

/** One fresh measurement of the node's verification rate over `seconds`. */
export async function measureVerifyLimit(seconds: number): Promise<VerifyLimit> {
  {
    const pool = new VerifyPool();
    try {
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
      return { rate, threads: pool.threads, cpuMicros: (used.user + used.system) / done };
    } finally {
      await pool.close();
    }
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
  const { rate: limit, threads, cpuMicros } = await verifyLimit(opts);
  const rows: BenchResult[] = [
    {
      name: 'verify limit (VerifyPool, tiny-secp256k1)',
      figure: limit,
      unit: 'verifies/s',
      limit: null,
      ratio: null,
      goal: 'reference',
      note: `${threads} worker threads, batches of 128: the node's own verification path; ${cpuMicros.toFixed(0)} µs CPU per verify`,
    },
  ];
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
        note: 'not installed (not a dependency: its native build needs node-gyp and install scripts); set BCRYPTO_DIR to a directory where `npm install bcrypto` succeeded to include it',
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
