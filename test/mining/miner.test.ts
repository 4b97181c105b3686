// The worker-thread miner on regtest (where about half of all hashes meet the target):
// it finds blocks that connect, builds on each new tip, counts hashes, and stops.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool, type ProcessResult } from '../../src/chain/index.js';
import { Mempool } from '../../src/mempool/index.js';
import { Miner } from '../../src/mining/index.js';
import { systemClock, type Block } from '../../src/primitives/index.js';
import { SCRIPT, coinbaseAt, params, split } from '../mempool/helpers.js';

describe('Miner', () => {
  let dir: string;
  let chain: Chain;
  let pool: VerifyPool;
  let mempool: Mempool;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-miner-'));
    pool = new VerifyPool({ threads: 0 });
    chain = await Chain.open({ params, path: dir, clock: systemClock, verifyPool: pool });
    mempool = new Mempool({ chain, verifyPool: pool, clock: systemClock });
  });
  afterAll(async () => {
    mempool.close();
    await chain.close();
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('generate() makes connected blocks on demand', async () => {
    const miner = new Miner({ chain, mempool, payTo: SCRIPT });
    const hashes = await miner.generate(101);
    expect(hashes).toHaveLength(101);
    expect(chain.height).toBe(101);
    expect(chain.tip.hashHex).toBe(hashes[100]);
    expect(new Set(hashes).size).toBe(101);
  });

  test('worker threads find blocks that extend the tip, with mempool fees, until stopped', async () => {
    const tx = split(await coinbaseAt(chain, 1), 1, 5000n);
    await mempool.accept(tx);
    // Tiny work units so the threads come back often; each finds a block in ~2 hashes.
    const miner = new Miner({ chain, mempool, payTo: SCRIPT, threads: 2, unit: 64 });
    const found: [Block, ProcessResult][] = [];
    miner.on('block', (b, r) => found.push([b, r]));
    const errors: Error[] = [];
    miner.on('error', (e) => errors.push(e));
    const start = chain.height;
    miner.start();
    expect(miner.running).toBe(true);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (found.length >= 5) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    await miner.stop();
    expect(miner.running).toBe(false);
    expect(errors).toEqual([]);
    const after = chain.height;
    // Every found block connected on top of the previous tip (stale work was dropped).
    expect(found.every(([, r]) => r.status === 'connected')).toBe(true);
    expect(after - start).toBe(found.length);
    expect(miner.blocksFound).toBe(found.length);
    expect(miner.hashes).toBeGreaterThanOrEqual(found.length);
    // The first block took the mempool tx and its fee.
    expect(found[0]![0].txs.map((t) => t.txidHex())).toContain(tx.txidHex());
    expect(mempool.size).toBe(0);
    // Nothing more is mined after stop().
    await new Promise((r) => setTimeout(r, 30));
    expect(chain.height).toBe(after);
  });

  test('reports a hash rate while running', async () => {
    const miner = new Miner({ chain, mempool, payTo: SCRIPT, threads: 1, unit: 256 });
    expect(miner.hashRate).toBe(0);
    miner.start();
    // Wait for work to be reported (worker start-up can be slow on a loaded machine).
    let rate = 0;
    for (let i = 0; i < 3000 && rate === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      rate = miner.hashRate;
    }
    await miner.stop();
    expect(miner.hashes).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(0);
    // The rate cannot exceed what was counted over the window it covers.
    expect(rate).toBeLessThan(miner.hashes * 1000);
  });
});
