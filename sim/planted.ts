// Planted bugs, for testing the simulator itself: each switch re-introduces a real class
// of node bug into the simulated nodes (only there: src/ is untouched), so a test can
// show that a swarm of random runs finds it and that the failure replays and shrinks.
//
//   reorg-keeps-conflicts   after a reorg the mempool skips re-checking its entries
//                           against the new chain (Core's removeForReorg missing): a
//                           child of a transaction the reorg took away stays in the pool
//                           and in every template the node builds.
import type { SimNode } from './node.js';

export const PLANTS = ['reorg-keeps-conflicts'] as const;
export type Plant = (typeof PLANTS)[number];

/** What to do to each node incarnation right after it is built. */
export function plantPatch(name: string): (n: SimNode) => void {
  switch (name) {
    case 'reorg-keeps-conflicts':
      return (n) => {
        // The private post-reorg revalidation (the mempool's accept pipeline, accept.ts)
        // becomes a no-op on this instance. If a refactor moves it, fail loudly: a plant
        // that silently patches nothing would make the swarm "find" nothing.
        const pipeline = (n.mempool as unknown as { pipeline?: { revalidate?: () => Promise<void> } }).pipeline;
        if (typeof pipeline?.revalidate !== 'function') throw new Error('planted bug reorg-keeps-conflicts: Mempool.pipeline.revalidate not found (was it moved?)');
        pipeline.revalidate = async () => undefined;
      };
    default:
      throw new Error(`unknown planted bug ${JSON.stringify(name)}: choose from ${PLANTS.join(', ')}`);
  }
}
