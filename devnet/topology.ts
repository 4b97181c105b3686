// Who dials whom. A topology is a set of undirected links between node indexes; each
// link is dialed by its higher-indexed end, so when nodes start in order every dial goes
// to a node that is already listening. Random topologies take an rng so a seed reproduces
// them, and are always connected (a random spanning tree plus extra links).
import type { Rng } from '../src/primitives/rng.js';
import { DevnetError } from './errors.js';

export const TOPOLOGIES = ['mesh', 'line', 'ring', 'random'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** An undirected link [a, b] with a < b. */
export type Edge = readonly [number, number];

export function parseTopology(s: string): Topology {
  if ((TOPOLOGIES as readonly string[]).includes(s)) return s as Topology;
  throw new DevnetError('bad-usage', `unknown topology "${s}"`, `use one of ${TOPOLOGIES.join(', ')}`);
}

function norm(a: number, b: number): Edge {
  return a < b ? [a, b] : [b, a];
}

export function topologyEdges(n: number, kind: Topology, rng: Rng, extraLinkChance = 0.25): Edge[] {
  if (!Number.isInteger(n) || n < 1) throw new DevnetError('bad-usage', `a devnet needs at least one node (got ${n})`);
  const edges = new Map<string, Edge>();
  const add = (a: number, b: number): void => {
    if (a === b) return;
    const e = norm(a, b);
    edges.set(`${e[0]}-${e[1]}`, e);
  };
  switch (kind) {
    case 'mesh':
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) add(a, b);
      break;
    case 'line':
      for (let a = 0; a + 1 < n; a++) add(a, a + 1);
      break;
    case 'ring':
      for (let a = 0; a + 1 < n; a++) add(a, a + 1);
      if (n > 2) add(n - 1, 0);
      break;
    case 'random':
      for (let b = 1; b < n; b++) add(rng.int(b), b);
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (rng.float() < extraLinkChance) add(a, b);
      break;
  }
  return [...edges.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

export function neighboursOf(edges: readonly Edge[], i: number): number[] {
  return edges.flatMap(([a, b]) => (a === i ? [b] : b === i ? [a] : [])).sort((x, y) => x - y);
}

/** The neighbours node i dials when it starts after all lower-indexed nodes. */
export function dialsOf(edges: readonly Edge[], i: number): number[] {
  return edges.filter(([, b]) => b === i).map(([a]) => a);
}

/** Connected components of the graph, each sorted, ordered by their smallest member. */
export function components(n: number, edges: readonly Edge[]): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
  for (const [a, b] of edges) parent[find(a)] = find(b);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  }
  return [...groups.values()].sort((x, y) => x[0]! - y[0]!);
}

export function isConnected(n: number, edges: readonly Edge[]): boolean {
  return components(n, edges).length <= 1;
}
