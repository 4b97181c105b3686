// A reorg onto a branch with fewer blocks but more work lowers the tip height, so a
// mempool tx spending a coinbase can become immature again and must leave the mempool.
// Regtest never retargets, so this test runs on a regtest variant with ASERT difficulty
// (params are data): tightly spaced blocks on the winning branch carry more work each.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { nextWorkRequired, regtestParams, type ConsensusParams } from '../../src/consensus/index.js';
import { Mempool } from '../../src/mempool/index.js';
import { ManualClock, seededRng, type Block } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';

const params: ConsensusParams = Object.freeze({
  ...regtestParams,
  difficulty: Object.freeze({ kind: 'asert' as const, halfLife: 600, anchor: Object.freeze({ height: 1, bits: regtestParams.powLimitBits }) }),
});

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('mempool: coinbase spends that become immature in a reorg', () => {
  test('are removed when the new tip is lower', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-immature-'));
    const clock = new ManualClock((params.genesis.header.time + 200_000) * 1000);
    const pool = new VerifyPool({ threads: 0 });
    const chain = await Chain.open({ params, path: dir, clock, verifyPool: pool });
    const mempool = new Mempool({ chain, verifyPool: pool, clock, rng: seededRng(3) });
    cleanups.push(async () => {
      mempool.close();
      await chain.close();
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    });
    const b = new ChainBuilder(params);

    /** Builds and submits a block on `parent` with the bits the chain demands at `time`. */
    async function extend(parent: BranchState, time: number): Promise<{ block: Block; state: BranchState }> {
      const prev = chain.getEntry(parent.hash)!;
      const bits = nextWorkRequired(prev.height, chain.ancestry(prev), time, params);
      const r = b.block(parent, { time, bits });
      await chain.processBlock(r.block);
      return r;
    }

    // Branch A: 105 blocks on schedule (600 s apart), so difficulty stays at the limit.
    let a = b.genesis();
    let fork = a;
    for (let h = 1; h <= 105; h++) {
      a = (await extend(a, params.genesis.header.time + 600 * h)).state;
      if (h === 100) fork = a;
    }
    expect(chain.height).toBe(105);

    // Spends the coinbase of block 6: mature for the next block (106 - 6 = 100).
    const cb = b.spendable(a).find((u) => u.coin.coinbase && u.coin.height === 6)!;
    const tx = b.spend([cb]);
    await mempool.accept(tx);
    expect(mempool.has(tx.txid())).toBe(true);

    // Branch B from 100: four blocks 1 s apart; ASERT halves the target each time, so four
    // blocks outweigh A's five and the tip drops to height 104.
    let s = fork;
    for (let i = 1; i <= 4; i++) s = (await extend(s, fork.time + i)).state;
    expect(chain.height).toBe(104);
    expect(chain.tip.hash).toEqual(s.hash);
    await mempool.idle();
    // At height 105 the spend would be only 99 blocks deep: it must be gone.
    expect(mempool.has(tx.txid())).toBe(false);
    await expect(mempool.accept(tx)).rejects.toMatchObject({ code: 'bad-txns-premature-spend-of-coinbase' });
  });
});
