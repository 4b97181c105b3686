// Block download starts its search at each peer's last common block (Core's
// pindexLastCommonBlock) instead of walking the whole window on every arriving block. The
// cursor must follow the peer to another branch: after syncing branch A to its tip, the
// peer reorganizes to a longer branch B that forks below it, and every block of B above
// the fork is fetched (with the cursor left on A, only B's blocks above A's height would
// be asked for, and the node would never connect them).
import { afterAll, expect, it } from '@jest/globals';
import { ChainBuilder } from '../support/chainbuilder.js';
import { Harness, params, waitFor } from '../p2p/netnode.js';

const h = new Harness();
afterAll(() => h.close());

it('fetches a longer branch that forks below the blocks already synced from the same peer', async () => {
  const builder = new ChainBuilder(params);
  const base = builder.chain(builder.genesis(), 30);
  const a = builder.chain(base.state, 30); // heights 31..60
  const b = builder.chain(base.state, 60); // heights 31..90, forking at 30
  const source = await h.node('cursor-source', { kind: 'mem', blocks: [...base.blocks, ...a.blocks] });
  // a small window and few slots: the walk crosses several batches and many requests
  const victim = await h.node('cursor-victim', { kind: 'mem', seeds: [source.url], sync: { windowSize: 40, maxInFlightPerPeer: 4 } });
  await waitFor(() => victim.chain.height === 60, 'branch A synced');
  expect(victim.chain.tip.hashHex).toBe(a.blocks.at(-1)!.hashHex());
  for (const blk of b.blocks) await source.chain.processBlock(blk);
  expect(source.chain.height).toBe(90);
  await waitFor(() => victim.chain.height === 90, 'branch B synced');
  expect(victim.chain.tip.hashHex).toBe(b.blocks.at(-1)!.hashHex());
  expect(victim.chain.getEntryAt(31)!.hashHex).toBe(b.blocks[0]!.hashHex());
});
