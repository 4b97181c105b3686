// The devnet's state file (<dir>/state.json): which nodes exist, their ports, datadirs,
// wallets and last known pids. Every command reads it; `up`, `start`, `kill` and `down`
// rewrite it. Writes go to a temp file that is fsynced and renamed, so a crash or a
// concurrent reader never sees half a file. A file that does not parse or has the wrong
// shape is refused with 'state-corrupt' rather than guessed at.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bytesToHex } from '../src/primitives/bytes.js';
import type { Rng } from '../src/primitives/rng.js';
import { writeFileAtomicSync } from '../src/primitives/files.js';
import { DevnetError } from './errors.js';
import { TOPOLOGIES, type Edge, type Topology } from './topology.js';

export const STATE_VERSION = 1;
export const STATE_FILE = 'state.json';
export const DEFAULT_DIR = '.devnet';
export const DEFAULT_BASE_PORT = 18600;

export interface NodeRecord {
  /** node1, node2, … */
  readonly name: string;
  readonly index: number;
  /** Address the node listens on: 127.0.0.1, or its namespace address in hosts mode. */
  readonly host: string;
  readonly p2pPort: number;
  readonly apiPort: number;
  readonly datadir: string;
  readonly miner: boolean;
  /** The node's devnet wallet file and its first receive address (also its mining address). */
  readonly wallet: string;
  readonly address?: string;
  /** Last pid we started; null after a clean stop. May be stale after a reboot: check liveness. */
  readonly pid: number | null;
  /** Set by `kill` (SIGKILL, as a crash), cleared when the node starts again. */
  readonly killed?: boolean;
  /** Network namespace in hosts mode. */
  readonly netns?: string;
  /** Added delay on the node's peer messages, re-applied when it restarts. */
  readonly latencyMs?: number;
  /** The node's p2p identity (compressed public key, hex): what its peers pin. */
  readonly identity?: string;
}

export interface DevnetState {
  readonly version: number;
  readonly network: 'devnet';
  readonly dir: string;
  readonly basePort: number;
  readonly topology: Topology;
  readonly edges: readonly Edge[];
  readonly mode: 'local' | 'hosts';
  /** Passphrase of every devnet wallet: a devnet holds play money, the file is 0600. */
  readonly walletPassphrase: string;
  readonly createdAt: number;
  readonly nodes: readonly NodeRecord[];
  /** Hosts mode: the id and 10.X.Y network of its namespaces, bridge and veths (see hosts.ts). */
  readonly hosts?: { readonly id: string; readonly net: readonly [number, number] };
  /** Nodes each node refuses to talk to (by name), as set by partition/isolate. */
  readonly partitions?: Readonly<Record<string, readonly string[]>>;
  /**
   * A private devnet: each node starts with --allow-peers naming only its topology
   * neighbours (<datadir>/allow-peers.txt), so no outside node gets in and address gossip
   * cannot turn a line, ring or random graph into a mesh.
   */
  readonly private?: boolean;
}

export function nodeName(index: number): string {
  return `node${index + 1}`;
}

export function portsFor(basePort: number, index: number): { p2pPort: number; apiPort: number } {
  const p2pPort = basePort + 2 * index;
  const apiPort = p2pPort + 1;
  if (!Number.isInteger(basePort) || basePort < 1024 || apiPort > 65535) {
    throw new DevnetError('bad-usage', `ports ${basePort}..${apiPort} are out of range`, 'pick --base-port between 1024 and 65535 - 2 × nodes');
  }
  return { p2pPort, apiPort };
}

export function apiUrl(n: Pick<NodeRecord, 'host' | 'apiPort'>): string {
  return `http://${n.host}:${n.apiPort}`;
}

export function p2pUrl(n: Pick<NodeRecord, 'host' | 'p2pPort'>): string {
  return `ws://${n.host}:${n.p2pPort}`;
}

/** The URL a peer dials: pinned to the node's identity when it is known, so no one else can answer. */
export function peerUrl(n: Pick<NodeRecord, 'host' | 'p2pPort' | 'identity'>): string {
  return n.identity ? `${p2pUrl(n)}#${n.identity}` : p2pUrl(n);
}

export function statePath(dir: string): string {
  return join(resolve(dir), STATE_FILE);
}

export function newPassphrase(rng: Rng): string {
  return `devnet-${bytesToHex(rng.bytes(12))}`;
}

/** Atomic write: temp file, fsync, rename, fsync the directory. Mode 0600 (it holds the passphrase). */
export function writeFileAtomic(path: string, text: string, rng: Rng): void {
  writeFileAtomicSync(path, text, { rng, mkdir: true });
}

export function writeState(state: DevnetState, rng: Rng): void {
  writeFileAtomic(statePath(state.dir), JSON.stringify(state, null, 2) + '\n', rng);
}

function fail(path: string, why: string): never {
  throw new DevnetError('state-corrupt', `${path}: ${why}`, 'stop any nodes by hand if needed, then `cairn-devnet reset`');
}

const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

