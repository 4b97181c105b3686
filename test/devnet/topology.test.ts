// The random topology against live nodes, driven through the CLI as a person would: a
// seeded 4-node random devnet (`up --topology random --seed S --detach`) must come up with
// exactly the links the seed gives, each authenticated as the neighbour's recorded
// identity, and keep them: address gossip tells every node about every other, but each
// node's allow-list names only its neighbours, so the graph does not fill in to a mesh.
// Blocks mined at one end must reach every node across the multi-hop graph.
// No funding and no background miners: the scenario needs neither, and it keeps this fast.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../../src/primitives/rng.js';
import * as dn from '../../devnet/devnet.js';
import { logPath } from '../../devnet/launcher.js';
import { readState, type DevnetState } from '../../devnet/state.js';
import { isConnected, neighboursOf, topologyEdges } from '../../devnet/topology.js';
import { cli, freeBasePort, requireBuild, testEnv, until } from './helpers.js';

const SEED = 2;

/** Hop counts from node `from` to every node (BFS). */
function hops(n: number, edges: readonly (readonly [number, number])[], from: number): number[] {
  const d = Array.from({ length: n }, () => -1);
  d[from] = 0;
  const q = [from];
  while (q.length > 0) {
    const x = q.shift()!;
    for (const y of neighboursOf(edges, x)) if (d[y] === -1) (d[y] = d[x]! + 1), q.push(y);
  }
  return d;
}
const env = testEnv();
let dir: string;
let state: DevnetState;

beforeAll(async () => {
  requireBuild();
  dir = join(mkdtempSync(join(tmpdir(), 'cairn-devnet-random-')), 'dn');
  const base = await freeBasePort(8);
  const r = await cli(['up', '--detach', '--nodes', '4', '--topology', 'random', '--seed', String(SEED), '--miners', '0', '--no-fund', '--base-port', String(base), '--dir', dir]);
  if (r.code !== 0) throw new Error(`up failed (${r.code}): ${r.err}`);
  state = readState(dir)!;
}, 120_000);

afterAll(async () => {
  if (dir) {
    await cli(['reset', '--dir', dir]);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}, 60_000);

describe('random topology, live', () => {
  it('links exactly the seeded graph, each link pinned to the recorded identity', async () => {
    const expected = topologyEdges(4, 'random', seededRng(SEED));
    // the seed gives a connected graph, far from a mesh: some nodes are 3 hops apart
    expect(isConnected(4, expected)).toBe(true);
    expect(expected.length).toBeLessThan(6);
    expect(Math.max(...state.nodes.map((n) => Math.max(...hops(4, expected, n.index))))).toBe(3);
    expect(state.edges).toEqual(expected);
    for (const n of state.nodes) {
      const want = neighboursOf(state.edges, n.index).map((j) => state.nodes[j]!.identity).sort();
      await until(`${n.name}'s peers to be its neighbours ${JSON.stringify(want)}`, 30_000, async () => {
        const seen = [...new Set((await dn.client(n, env, 30_000).peers()).map((p) => p.identity))].sort();
        return JSON.stringify(seen) === JSON.stringify(want);
      });
    }
  }, 90_000);

  it('keeps to the graph while address gossip runs (non-neighbours are refused)', async () => {
    // A node learns the others' addresses from its peers within seconds and dials them;
    // those dials must be refused by the allow-lists. Wait until one has been, then check
    // the links again.
    const ids = new Set(state.nodes.map((n) => n.identity));
    const refusal = /NotAllowed: peer identity (0[23][0-9a-f]{64}) is not on the allow-list/;
    const refused = await until('a non-neighbour refused by an allow-list', 30_000, async () => {
      for (const n of state.nodes) {
        const m = refusal.exec(readFileSync(logPath(n), 'utf8'));
        if (m) return { by: n, who: m[1]! };
      }
      return undefined;
    });
    // the refused dialler is a devnet node that is not the refuser's neighbour
    expect(ids.has(refused.who)).toBe(true);
    const dialler = state.nodes.find((n) => n.identity === refused.who)!;
    expect(neighboursOf(state.edges, refused.by.index)).not.toContain(dialler.index);
    for (const n of state.nodes) {
      const want = neighboursOf(state.edges, n.index).map((j) => state.nodes[j]!.identity).sort();
      const seen = [...new Set((await dn.client(n, env, 30_000).peers()).map((p) => p.identity))].sort();
      expect(seen).toEqual(want);
    }
  }, 60_000);

  it('carries blocks mined at one node to every node across the graph', async () => {
    // mine at one end of the longest path, so blocks must be relayed hop by hop
    const far = state.nodes.find((n) => Math.max(...hops(4, state.edges, n.index)) === 3)!;
    const r = await cli(['mine', far.name, '--blocks', '3', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${far.name} at height 3`);
    const tip = await dn.waitTipsAgree(state, env, 60_000, 3);
    expect(tip.height).toBe(3);
    const st = await cli(['status', '--json', '--dir', dir]);
    const rows = (JSON.parse(st.out) as { nodes: { height: number; tip: string }[]; tipsAgree: boolean });
    expect(rows.tipsAgree).toBe(true);
    expect(rows.nodes.map((x) => x.height)).toEqual([3, 3, 3, 3]);
  }, 90_000);
});
