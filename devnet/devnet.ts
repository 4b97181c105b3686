// The commands behind the CLI, as functions over the state file: up, down, reset, start,
// kill, mine, tx. Each reads the state, acts on real processes and writes the state back
// after every change of a pid, so an interrupted command leaves a state that `down` can
// still clean up. Progress goes through a callback; nothing here prints or exits.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Rng } from '../src/primitives/rng.js';
import { NodeClient, type FetchFn } from './api.js';
import { DevnetError } from './errors.js';
import { reapplyFaults } from './faults.js';
import { allowListPath, ensureIdentity, writeAllowList } from './identity.js';
import { killNode, launchNode, stopNode, type Progress, type Tools } from './launcher.js';
import { isAlive, sleep } from './proc.js';
import {
  DEFAULT_BASE_PORT,
  DEFAULT_DIR,
  apiUrl,
  findNode,
  newPassphrase,
  nodeName,
  portsFor,
  readState,
  requireState,
  withNode,
  writeState,
  type DevnetState,
  type NodeRecord,
} from './state.js';
import { neighboursOf, topologyEdges, type Topology } from './topology.js';
import { createWallet, walletNewAddress, walletSend, type WalletContext } from './wallets.js';

/** Devnet consensus: a coinbase is spendable 20 blocks on; wallets wait one more (Core's rule). */
export const DEVNET_MATURITY = 20;

export interface Env {
  readonly tools: Tools;
  readonly rng: Rng;
  readonly progress: Progress;
  readonly fetch?: FetchFn;
}

export interface UpOptions {
  nodes?: number;
  miners?: number;
  topology?: Topology;
  dir?: string;
  basePort?: number;
  minerThreads?: number;
  /** Mine the funding blocks (one per wallet + maturity) before returning. Default true. */
  fund?: boolean;
  /** Turn on the background miners at the end. Default true. */
  startMiners?: boolean;
  readyTimeoutMs?: number;
  /** Hosts mode: the namespace and address for each node (from hosts.ts). */
  hosts?: readonly { netns: string; host: string }[];
  hostsInfo?: { id: string; net: readonly [number, number] };
  /**
   * Private (default): every node starts with --allow-peers listing the devnet's own
   * identities, so no outside node can connect in. false lets anyone who can reach the
   * p2p ports join (links between devnet nodes stay pinned either way).
   */
  private?: boolean;
}

/** Indexes of the mining nodes: spread out, so a 2|1 split has a miner on each side. */
export function minerIndexes(n: number, m: number): number[] {
  if (!Number.isInteger(m) || m < 0 || m > n) throw new DevnetError('bad-usage', `--miners must be between 0 and ${n}`);
  if (m === 0) return [];
  if (m === 1) return [0];
  return [...new Set(Array.from({ length: m }, (_, i) => Math.round((i * (n - 1)) / (m - 1))))];
}

export function defaultMiners(n: number): number {
  return Math.min(2, n);
}

export function planDevnet(o: UpOptions, rng: Rng, now: number): DevnetState {
  const n = o.nodes ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new DevnetError('bad-usage', `--nodes must be an integer from 1 to 64 (got ${o.nodes})`);
  const dir = resolve(o.dir ?? DEFAULT_DIR);
  const basePort = o.basePort ?? DEFAULT_BASE_PORT;
  const miners = new Set(minerIndexes(n, o.miners ?? defaultMiners(n)));
  const topology = o.topology ?? 'mesh';
  if (o.hosts && o.hosts.length !== n) throw new DevnetError('bad-usage', `hosts plan has ${o.hosts.length} entries for ${n} nodes`);
  const nodes: NodeRecord[] = Array.from({ length: n }, (_, i) => {
    const name = nodeName(i);
    const h = o.hosts?.[i];
    // In hosts mode every node has its own address, so all use the same two ports.
    const ports = portsFor(basePort, h ? 0 : i);
    return {
      name, index: i, host: h?.host ?? '127.0.0.1', ...ports, datadir: join(dir, name),
      miner: miners.has(i), wallet: join(dir, name, 'wallet.json'), pid: null, ...(h ? { netns: h.netns } : {}),
    };
  });
  return {
    version: 1, network: 'devnet', dir, basePort, topology, edges: topologyEdges(n, topology, rng), mode: o.hosts ? 'hosts' : 'local',
    walletPassphrase: newPassphrase(rng), createdAt: now, nodes, ...(o.hostsInfo ? { hosts: o.hostsInfo } : {}),
    ...(o.private !== false ? { private: true } : {}),
  };
}

/**
 * Gives every node its identity before any of them starts (an existing identity.key is
 * read, not replaced) and, in a private devnet, writes each node's allow-list: its
 * topology neighbours. cairnd reads --allow-peers once at start, so the list must already
 * name the nodes that will dial in.
 */
