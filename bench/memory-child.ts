// Child process for bench/memory.ts: connects the cached spend chain into a Chain with a
// UTXO cache budget of --dbcache MB, as a node does during initial sync, and prints its
// peak resident set size as JSON. Run from dist/ (node dist/bench/memory-child.js).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../src/chain/index.js';
import { regtestParams } from '../src/consensus/index.js';
import { Block } from '../src/primitives/index.js';
import { spendChain } from './blocks.js';

function arg(name: string): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`memory-child: ${name} <positive number> is required`);
  return v;
}

const blocks = arg('--blocks');
const txs = arg('--txs');
const dbcache = arg('--dbcache');
const data = spendChain(regtestParams, blocks, txs);
const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-memory-'));
let peakSampled = 0;
const sample = (): void => {
  peakSampled = Math.max(peakSampled, process.memoryUsage.rss());
};
try {
  const chain = await Chain.open({ params: regtestParams, path: dir, cacheBytes: dbcache * 1024 * 1024 });
  for (const raw of [...data.setup, ...data.blocks]) {
    await chain.processBlock(Block.decode(raw));
    sample();
  }
  await chain.close();
  sample();
  process.stdout.write(
    JSON.stringify({ height: chain.height, maxRssBytes: process.resourceUsage().maxRSS * 1024, peakSampled, coins: blocks * txs }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
