// Child process for the crash test: opens the chain, feeds it a block script from a file,
// prints the height after each block, and the UTXO digest at the end. The parent kills it
// with SIGKILL at random moments and restarts it.
import { readFileSync } from 'node:fs';
import { Chain } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { Block, BufReader } from '../../src/primitives/index.js';

async function main(): Promise<void> {
  const [datadir, script] = process.argv.slice(2) as [string, string];
  const r = new BufReader(new Uint8Array(readFileSync(script)));
  const blocks: Block[] = [];
  while (r.remaining > 0) blocks.push(Block.decode(r.bytes(r.u32())));
  const chain = await Chain.open({ params: getParams('regtest'), path: datadir, cacheBytes: 20_000, flushIntervalMs: 0 });
  process.stdout.write(`open ${chain.height}\n`);
  for (const b of blocks) {
    await chain.processBlock(b);
    process.stdout.write(`h ${chain.height}\n`);
  }
  const stats = (await chain.utxoStats());
  await chain.close();
  process.stdout.write(`done ${stats.height} ${stats.digest}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
