// Memory: peak RSS of a separate process connecting a chain with a 64 MB coin cache
// (cairnd's --dbcache 64). Measured in a child so the benchmark's own heap does not count,
// at two chain lengths, so growth with the chain shows up next to the figure.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { regtestParams } from '../src/consensus/index.js';
import { spendChain } from './blocks.js';
import type { BenchOptions, BenchResult } from './types.js';

const run = promisify(execFile);
const TXS = 1000;
const DBCACHE_MB = 64;
const GOAL_MB = 400;

async function peakRss(blocks: number): Promise<{ mb: number; height: number }> {
  spendChain(regtestParams, blocks, TXS); // build the cache here, not inside the measured process
  const child = fileURLToPath(new URL('./memory-child.js', import.meta.url));
  const { stdout } = await run(process.execPath, [child, '--blocks', String(blocks), '--txs', String(TXS), '--dbcache', String(DBCACHE_MB)], {
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { height: number; maxRssBytes: number };
  return { mb: r.maxRssBytes / (1 << 20), height: r.height };
}

export async function benchMemory(opts: BenchOptions): Promise<BenchResult[]> {
  const [small, large] = opts.quick ? [5, 10] : [10, 40];
  const a = await peakRss(small);
  const b = await peakRss(large);
  return [
    {
      name: `memory, --dbcache ${DBCACHE_MB}`,
      figure: b.mb,
      unit: 'MB peak RSS',
      limit: GOAL_MB,
      limitUnit: 'MB',
      ratio: b.mb / GOAL_MB,
      goal: '< 1',
      note: `child process connecting ${large}×${TXS}-tx blocks (height ${b.height}); ${a.mb.toFixed(0)} MB at ${small} blocks (height ${a.height}); blocks read from a file, not over P2P`,
    },
  ];
}
