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