export function prepareIdentities(state: DevnetState, rng: Rng): DevnetState {
  const nodes = state.nodes.map((n) => ({ ...n, identity: ensureIdentity(n.datadir, rng) }));
  if (state.private) {
    for (const n of nodes) {
      const allowed = neighboursOf(state.edges, n.index).map((j) => ({ name: nodes[j]!.name, identity: nodes[j]!.identity }));
      writeAllowList(allowListPath(n), allowed, rng);
    }
  }
  return { ...state, nodes };
}

export function walletCtx(state: DevnetState, env: Env): WalletContext {
  return { tools: env.tools, passphrase: state.walletPassphrase };
}

export function client(n: NodeRecord, env: Pick<Env, 'fetch'>, timeoutMs?: number): NodeClient {
  return new NodeClient(apiUrl(n), { datadir: n.datadir, ...(env.fetch ? { fetch: env.fetch } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

export function running(state: DevnetState): NodeRecord[] {
  return state.nodes.filter((n) => n.pid !== null && isAlive(n.pid));
}

/** Starts a devnet (or resumes a stopped one in the same dir). Returns the saved state. */
export async function up(o: UpOptions, env: Env): Promise<DevnetState> {
  const dir = resolve(o.dir ?? DEFAULT_DIR);
  const existing = readState(dir);
  if (existing) {
    const live = running(existing);
    if (live.length > 0) {
      throw new DevnetError('already-running', `a devnet is already running in ${dir} (${live.map((n) => n.name).join(', ')})`, '`cairn-devnet status`, or `cairn-devnet down` first');
    }
    env.progress(`resuming the stopped devnet in ${dir} (${existing.nodes.length} nodes; \`cairn-devnet reset\` starts a fresh one)`);
    return resume(existing, o, env);
  }
  let state = planDevnet({ ...o, dir }, env.rng, Date.now());
  writeState(state, env.rng);
  env.progress(`creating ${state.nodes.length} wallets`);
  const ctx = walletCtx(state, env);
  const addresses = await Promise.all(state.nodes.map((n) => createWallet(ctx, n.wallet)));
  state = prepareIdentities({ ...state, nodes: state.nodes.map((n, i) => ({ ...n, address: addresses[i]! })) }, env.rng);
  writeState(state, env.rng);
  for (const n of state.nodes) {
    env.progress(`starting ${n.name} (p2p ${n.p2pPort}, api ${apiUrl(n)})`);
    const pid = await launchNode(state, n.name, { tools: env.tools, progress: env.progress, ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}), ...(env.fetch ? { fetch: env.fetch } : {}) });
    state = withNode(state, n.name, { pid, killed: undefined });
    writeState(state, env.rng);
  }
  await waitConnected(state, env, 30_000);
  if (o.fund !== false) await fund(state, env);
  if (o.startMiners !== false) await setMiners(state, env, true, o.minerThreads ?? 1);
  return state;
}

async function resume(state: DevnetState, o: UpOptions, env: Env): Promise<DevnetState> {
  let s = prepareIdentities(state, env.rng);
  writeState(s, env.rng);
  for (const n of s.nodes) {
    env.progress(`starting ${n.name}`);
    s = await startNode(s, n.name, env, { mine: n.miner && o.startMiners !== false, minerThreads: o.minerThreads ?? 1, dialAll: false });
  }
  await waitConnected(s, env, 30_000);
  return s;
}

/** Waits until every running node has at least one peer (when there is anyone to peer with). */
export async function waitConnected(state: DevnetState, env: Env, timeoutMs: number): Promise<void> {
  const live = running(state);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      live.map(async (n) => {
        const want = Math.min(1, neighboursOf(state.edges, n.index).filter((j) => live.includes(state.nodes[j]!)).length);
        const info = await client(n, env, 3000).node().catch(() => undefined);
        return (info?.peers ?? 0) >= want;
      }),
    );
    if (counts.every(Boolean)) return;
    if (Date.now() > end) throw new DevnetError('timeout', `nodes did not connect within ${timeoutMs / 1000} s`, 'see each node\'s cairnd.log');
    await sleep(300);
  }
}

/** Waits until all running nodes report the same tip; returns it. */
export async function waitTipsAgree(state: DevnetState, env: Pick<Env, 'fetch'>, timeoutMs: number, minHeight = 0): Promise<{ height: number; hash: string }> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const infos = await Promise.all(running(state).map((n) => client(n, env, 3000).node().catch(() => undefined)));
    if (infos.length > 0 && infos.every((i) => i && i.tip_hash === infos[0]!.tip_hash && i.tip_height >= minHeight)) {
      return { height: infos[0]!.tip_height, hash: infos[0]!.tip_hash };
    }
    last = infos.map((i, k) => `${running(state)[k]!.name}@${i ? i.tip_height : '?'}`).join(' ');
    if (Date.now() > end) throw new DevnetError('timeout', `tips did not agree within ${Math.round(timeoutMs / 1000)} s (${last})`);
    await sleep(250);
  }
}

