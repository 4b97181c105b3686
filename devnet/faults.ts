// Fault injection through each node's admin API, so it works without root: a partition
// tells every node on each side to refuse (and drop) the other side's peers, heal lifts
// all of that, latency delays one node's peer messages. The state file remembers what is
// in force so a restarted node gets the same faults back, and `heal` knows what to undo.
import { DevnetError } from './errors.js';
import { findNode, p2pUrl, peerUrl, withNode, writeState, type DevnetState, type NodeRecord } from './state.js';
import { isAlive } from './proc.js';
import { dialsOf } from './topology.js';
import type { Env } from './devnet.js';
import { NodeClient } from './api.js';
import { apiUrl } from './state.js';

function adminClient(n: NodeRecord, env: Pick<Env, 'fetch'>): NodeClient {
  return new NodeClient(apiUrl(n), { datadir: n.datadir, ...(env.fetch ? { fetch: env.fetch } : {}) });
}

function alive(n: NodeRecord): boolean {
  return n.pid !== null && isAlive(n.pid);
}

/**
 * The two sides of `partition <nodes…> [--from <nodes…>]`: the named nodes against the
 * --from nodes, or against everyone else. Refuses empty or overlapping sides.
 */
export function partitionSides(state: DevnetState, names: readonly string[], from?: readonly string[]): [string[], string[]] {
  const a = [...new Set(names.map((x) => findNode(state, x).name))];
  const b = from && from.length > 0 ? [...new Set(from.map((x) => findNode(state, x).name))] : state.nodes.map((n) => n.name).filter((x) => !a.includes(x));
  if (a.length === 0 || b.length === 0) throw new DevnetError('bad-usage', 'a partition needs nodes on both sides', 'e.g. `cairn-devnet partition node1 node2` (against all others)');
  const both = a.filter((x) => b.includes(x));
  if (both.length > 0) throw new DevnetError('bad-usage', `${both.join(', ')} cannot be on both sides of a partition`);
  return [a, b];
}

/** Adds the cut a|b to the state's partition map (symmetric). */
export function addCut(current: Readonly<Record<string, readonly string[]>> | undefined, a: readonly string[], b: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(current ?? {})) out[k] = [...v];
  const link = (x: string, y: string): void => {
    const l = (out[x] ??= []);
    if (!l.includes(y)) l.push(y);
    l.sort();
  };
  for (const x of a) for (const y of b) {
    link(x, y);
    link(y, x);
  }
  return out;
}

async function pushBlocked(state: DevnetState, name: string, env: Pick<Env, 'fetch'>): Promise<void> {
  const n = findNode(state, name);
  if (!alive(n)) return;
  // Both the plain URL (what a peer advertises and inbound links are matched by) and the
  // pinned one (what this node dials), so the node neither accepts nor dials the other side.
  const blocked = [...new Set((state.partitions?.[name] ?? []).flatMap((x) => [p2pUrl(findNode(state, x)), peerUrl(findNode(state, x))]))];
  const c = adminClient(n, env);
  if (blocked.length === 0) await c.heal();
  else await c.partition(blocked);
}

export async function partition(state: DevnetState, names: readonly string[], from: readonly string[] | undefined, env: Env): Promise<{ state: DevnetState; sides: [string[], string[]] }> {
  const sides = partitionSides(state, names, from);
  const s: DevnetState = { ...state, partitions: addCut(state.partitions, sides[0], sides[1]) };
  writeState(s, env.rng);
  await Promise.all([...sides[0], ...sides[1]].map((x) => pushBlocked(s, x, env)));
  return { state: s, sides };
}

export async function isolate(state: DevnetState, name: string, env: Env): Promise<DevnetState> {
  return (await partition(state, [name], undefined, env)).state;
}

/** Lifts every partition and reconnects the topology's links. */
export async function heal(state: DevnetState, env: Env): Promise<DevnetState> {
  const s: DevnetState = { ...state, partitions: {} };
  writeState(s, env.rng);
  const live = s.nodes.filter(alive);
  await Promise.all(live.map((n) => adminClient(n, env).heal()));
  // Nodes may have given up on dropped links; ask each to dial its topology links again.
  await Promise.all(
    live.map(async (n) => {
      for (const j of dialsOf(s.edges, n.index)) {
        const peer = s.nodes[j]!;
        if (alive(peer)) await adminClient(n, env).addPeer(peerUrl(peer)).catch(() => undefined);
      }
    }),
  );
  return s;
}

export async function latency(state: DevnetState, name: string, ms: number, env: Env): Promise<DevnetState> {
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new DevnetError('bad-usage', 'latency must be an integer number of milliseconds from 0 to 60000');
  const n = findNode(state, name);
  if (!alive(n)) throw new DevnetError('not-running', `${n.name} is not running`);
  await adminClient(n, env).latency(ms);
  const s = withNode(state, n.name, { latencyMs: ms });
  writeState(s, env.rng);
  return s;
}

/** After a restart: the node's partitions and latency, as the state file records them. */
export async function reapplyFaults(state: DevnetState, name: string, env: Pick<Env, 'fetch'>): Promise<void> {
  const n = findNode(state, name);
  if ((state.partitions?.[n.name] ?? []).length > 0) await pushBlocked(state, n.name, env);
  if (n.latencyMs) await adminClient(n, env).latency(n.latencyMs);
}
