// Connect: inputs/s connecting blocks of 1,000 one-input-two-output key-path spends into a
// real Chain on LevelDB, from decoded bytes to a synced flush, next to the verify limit
// measured in the same run. The blocks come from bench-cache/ so signing is never timed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../src/chain/index.js';
import { regtestParams } from '../src/consensus/index.js';
import { Block } from '../src/primitives/index.js';
import { spendChain } from './blocks.js';
import { secondsSince, type BenchOptions, type BenchResult } from './types.js';
import { measureVerifyLimit, verifyLimit } from './verify.js';

/** bcoin 2.2 with native libsecp256k1, 1,000-tx blocks of 1-in-2-out segwit spends (NOTES.md). */
export const BCOIN_INPUTS_PER_SEC = 4400;
export const TXS_PER_BLOCK = 1000;

export interface ConnectRun {
  inputs: number;
  seconds: number;
  rate: number;
  /** CPU time of the whole process (main thread and workers) per input, µs */
  cpuMicros: number;
}

/** Connects the cached spend chain into a fresh datadir; only the spend blocks and the final flush are timed. */
export async function runConnect(nBlocks: number, txsPerBlock = TXS_PER_BLOCK): Promise<ConnectRun> {
  const data = spendChain(regtestParams, nBlocks, txsPerBlock);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-connect-'));
  const chain = await Chain.open({ params: regtestParams, path: dir });
  try {
    for (const raw of data.setup) await chain.processBlock(Block.decode(raw));
    await chain.flush();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (const raw of data.blocks) {
      const r = await chain.processBlock(Block.decode(raw));
      if (r.status !== 'connected') throw new Error(`bench: block at height ${chain.height + 1} was ${r.status}, not connected`);
    }
    await chain.flush();
    const seconds = secondsSince(start);
    const used = process.cpuUsage(cpu);
    const expected = data.setup.length + data.blocks.length;
    if (chain.height !== expected) throw new Error(`bench: chain height ${chain.height}, expected ${expected}`);
    const inputs = data.blocks.length * txsPerBlock;
    return { inputs, seconds, rate: inputs / seconds, cpuMicros: (used.user + used.system) / inputs };
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchConnect(opts: BenchOptions): Promise<BenchResult[]> {
  const nBlocks = opts.quick ? 6 : 20;
  spendChain(regtestParams, nBlocks, TXS_PER_BLOCK); // build (or read) the cache before anything is timed
  // The limit is measured just before and just after the connect run and averaged, so a
  // change in other load on the machine during the run moves both sides alike.
  const before = await verifyLimit(opts);
  const run = await runConnect(nBlocks);
  const after = await measureVerifyLimit(opts.quick ? 2 : 4);
  const limit = (before.rate + after.rate) / 2;
  const cpuShare = before.cpuMicros / run.cpuMicros;
  const what =
    `${nBlocks} blocks of ${TXS_PER_BLOCK} txs, ${run.seconds.toFixed(2)} s incl. a synced flush; ` +
    `limit ${before.rate.toFixed(0)}/s before, ${after.rate.toFixed(0)}/s after; ` +
    `CPU ${run.cpuMicros.toFixed(0)} µs per input vs ${before.cpuMicros.toFixed(0)} µs per bare verify (signatures are ${(cpuShare * 100).toFixed(0)}% of the work)`;
  return [
    { name: 'connect (LevelDB)', figure: run.rate, unit: 'inputs/s', limit, limitUnit: 'verifies/s', ratio: run.rate / limit, goal: '≥ 0.8', note: what },
    {
      name: 'connect vs bcoin 2.2',
      figure: run.rate,
      unit: 'inputs/s',
      limit: BCOIN_INPUTS_PER_SEC,
      limitUnit: 'inputs/s (bcoin, NOTES.md, not this run)',
      ratio: run.rate / BCOIN_INPUTS_PER_SEC,
      goal: '≥ 1.5',
      note: 'bcoin 2.2 with native libsecp256k1 on a 2-core machine like this one',
    },
  ];
}
