// Start-up: time for Chain.open on a datadir holding an N-block chain that was closed
// cleanly, i.e. a node restart. The chainstate tip on disk equals the block tip, so no
// block may be replayed; the figure is loading the block index and the UTXO statistics.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../src/chain/index.js';
import { regtestParams } from '../src/consensus/index.js';
import { Block } from '../src/primitives/index.js';
import { cacheDir, emptyChain } from './blocks.js';
import { secondsSince, type BenchOptions, type BenchResult } from './types.js';

/** A cached datadir with `n` blocks on top of genesis (built once). */
async function datadir(n: number, pool: VerifyPool): Promise<string> {
  const dir = join(cacheDir(), `startup-${regtestParams.name}-${n}-v1`);
  if (existsSync(join(dir, 'READY'))) return dir;
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const chain = await Chain.open({ params: regtestParams, path: building, verifyPool: pool });
  for (const raw of emptyChain(regtestParams, n)) await chain.processBlock(Block.decode(raw));
  await chain.close();
  writeFileSync(join(building, 'READY'), `${n}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return dir;
}

export async function benchStartup(opts: BenchOptions): Promise<BenchResult[]> {
  const n = opts.quick ? 2000 : 10_000;
  const pool = new VerifyPool();
  try {
    const source = await datadir(n, pool);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-startup-'));
      try {
        cpSync(source, dir, { recursive: true });
        let connects = 0;
        const start = process.hrtime.bigint();
        const chain = await Chain.open({ params: regtestParams, path: dir, verifyPool: pool });
        times.push(secondsSince(start));
        chain.on('connect', () => connects++);
        if (chain.height !== n) throw new Error(`bench: restarted at height ${chain.height}, expected ${n}`);
        await chain.close();
        if (connects !== 0) throw new Error('bench: blocks were connected after open');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    times.sort((a, b) => a - b);
    return [
      {
        name: `start-up (${n.toLocaleString('en-US')} blocks)`,
        figure: times[1]!,
        unit: 's',
        limit: null,
        ratio: null,
        goal: '< 2 s',
        note: `median of 3 restarts (Chain.open to a loaded tip); chain of coinbase-only blocks; min ${times[0]!.toFixed(3)} s`,
      },
    ];
  } finally {
    await pool.close();
  }
}
