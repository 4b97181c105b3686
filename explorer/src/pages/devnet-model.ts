// The devnet view's arithmetic, kept free of the DOM so it is tested directly: which nodes
// are linked (a peer entry carrying the other node's identity), which tip the majority
// holds and who disagrees, and how long each recent block took to reach each node.
import type { NodeInfo, PeerInfo, TreeBlock } from '../api.js';

export interface NodeView {
  url: string;
  info: NodeInfo | null;
  peers: PeerInfo[];
  blocks: TreeBlock[];
  error?: string;
}

export interface DevnetAnalysis {
  edges: Array<[number, number]>;
  /** the tip hash most reachable nodes agree on (ties: the higher tip, then the lower hash) */
  consensusTip: string | null;
  disagree: boolean[];
  propagation: Array<{ hash: string; height: number; delays: Array<number | null> }>;
}

export function analyzeDevnet(nodes: readonly NodeView[], maxBlocks = 10): DevnetAnalysis {
  const edges: Array<[number, number]> = [];
  for (let a = 0; a < nodes.length; a++)
    for (let b = a + 1; b < nodes.length; b++) {
      const ia = nodes[a]!.info?.identity;
      const ib = nodes[b]!.info?.identity;
      const aSeesB = ib !== undefined && nodes[a]!.peers.some((p) => p.identity === ib);
      const bSeesA = ia !== undefined && nodes[b]!.peers.some((p) => p.identity === ia);
      if (aSeesB || bSeesA) edges.push([a, b]);
    }
  const votes = new Map<string, { n: number; height: number }>();
  for (const n of nodes) {
    if (!n.info) continue;
    const v = votes.get(n.info.tip_hash) ?? { n: 0, height: n.info.tip_height };
    v.n++;
    votes.set(n.info.tip_hash, v);
  }
  let consensusTip: string | null = null;
  let best: { n: number; height: number } | null = null;
  for (const [hash, v] of votes) {
    if (!best || v.n > best.n || (v.n === best.n && (v.height > best.height || (v.height === best.height && hash < consensusTip!)))) {
      best = v;
      consensusTip = hash;
    }
  }
  const disagree = nodes.map((n) => n.info === null || n.info.tip_hash !== consensusTip);

  const seen = new Map<string, { height: number; at: Array<number | null> }>();
  nodes.forEach((n, i) => {
    for (const b of n.blocks) {
      let e = seen.get(b.hash);
      if (!e) {
        e = { height: b.height, at: nodes.map(() => null) };
        seen.set(b.hash, e);
      }
      e.at[i] = typeof b.received_at === 'number' ? b.received_at : null;
    }
  });
  // the genesis block is built into every node, never received: it has no delay to show
  const propagation = [...seen.entries()]
    .filter(([, e]) => e.height > 0)
    .sort((x, y) => y[1].height - x[1].height || (x[0] < y[0] ? -1 : 1))
    .slice(0, maxBlocks)
    .map(([hash, e]) => {
      const known = e.at.filter((t): t is number => t !== null);
      const first = known.length ? Math.min(...known) : 0;
      return { hash, height: e.height, delays: e.at.map((t) => (t === null ? null : t - first)) };
    });
  return { edges, consensusTip, disagree, propagation };
}
