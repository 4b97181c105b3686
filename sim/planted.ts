// Planted bugs, for testing the simulator itself: each switch re-introduces a real class
// of node bug into the simulated nodes (only there: src/ is untouched), so a test can
// show that a swarm of random runs finds it and that the failure replays and shrinks.
//
//   reorg-keeps-conflicts   after a reorg the mempool skips re-checking its entries
//                           against the new chain (Core's removeForReorg missing): a
//                           child of a transaction the reorg took away stays in the pool
//                           and in every template the node builds.
//   slow-block-announce     a node announces the blocks it connects (headers, inv and
//                           compact blocks alike) five minutes late, as if block
//                           announcements had been put on a slow batching timer: blocks
//                           still reach everyone and nodes converge once mining stops,
//                           but honest miners keep building on stale tips meanwhile.
import type { SimNode } from './node.js';

export const PLANTS = ['reorg-keeps-conflicts', 'slow-block-announce'] as const;
export type Plant = (typeof PLANTS)[number];

const ANNOUNCE_DELAY_MS = 5 * 60_000;

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
    case 'slow-block-announce':
      return (n) => {
        // Both announcers (Relay: headers/inv; CompactRelay: cmpctblock) call their private
        // announce method through `this`, so replacing it on the instance delays every
        // announcement on this node's own clock (a crashed incarnation's clock fires nothing).
        const p2p = n.p2p as unknown as Record<'relay' | 'compact', Record<string, unknown> | undefined>;
        for (const [part, method] of [['relay', 'announceTip'], ['compact', 'announce']] as const) {
          const target = p2p[part];
          const orig = target?.[method];
          if (typeof orig !== 'function') throw new Error(`planted bug slow-block-announce: P2PNode.${part}.${method} not found (was it moved?)`);
          target![method] = (c: unknown) => void n.clock.setTimeout(() => orig.call(target, c), ANNOUNCE_DELAY_MS);
        }
      };
    default:
      throw new Error(`unknown planted bug ${JSON.stringify(name)}: choose from ${PLANTS.join(', ')}`);
  }
}
