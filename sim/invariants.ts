// Invariants over live nodes, computed from the oracle's coin sets (never the node's own
// chain state): a mempool holds no two spends of one coin and spends only coins that
// exist at its node's tip or are created by other entries; and how far honest tips have
// forked from the best one.
import { hashToHex } from '../src/primitives/index.js';
import type { SimNode } from './node.js';
import type { Oracle } from './oracle.js';

/** Problems with a node's mempool against its own chain, one line each. */
export function checkMempool(n: SimNode, oracle: Oracle): string[] {
  const tip = n.chain.tip.hashHex;
  if (!oracle.has(tip)) return [];
  const state = oracle.stateOf(tip);
  const problems: string[] = [];
  const inPool = new Set<string>();
  for (const e of n.mempool.entries()) inPool.add(e.txidHex);
  const spent = new Map<string, string>();
  for (const e of n.mempool.entries()) {
    if (oracle.txBlocks.get(e.txidHex)?.some((b) => onBranch(oracle, tip, b))) problems.push(`${e.txidHex} is already in the chain`);
    for (const i of e.tx.inputs) {
      const k = `${hashToHex(i.prevout.txid)}:${i.prevout.vout}`;
      const other = spent.get(k);
      if (other) problems.push(`${e.txidHex} and ${other} both spend ${k}`);
      spent.set(k, e.txidHex);
      if (!state.has(k) && !inPool.has(hashToHex(i.prevout.txid))) problems.push(`${e.txidHex} spends ${k}, which is neither a coin at tip ${n.chain.height} nor in the pool`);
    }
  }
  return problems;
}

function onBranch(oracle: Oracle, tip: string, block: string): boolean {
  const h = oracle.height(block);
  const th = oracle.height(tip);
  if (h === undefined || th === undefined || h > th) return false;
  let x: string | undefined = tip;
  for (let i = th; x && i > h; i--) x = oracle.parentOf(x);
  return x === block;
}

/** The most blocks any node has on its tip that are not on the best (highest) tip's chain. */
export function forkDepths(nodes: SimNode[], oracle: Oracle): number {
  let best: string | undefined;
  let bestH = -1;
  for (const n of nodes) {
    const h = n.chain.tip.hashHex;
    const height = oracle.height(h);
    if (height !== undefined && height > bestH) {
      best = h;
      bestH = height;
    }
  }
  if (!best) return 0;
  let max = 0;
  for (const n of nodes) {
    const h = n.chain.tip.hashHex;
    if (!oracle.has(h)) continue;
    const d = oracle.height(h)! - oracle.height(oracle.ancestor(h, best))!;
    if (d > max) max = d;
  }
  return max;
}

/** Orphan pools' limits as configured by default in src (mempool/orphans.ts, chain/orphans.ts). */
const MEMPOOL_ORPHANS = 100;
const CHAIN_ORPHANS = 200;

/**
 * Memory per node stays bounded: what a peer can make a node hold is capped. Its block
 * index holds only headers with real proof of work that connect: the blocks this world
 * mined, and the header-only branches attackers sent (at regtest's trivial target a
 * 2,000-header branch from block 1 is more work than the chain, so a node rightly keeps
 * it; unconnected headers it must never keep). Its orphan pools stay within their limits.
 */
export function checkMemory(n: SimNode, oracle: Oracle, validHeadersSent = 0): string[] {
  const problems: string[] = [];
  const index = (n.chain as unknown as { index?: { entries?: Map<string, unknown> } }).index?.entries;
  if (!(index instanceof Map)) throw new Error('sim memory invariant: Chain.index.entries not found (was it moved?)');
  const bound = oracle.size + validHeadersSent;
  if (index.size > bound) problems.push(`block index holds ${index.size} headers, but only ${oracle.size} blocks were mined in this world and ${validHeadersSent} headers with valid proof of work were sent without blocks`);
  if (n.mempool.orphanCount > MEMPOOL_ORPHANS) problems.push(`mempool holds ${n.mempool.orphanCount} orphans (limit ${MEMPOOL_ORPHANS})`);
  if (n.chain.orphanCount > CHAIN_ORPHANS) problems.push(`chain holds ${n.chain.orphanCount} orphan blocks (limit ${CHAIN_ORPHANS})`);
  return problems;
}

/**
 * The chain keeps growing at the expected rate while a majority is connected. Of the
 * honest blocks mined while no partition was in force (`whole`), those in the final
 * chain (`kept`) must be at least what a healthy network keeps, less three standard
 * deviations of a binomial draw, less one. What a healthy network may lose:
 *  - `BASE_LOSS` (10 %) for natural races, slow links and blocks mined just before a crash
 *    (swarm seeds 1–100 without a plant, 2026-12-03: with no attacker and 10 blocks or
 *    more, the worst kept 37 of 40, seed 90);
 *  - the attackers' share of the hash power (`hostileShare`, at most 20 % here): a selfish
 *    miner with share α orphans fewer than α of the honest blocks (Eyal & Sirer 2014), and
 *    header and transaction spam slow relay but orphan nothing on their own.
 * A node that stops relaying blocks, announces them late or refuses valid ones makes the
 * honest miners fork among themselves: most of their blocks go stale and this fails, even
 * when every node converges once mining stops (the convergence checks pass then).
 * Under `MIN_BLOCKS` blocks the normal approximation is poor and the check is skipped.
 */
export const BASE_LOSS = 0.1;
export const MIN_BLOCKS = 10;

export function checkGrowth(g: { whole: number; kept: number; hostileShare: number }): string | undefined {
  if (g.whole < MIN_BLOCKS) return undefined;
  const p = Math.min(1, BASE_LOSS + g.hostileShare);
  const floor = g.whole * (1 - p) - 3 * Math.sqrt(g.whole * p * (1 - p)) - 1;
  if (g.kept >= floor) return undefined;
  return `only ${g.kept} of ${g.whole} honest blocks mined while the network was whole are in the final chain (at least ${Math.ceil(floor)} expected: loss allowance ${(p * 100).toFixed(0)} % less 3 standard deviations)`;
}