function checkNode(path: string, x: unknown, i: number): NodeRecord {
  if (!x || typeof x !== 'object') fail(path, `nodes[${i}] is not an object`);
  const n = x as Record<string, unknown>;
  for (const k of ['name', 'host', 'datadir', 'wallet'] as const) if (!isStr(n[k])) fail(path, `nodes[${i}].${k} must be a string`);
  for (const k of ['index', 'p2pPort', 'apiPort'] as const) if (!isInt(n[k])) fail(path, `nodes[${i}].${k} must be an integer`);
  if (typeof n.miner !== 'boolean') fail(path, `nodes[${i}].miner must be a boolean`);
  if (n.pid !== null && !isInt(n.pid)) fail(path, `nodes[${i}].pid must be an integer or null`);
  if (n.killed !== undefined && typeof n.killed !== 'boolean') fail(path, `nodes[${i}].killed must be a boolean`);
  if (n.address !== undefined && !isStr(n.address)) fail(path, `nodes[${i}].address must be a string`);
  if (n.netns !== undefined && !isStr(n.netns)) fail(path, `nodes[${i}].netns must be a string`);
  if (n.latencyMs !== undefined && !isInt(n.latencyMs)) fail(path, `nodes[${i}].latencyMs must be an integer`);
  if (n.identity !== undefined && !(isStr(n.identity) && /^0[23][0-9a-f]{64}$/.test(n.identity))) fail(path, `nodes[${i}].identity must be 66 hex digits of a compressed public key`);
  if (n.index !== i) fail(path, `nodes[${i}].index is ${String(n.index)}`);
  return n as unknown as NodeRecord;
}

export function parseState(text: string, path: string): DevnetState {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    fail(path, 'not valid JSON');
  }
  if (!j || typeof j !== 'object') fail(path, 'not an object');
  const s = j as Record<string, unknown>;
  if (s.version !== STATE_VERSION) fail(path, `unsupported version ${String(s.version)} (expected ${STATE_VERSION})`);
  if (s.network !== 'devnet') fail(path, `network must be devnet`);
  if (!isStr(s.dir) || !isStr(s.walletPassphrase)) fail(path, 'dir and walletPassphrase must be strings');
  if (!isInt(s.basePort) || !isInt(s.createdAt)) fail(path, 'basePort and createdAt must be integers');
  if (!(TOPOLOGIES as readonly unknown[]).includes(s.topology)) fail(path, `unknown topology ${String(s.topology)}`);
  if (s.mode !== 'local' && s.mode !== 'hosts') fail(path, `mode must be local or hosts`);
  if (!Array.isArray(s.nodes) || s.nodes.length === 0) fail(path, 'nodes must be a non-empty array');
  const nodes = s.nodes.map((n, i) => checkNode(path, n, i));
  if (!Array.isArray(s.edges) || !s.edges.every((e) => Array.isArray(e) && e.length === 2 && isInt(e[0]) && isInt(e[1]) && e[0] >= 0 && e[0] < e[1] && e[1] < nodes.length)) {
    fail(path, 'edges must be [a, b] pairs of node indexes with a < b');
  }
  if (s.private !== undefined && typeof s.private !== 'boolean') fail(path, 'private must be a boolean');
  if (s.hosts !== undefined) {
    const h = s.hosts as { id?: unknown; net?: unknown };
    if (!h || !isStr(h.id) || !Array.isArray(h.net) || h.net.length !== 2 || !h.net.every((x) => isInt(x) && x >= 0 && x <= 255)) fail(path, 'hosts must be {id, net: [x, y]}');
  }
  if (s.partitions !== undefined) {
    const names = new Set(nodes.map((n) => n.name));
    const p = s.partitions as Record<string, unknown>;
    if (!p || typeof p !== 'object' || !Object.entries(p).every(([k, v]) => names.has(k) && Array.isArray(v) && v.every((x) => isStr(x) && names.has(x)))) {
      fail(path, 'partitions must map node names to lists of node names');
    }
  }
  return { ...(s as unknown as DevnetState), nodes };
}

/** The state of the devnet in dir, or undefined if there is none. */
export function readState(dir: string): DevnetState | undefined {
  const path = statePath(dir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevnetError('state-corrupt', `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseState(text, path);
}

export function requireState(dir: string): DevnetState {
  const s = readState(dir);
  if (!s) throw new DevnetError('no-devnet', `no devnet in ${resolve(dir)}`, 'start one with `cairn-devnet up` (or pass --dir)');
  return s;
}

/** Finds a node by name (node2), number (2) or index-free alias; refuses unknown names. */
export function findNode(state: DevnetState, ref: string): NodeRecord {
  const r = ref.trim().toLowerCase();
  const n = state.nodes.find((x) => x.name === r || String(x.index + 1) === r);
  if (!n) throw new DevnetError('unknown-node', `no node "${ref}" in this devnet`, `nodes are ${state.nodes.map((x) => x.name).join(', ')}`);
  return n;
}

export function withNode(state: DevnetState, name: string, patch: Partial<NodeRecord>): DevnetState {
  return { ...state, nodes: state.nodes.map((n) => (n.name === name ? { ...n, ...patch } : n)) };
}
