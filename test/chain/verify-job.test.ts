// VerifyPool.start(): checks added in pieces must report the same first failing index as
// one verify() over the concatenation, across batch boundaries and malformed checks, on
// both signature backends, on workers and inline.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as tiny from 'tiny-secp256k1';
import fc from 'fast-check';
import { VerifyPool } from '../../src/chain/index.js';
import { BACKENDS } from '../support/backends.js';
import type { SigCheck } from '../../src/consensus/index.js';

function checks(n: number): SigCheck[] {
  return Array.from({ length: n }, (_, i) => {
    const secret = new Uint8Array(createHash('sha256').update(`k${i}`).digest());
    const msg = new Uint8Array(createHash('sha256').update(`m${i}`).digest());
    return { txIndex: i, inputIndex: 0, pubkey: tiny.xOnlyPointFromScalar(secret), msg, sig: tiny.signSchnorr(msg, secret, new Uint8Array(32)) };
  });
}

function corrupt(c: SigCheck): SigCheck {
  const sig = new Uint8Array(c.sig);
  sig[10]! ^= 1;
  return { ...c, sig };
}

const all = checks(300);
const pools = BACKENDS.flatMap((verifier) => [new VerifyPool({ threads: 2, verifier }), new VerifyPool({ threads: 0, verifier })]);
afterAll(async () => {
  for (const p of pools) await p.close();
});

async function streamed(pool: VerifyPool, list: SigCheck[], pieces: number[]): Promise<number> {
  const job = pool.start();
  let at = 0;
  for (const n of pieces) {
    job.add(list.slice(at, at + n));
    at += n;
  }
  job.add(list.slice(at));
  return job.done();
}

describe.each(pools.map((p) => [p.backend, p.threads, p] as const))('VerifyJob, %s verifier, %i threads', (_backend, _threads, pool) => {
  it('accepts valid checks added one tx at a time across batches', async () => {
    expect(await streamed(pool, all, [1, 2, 127, 1, 64, 3])).toBe(-1);
    expect(await pool.verify(all)).toBe(-1);
  });

  it('reports the first bad check by its index across adds', async () => {
    for (const bad of [0, 127, 128, 129, 299]) {
      const list = all.map((c, i) => (i === bad || i === 290 ? corrupt(c) : c));
      const first = Math.min(bad, 290);
      expect(await streamed(pool, list, [5, 200, 1])).toBe(first);
      expect(await pool.verify(list)).toBe(first);
    }
  });

  it('treats a malformed check as failing, at its own index', async () => {
    const list = all.slice(0, 200).map((c, i) => (i === 150 ? { ...c, sig: c.sig.subarray(0, 63) } : c));
    expect(await streamed(pool, list, [100, 30])).toBe(150);
    const later = list.map((c, i) => (i === 170 ? corrupt(c) : c));
    expect(await streamed(pool, later, [100, 30])).toBe(150);
  });

  it('an abandoned job does not disturb the next one', async () => {
    const abandoned = pool.start();
    abandoned.add(all.slice(0, 130).map(corrupt));
    expect(await pool.verify(all.slice(0, 50))).toBe(-1);
  });
});

describe.each(BACKENDS)('VerifyJob split of a partial batch, %s verifier', (verifier) => {
  const pool = new VerifyPool({ threads: 2, verifier });
  afterAll(() => pool.close());

  it('the caller verifies an equal share (at most inlineMax) while the workers run the rest', async () => {
    const before = { ...pool.stats };
    expect(await pool.verify(all.slice(0, 50))).toBe(-1);
    // 50 checks, 2 workers: the caller takes floor(50 / 3) = 16 (= inlineMax for native), the workers 17 each.
    expect(pool.stats.callerChecks - before.callerChecks).toBe(Math.min(pool.inlineMax, 16));
    expect(pool.stats.verified - before.verified).toBe(50);
    expect(pool.stats.inlineJobs).toBe(before.inlineJobs);
  });

  it('reports the first bad check wherever the split puts it (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.uniqueArray(fc.nat(299), { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 140 }), { maxLength: 4 }),
        async (n, badAt, pieces) => {
          const bad = badAt.filter((i) => i < n);
          const list = all.slice(0, n).map((c, i) => (bad.includes(i) ? corrupt(c) : c));
          const first = bad.length ? Math.min(...bad) : -1;
          expect(await streamed(pool, list, pieces)).toBe(first);
        },
      ),
      { numRuns: 40 },
    );
  });
});
