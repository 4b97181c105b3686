// SigCache and the verify pool's use of it: the bound holds under any insertion sequence,
// keys are salted by the injected Rng, only checks that verified are ever stored (a
// property over random mixes of good, bad and malformed checks), a block's hit skips the
// verifier and removes the entry, and a verification of few checks runs inline.
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import * as tiny from 'tiny-secp256k1';
import { SIGCACHE_ENTRY_BYTES, SigCache, VerifyPool } from '../../src/chain/index.js';
import type { SigCheck } from '../../src/consensus/index.js';
import { seededRng, selectVerifier, type SchnorrVerifier, type VerifierSelection } from '../../src/primitives/index.js';
import { BACKENDS } from '../support/backends.js';

function checks(n: number, tag = 'k'): SigCheck[] {
  return Array.from({ length: n }, (_, i) => {
    const secret = new Uint8Array(createHash('sha256').update(`${tag}${i}`).digest());
    const msg = new Uint8Array(createHash('sha256').update(`m${tag}${i}`).digest());
    return { txIndex: i, inputIndex: 0, pubkey: tiny.xOnlyPointFromScalar(secret), msg, sig: tiny.signSchnorr(msg, secret, new Uint8Array(32)) };
  });
}

function corrupt(c: SigCheck): SigCheck {
  const sig = new Uint8Array(c.sig);
  sig[20]! ^= 2;
  return { ...c, sig };
}

function counting(backend: 'native' | 'wasm'): { selection: VerifierSelection; calls: () => number } {
  const inner = selectVerifier(backend);
  let calls = 0;
  const verifier: SchnorrVerifier = { name: 'counting', verify: (s, m, k) => (calls++, inner.verifier.verify(s, m, k)) };
  return { selection: { ...inner, verifier }, calls: () => calls };
}

const pools: VerifyPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

describe('SigCache', () => {
  const some = checks(40, 'u');

  it('holds at most maxBytes / entry size entries, evicting the oldest', () => {
    const cache = new SigCache({ rng: seededRng(1), maxBytes: 10 * SIGCACHE_ENTRY_BYTES + 50 });
    expect(cache.maxEntries).toBe(10);
    const keys = some.map((c) => cache.key(c));
    keys.forEach((k) => cache.add(k));
    expect(cache.size).toBe(10);
    expect(cache.stats()).toMatchObject({ entries: 10, inserts: 40, evictions: 30 });
    expect(keys.slice(0, 30).some((k) => cache.has(k))).toBe(false);
    expect(keys.slice(30).every((k) => cache.has(k))).toBe(true);
    expect(new SigCache({ rng: seededRng(1), maxBytes: 0 }).maxEntries).toBe(0);
  });

  it('keeps its bound under any sequence of adds and takes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 39 })), { maxLength: 200 }), (max, ops) => {
        const cache = new SigCache({ rng: seededRng(2), maxBytes: max * SIGCACHE_ENTRY_BYTES });
        for (const [add, i] of ops) {
          const k = cache.key(some[i]!);
          if (add) cache.add(k);
          else cache.take(k);
          if (cache.size > max) return false;
        }
        return true;
      }),
    );
  });

  it('salts its keys with the injected Rng', () => {
    const c = some[0]!;
    expect(new SigCache({ rng: seededRng(5) }).key(c)).toBe(new SigCache({ rng: seededRng(5) }).key(c));
    expect(new SigCache({ rng: seededRng(5) }).key(c)).not.toBe(new SigCache({ rng: seededRng(6) }).key(c));
    const cache = new SigCache({ rng: seededRng(5) });
    expect(cache.key(c)).not.toBe(cache.key(corrupt(c)));
    expect(cache.key(c)).not.toBe(cache.key({ ...c, msg: some[1]!.msg }));
  });
});

describe.each(BACKENDS)('the verify pool with a SigCache, %s verifier', (backend) => {
  const list = checks(300);

  it('a consume hit skips the verifier and removes the entry; a miss verifies', async () => {
    const c = counting(backend);
    const cache = new SigCache({ rng: seededRng(3) });
    const pool = new VerifyPool({ threads: 0, verifier: c.selection, sigCache: cache });
    pools.push(pool);
    expect(await pool.verify(list.slice(0, 50), { cache: 'store' })).toBe(-1);
    expect([c.calls(), cache.size]).toEqual([50, 50]);
    expect(await pool.verify(list.slice(0, 50), { cache: 'store' })).toBe(-1); // hits: nothing verified
    expect(c.calls()).toBe(50);
    expect(await pool.verify(list.slice(0, 60))).toBe(-1); // block: 50 hits (consumed), 10 verified
    expect([c.calls(), cache.size]).toEqual([60, 0]);
    expect(await pool.verify(list.slice(0, 50))).toBe(-1); // consumed: verified again
    expect(c.calls()).toBe(110);
    expect(await pool.verify(list.slice(0, 50), { cache: 'off' })).toBe(-1);
    expect(c.calls()).toBe(160);
  });

  it('stores only checks that verified, whatever mix of bad and malformed checks arrives (workers)', async () => {
    const cache = new SigCache({ rng: seededRng(4) });
    const pool = new VerifyPool({ threads: 2, verifier: backend, sigCache: cache, inlineMax: 0 });
    pools.push(pool);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 299 }), { maxLength: 4 }), fc.integer({ min: 0, max: 299 }), fc.boolean(), async (bad, start, malformed) => {
        const slice = list.slice(start, start + 200);
        // Which checks are good is known by construction (corrupted or malformed on purpose).
        const good = slice.map((_, i) => !bad.includes(start + i) && !(malformed && i === 10));
        const input = slice.map((c, i) => (bad.includes(start + i) ? corrupt(c) : c));
        if (malformed && input.length > 10) input[10] = { ...input[10]!, pubkey: input[10]!.pubkey.subarray(1) };
        const first = await pool.verify(input, { cache: 'store' });
        expect(first).toBe(good.indexOf(false));
        input.forEach((c, i) => {
          if (!good[i]) expect(cache.has(cache.key(c))).toBe(false);
          else if (first < 0 || i < first) expect(cache.has(cache.key(c))).toBe(true); // verified before the failure
        });
      }),
      { numRuns: 25 },
    );
    expect(cache.size).toBeGreaterThan(0);
  });

  it('verifies a handful of checks inline and more on the workers, with the same answers', async () => {
    const pool = new VerifyPool({ threads: 2, verifier: backend, inlineMax: 3 });
    pools.push(pool);
    expect(await pool.verify(list.slice(0, 3))).toBe(-1);
    expect(await pool.verify([list[0]!, corrupt(list[1]!), list[2]!])).toBe(1);
    expect(pool.stats.inlineJobs).toBe(2);
    expect(await pool.verify(list.slice(0, 4))).toBe(-1);
    expect(await pool.verify([list[0]!, list[1]!, list[2]!, corrupt(list[3]!)])).toBe(3);
    expect(pool.stats.inlineJobs).toBe(2);
    expect(pool.stats.verified).toBe(14);
  });
});