/**
 * Mines one block to every wallet, then enough blocks on top for the last one to mature in
 * the wallets' eyes (maturity + 1 confirmations), all through node1's admin endpoint, so
 * every wallet holds spendable coins when `up` returns. Skipped if the chain is past that.
 */
export async function fund(state: DevnetState, env: Env): Promise<void> {
  const n0 = running(state)[0];
  if (!n0) throw new DevnetError('not-running', 'no running node to mine the funding blocks');
  const c = client(n0, env);
  const need = state.nodes.length + DEVNET_MATURITY;
  const start = await c.tipHeight();
  if (start >= need) return;
  const t0 = Date.now();
  for (let h = start + 1; h <= need; h++) {
    const target = h <= state.nodes.length ? state.nodes[h - 1]! : state.nodes[(h - 1) % state.nodes.length]!;
    await c.mine(1, target.address!);
    env.progress(`funding wallets: block ${h}/${need} (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  await waitTipsAgree(state, env, 60_000, need);
}

export async function setMiners(state: DevnetState, env: Env, enabled: boolean, threads = 1): Promise<void> {
  for (const n of running(state).filter((x) => x.miner)) {
    await client(n, env).setMiner({ enabled, ...(enabled ? { address: n.address!, threads } : {}) });
  }
}

export interface StartOptions {
  mine?: boolean;
  minerThreads?: number;
  /** A restart dials all neighbours (default), a first start only lower-indexed ones. */
  dialAll?: boolean;
  readyTimeoutMs?: number;
}

/** Starts one stopped node, re-applies its partitions and latency, and saves its pid. */
export async function startNode(state: DevnetState, name: string, env: Env, o: StartOptions = {}): Promise<DevnetState> {
  const n = findNode(state, name);
  const pid = await launchNode(state, n.name, {
    tools: env.tools, progress: env.progress, dialAll: o.dialAll ?? true, mine: o.mine ?? n.miner, minerThreads: o.minerThreads ?? 1,
    ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}), ...(env.fetch ? { fetch: env.fetch } : {}),
  });
  const s = withNode(state, n.name, { pid, killed: undefined });
  writeState(s, env.rng);
  await reapplyFaults(s, n.name, env);
  return s;
}

export async function kill(state: DevnetState, name: string, env: Env): Promise<DevnetState> {
  const n = findNode(state, name);
  await killNode(n);
  const s = withNode(state, n.name, { pid: null, killed: true });
  writeState(s, env.rng);
  return s;
}

/** Stops every node cleanly (in parallel); the datadirs and wallets stay for the next `up`. */
export async function down(dir: string, env: Env): Promise<DevnetState | undefined> {
  const state = readState(dir);
  if (!state) return undefined;
  const results = await Promise.all(state.nodes.map(async (n) => [n.name, await stopNode(n, env.fetch ? { fetch: env.fetch } : {})] as const));
  for (const [name, how] of results) if (how !== 'not-running') env.progress(`${name}: stopped (${how})`);
  const s: DevnetState = { ...state, nodes: state.nodes.map((n) => ({ ...n, pid: null })) };
  writeState(s, env.rng);
  return s;
}

/** down, then delete the devnet directory (chains, wallets, logs, state). */
export async function reset(dir: string, env: Env): Promise<void> {
  const state = await down(dir, env);
  const root = resolve(dir);
  if (state && resolve(state.dir) !== root) throw new DevnetError('state-corrupt', `state in ${root} names another dir ${state.dir}`);
  rmSync(root, { recursive: true, force: true });
}

export async function mine(state: DevnetState, name: string, blocks: number, env: Env): Promise<{ height: number }> {
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > 1000) throw new DevnetError('bad-usage', '--blocks must be an integer from 1 to 1000');
  const n = findNode(state, name);
  if (n.pid === null || !isAlive(n.pid)) throw new DevnetError('not-running', `${n.name} is not running`, `\`cairn-devnet start ${n.name}\``);
  const c = client(n, env);
  for (let i = 1; i <= blocks; i++) {
    await c.mine(1, n.address!);
    if (blocks > 1) env.progress(`${n.name}: mined ${i}/${blocks}`);
  }
  return { height: await c.tipHeight() };
}

/** Pays `amount` from one node's wallet to a fresh address of another's, through the sender's node. */
export async function pay(state: DevnetState, from: string, to: string, amount: string, env: Env): Promise<{ txid: string; address: string }> {
  const a = findNode(state, from);
  const b = findNode(state, to);
  for (const n of [a, b]) if (n.pid === null || !isAlive(n.pid)) throw new DevnetError('not-running', `${n.name} is not running`);
  const ctx = walletCtx(state, env);
  const address = await walletNewAddress(ctx, apiUrl(b), b.wallet);
  const txid = await walletSend(ctx, apiUrl(a), a.wallet, address, amount);
  return { txid, address };
}

export function requireDevnet(dir: string | undefined): DevnetState {
  return requireState(dir ?? DEFAULT_DIR);
}
