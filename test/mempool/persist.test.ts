// The mempool file: format round trip, every kind of damage reported (never thrown), and a
// reload that re-validates each entry through the accept path with its arrival time.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devnetParams } from '../../src/consensus/index.js';
import {
  Mempool,
  MempoolFileError,
  decodeMempoolFile,
  dependencyOrder,
  encodeMempoolFile,
  loadMempool,
  saveMempool,
  type SavedTx,
} from '../../src/mempool/index.js';
import { Miner } from '../../src/mining/index.js';
import { seededRng } from '../../src/primitives/index.js';
import { OTHER_SCRIPT, coinbaseAt, outputOf, params, setup, spend, split, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({ blocks: 130 });
});
afterAll(async () => env.close());

async function sample(): Promise<SavedTx[]> {
  const a = split(await coinbaseAt(env.chain, 1), 2, 1000n);
  const b = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 2000n, script: OTHER_SCRIPT }]);
  const c = split(await coinbaseAt(env.chain, 2), 1, 1500n);
  return [
    { tx: b, time: 3_000 },
    { tx: a, time: 2_000 },
    { tx: c, time: 1_000 },
  ];
}

describe('mempool file format', () => {
  test('round trip keeps txs and times, parents before children', async () => {
    const txs = await sample();
    const data = encodeMempoolFile(params, txs);
    expect(Buffer.from(data.subarray(0, 4)).toString('latin1')).toBe('CMPL');
    const back = decodeMempoolFile(params, data);
    expect(back.map((s) => [s.tx.txidHex(), s.time])).toEqual([
      [txs[2]!.tx.txidHex(), 1_000],
      [txs[1]!.tx.txidHex(), 2_000],
      [txs[0]!.tx.txidHex(), 3_000],
    ]);
    expect(back.map((s) => s.tx.wtxidHex())).toEqual(dependencyOrder(txs).map((s) => s.tx.wtxidHex()));
  });

  test('a child that arrived before its parent is still ordered after it', async () => {
    const [b, a] = await sample();
    const order = dependencyOrder([{ tx: b!.tx, time: 1 }, { tx: a!.tx, time: 2 }]);
    expect(order.map((s) => s.tx.txidHex())).toEqual([a!.tx.txidHex(), b!.tx.txidHex()]);
  });

  test.each([
    ['truncated by one byte', 'bad-checksum', (d: Uint8Array) => d.subarray(0, d.length - 1)],
    ['cut to half', 'bad-checksum', (d: Uint8Array) => d.subarray(0, d.length >> 1)],
    ['cut inside the header', 'truncated', (d: Uint8Array) => d.subarray(0, 20)],
    ['a flipped bit in an entry', 'bad-checksum', (d: Uint8Array) => Uint8Array.from(d, (x, i) => (i === 60 ? x ^ 4 : x))],
    ['another magic', 'bad-magic', (d: Uint8Array) => Uint8Array.from(d, (x, i) => (i === 0 ? 0x58 : x))],
    ['another version', 'bad-version', (d: Uint8Array) => Uint8Array.from(d, (x, i) => (i === 4 ? 2 : x))],
    ['another network', 'wrong-network', () => encodeMempoolFile(devnetParams, [])],
    ['empty', 'truncated', () => new Uint8Array(0)],
  ])('%s → %s', async (_name, reason, damage) => {
    const data = damage(encodeMempoolFile(params, await sample()));
    let err: unknown;
    try {
      decodeMempoolFile(params, data);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MempoolFileError);
    expect((err as MempoolFileError).reason).toBe(reason);
  });
});

describe('save and load', () => {
  test('entries come back re-validated with their arrival times; stale ones are dropped and counted', async () => {
    const path = join(env.dir, 'mempool-a.dat');
    const a = split(await coinbaseAt(env.chain, 10), 2, 1000n);
    const b = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 2000n, script: OTHER_SCRIPT }]);
    const c = split(await coinbaseAt(env.chain, 11), 1, 1500n);
    for (const tx of [a, b, c]) {
      await env.mempool.accept(tx);
      env.clock.advance(1000);
    }
    const times = [a, b, c].map((t) => env.mempool.get(t.txid())!.time);
    expect(new Set(times).size).toBe(3);
    expect(await saveMempool(env.mempool, path)).toMatchObject({ count: env.mempool.size });

    const fresh = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(9) });
    try {
      env.clock.advance(60_000);
      const r = await loadMempool(fresh, path);
      expect(r).toMatchObject({ status: 'loaded', read: env.mempool.size, accepted: env.mempool.size, failed: 0, expired: 0 });
      expect(fresh.txids().sort()).toEqual(env.mempool.txids().sort());
      expect([a, b, c].map((t) => fresh.get(t.txid())!.time)).toEqual(times);
      expect(fresh.get(b.txid())!.ancestorCount).toBe(2);
    } finally {
      fresh.close();
    }

    // Mine a block confirming a conflicting spend of c's coin: c and nothing else fails.
    const conflict = split(await coinbaseAt(env.chain, 11), 1, 9000n);
    env.mempool.close();
    const other = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(10) });
    try {
      await other.accept(conflict);
      await new Miner({ chain: env.chain, mempool: other, payTo: OTHER_SCRIPT, clock: env.clock, threads: 1 }).generate(1);
    } finally {
      other.close();
    }
    const later = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(11) });
    try {
      const r = await loadMempool(later, path);
      expect(r.failed).toBe(1);
      expect(r.reasons).toEqual({ 'bad-txns-inputs-missingorspent': 1 });
      expect(later.has(c.txid())).toBe(false);
      expect(later.has(a.txid()) && later.has(b.txid())).toBe(true);
      // Expiry: two weeks later every entry is too old to load.
      env.clock.advance(later.limits.expiryMs + 1);
      const old = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(12) });
      try {
        const r2 = await loadMempool(old, path);
        expect(r2).toMatchObject({ status: 'loaded', expired: r2.read, accepted: 0 });
        expect(old.size).toBe(0);
      } finally {
        old.close();
      }
    } finally {
      later.close();
    }
  });

  test('a missing, damaged or foreign file is reported, not thrown, and leaves the mempool empty', async () => {
    const mp = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(13) });
    try {
      expect((await loadMempool(mp, join(env.dir, 'nope.dat'))).status).toBe('missing');
      const good = encodeMempoolFile(params, await sample());
      const bad = join(env.dir, 'bad.dat');
      writeFileSync(bad, good.subarray(0, good.length - 10));
      const r = await loadMempool(mp, bad);
      expect(r.status).toBe('ignored');
      expect(r.warning).toMatch(/bad-checksum/);
      writeFileSync(bad, encodeMempoolFile(devnetParams, await sample()));
      expect((await loadMempool(mp, bad)).warning).toMatch(/wrong-network/);
      expect(mp.size).toBe(0);
      expect(readFileSync(bad).length).toBeGreaterThan(0); // left in place; the next save replaces it
    } finally {
      mp.close();
    }
  });
});
