// A Chain in memory-level holding only the headers of `n` blocks on genesis (no block
// data, so its tip stays genesis): what block-download tests plan requests against.
import { MemoryLevel } from 'memory-level';
import { Chain, VerifyPool, type ChainStore } from '../../src/chain/index.js';
import type { ConsensusParams } from '../../src/consensus/index.js';
import { ManualClock, type Block } from '../../src/primitives/index.js';
import { ChainBuilder } from './chainbuilder.js';

export async function headersOnlyChain(params: ConsensusParams, n: number, pool: VerifyPool): Promise<{ chain: Chain; blocks: Block[] }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as ChainStore;
  const chain = await Chain.open({ params, path: 'mem', store, verifyPool: pool, clock });
  const b = new ChainBuilder(params);
  const { blocks } = b.chain(b.genesis(), n);
  await chain.processHeaders(blocks.map((x) => x.header));
  return { chain, blocks };
}
