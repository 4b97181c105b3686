// The mempool as projected blocks and fee levels, for explorers:
//   GET /api/v1/fees/mempool-blocks  mempool.space's shape: [{blockSize, blockVSize, nTx,
//                                    totalFees, medianFee, feeRange}] for up to 8 blocks
//   GET /api/mempool/fee-levels      [{from, to, count, vsize, fees}] by effective fee rate
// Both come from one projection (src/mining's projectBlocks over the real mempool entries),
// kept while the tip and the mempool's count, size and fees are unchanged, at most 2 s, or
// four times as long as it took to compute (a 100,000-tx mempool takes about 0.5 s of CPU),
// so explorers polling a huge mempool cannot keep the node busy with it.
import { COINBASE_RESERVED_WEIGHT, feeLevels, projectBlocks, weightedPercentiles, type ProjectedBlock } from '../mining/index.js';
import type { Router } from './http.js';
import type { ApiContext } from './context.js';

/** Percentiles of feeRange: min, 10th, 25th, median, 75th, 90th, max (by vsize). */
export const FEE_RANGE_FRACTIONS = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1] as const;
const MAX_AGE_MS = 2000;

export function mempoolBlockJson(b: ProjectedBlock): Record<string, unknown> {
  const rated = b.txs.map((t) => ({ rate: t.rate, vsize: t.entry.vsize }));
  const feeRange = weightedPercentiles(rated, FEE_RANGE_FRACTIONS).map(round3);
  return { blockSize: b.size, blockVSize: b.vsize, nTx: b.txs.length, totalFees: b.fees, medianFee: feeRange[3] ?? 0, feeRange };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function registerProjection(router: Router, ctx: ApiContext): void {
  let cached: { key: string; at: number; took: number; blocks: ProjectedBlock[] } | null = null;
  const projection = (): ProjectedBlock[] => {
    const i = ctx.mempool.info();
    const key = `${ctx.chain.tip.hashHex}:${i.count}:${i.vsize}:${i.totalFee}`;
    const now = ctx.clock.now();
    if (cached && now - cached.at < Math.max(cached.key === key ? MAX_AGE_MS : 0, 4 * cached.took)) return cached.blocks;
    // the weight a template leaves to transactions (header, tx count, coinbase reserve)
    const maxWeight = ctx.params.maxBlockWeight - COINBASE_RESERVED_WEIGHT - 80 * 4 - 9 * 4;
    const blocks = projectBlocks(ctx.mempool.entries(), { maxWeight, maxBlocks: 8 });
    cached = { key, at: now, took: ctx.clock.now() - now, blocks };
    return blocks;
  };
  router.get('/api/v1/fees/mempool-blocks', () => projection().map(mempoolBlockJson));
  router.get('/api/mempool/fee-levels', () => feeLevels(projection()));
}
