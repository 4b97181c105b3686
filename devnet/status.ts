// What the devnet looks like right now, as rows (for --json) and as a table (for people).
// collectStatus asks every node in parallel and turns an unreachable node into a row with
// an error instead of failing the whole view. The live view redraws in place on a TTY and
// prints only changed tables otherwise, so piping `up` into a file stays readable.
import { NodeClient, type FetchFn } from './api.js';
import { isAlive } from './proc.js';
import { apiUrl, p2pUrl, type DevnetState } from './state.js';

/**
 * running: its process is alive (reachable or not); stopped: by `down` or a clean stop;
 * killed: by `cairn-devnet kill`; crashed: its process is gone though nobody stopped it.
 */
export type NodeState = 'running' | 'stopped' | 'killed' | 'crashed';

export interface NodeStatus {
  name: string;
  pid: number | null;
  running: boolean;
  state?: NodeState;
  miner: boolean;
  p2p: string;
  api: string;
  explorer: string;
  /** p2p identity the devnet pinned for this node */
  identity?: string;
  height?: number;
  tip?: string;
  peers?: number;
  mempool?: number;
  /** hashes per second, when the node reports it */
  hashrate?: number;
  error?: string;
}

export interface DevnetStatus {
  nodes: NodeStatus[];
  /** every running, reachable node reports the same tip (false when none runs) */
  tipsAgree: boolean;
  /** one line for people: agreement among the running nodes, and who is down and how */
  verdict?: string;
  /** the devnet page of the first reachable node's explorer */
  devnetPage: string;
}

export function explorerUrl(api: string): string {
  return api.replace(/\/+$/, '') + '/';
}

function hashrateOf(info: { hashrate?: unknown }): number | undefined {
  return typeof info.hashrate === 'number' && Number.isFinite(info.hashrate) ? info.hashrate : undefined;
}

export async function collectStatus(state: DevnetState, opts: { fetch?: FetchFn; timeoutMs?: number } = {}): Promise<DevnetStatus> {
  const nodes = await Promise.all(
    state.nodes.map(async (n): Promise<NodeStatus> => {
      const api = apiUrl(n);
      const running = n.pid !== null && isAlive(n.pid);
      const state: NodeState = running ? 'running' : n.pid !== null ? 'crashed' : n.killed ? 'killed' : 'stopped';
      const base: NodeStatus = { name: n.name, pid: n.pid, running, state, miner: n.miner, p2p: p2pUrl(n), api, explorer: explorerUrl(api), ...(n.identity ? { identity: n.identity } : {}) };
      try {
        const info = await new NodeClient(api, { timeoutMs: opts.timeoutMs ?? 3000, ...(opts.fetch ? { fetch: opts.fetch } : {}) }).node();
        const hr = hashrateOf(info);
        return { ...base, height: info.tip_height, tip: info.tip_hash, peers: info.peers, mempool: info.mempool_count, ...(hr !== undefined ? { hashrate: hr } : {}) };
      } catch (e) {
        return { ...base, error: base.running ? (e as Error).message : state };
      }
    }),
  );
  const first = nodes.find((n) => n.tip !== undefined);
  return { nodes, tipsAgree: tipsAgree(nodes), verdict: verdictOf(nodes), devnetPage: (first?.explorer ?? nodes[0]!.explorer) + 'devnet' };
}

/**
 * What the table means in one line. Agreement is judged among the running nodes only;
 * nodes that are down are named with how they went down, so "tips differ" means forks
 * (or partitions, or a node still syncing), never a stopped node.
 */
export function verdictOf(rows: readonly Pick<NodeStatus, 'name' | 'tip' | 'running' | 'error' | 'state'>[]): string {
  const down = rows.filter((r) => !r.running);
  const byState = (st: NodeState): string[] => down.filter((r) => (r.state ?? 'stopped') === st).map((r) => r.name);
  const downText = (['stopped', 'killed', 'crashed'] as const)
    .map((st) => [st, byState(st)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([st, names]) => `${names.join(', ')} ${st}`)
    .join('; ');
  if (down.length === rows.length) return `no node is running (${downText})`;
  const unreachable = rows.filter((r) => r.running && (r.tip === undefined || r.error !== undefined)).map((r) => r.name);
  const running = rows.length - down.length;
  const tips = new Set(rows.filter((r) => r.running && r.tip !== undefined && r.error === undefined).map((r) => r.tip));
  const head =
    unreachable.length > 0
      ? `${unreachable.join(', ')} not answering`
      : tips.size === 1
        ? running === 1 ? 'one node running' : `all ${running} running nodes agree on the tip`
        : `tips differ among the ${running} running nodes (forks, partitions or a node still syncing)`;
  return downText ? `${head}; ${downText}` : head;
}

export function tipsAgree(rows: readonly Pick<NodeStatus, 'tip' | 'running' | 'error'>[]): boolean {
  const tips = rows.filter((r) => r.tip !== undefined && r.error === undefined).map((r) => r.tip);
  return tips.length > 0 && tips.length === rows.filter((r) => r.running).length && tips.every((t) => t === tips[0]);
}

export function formatHashrate(h: number | undefined): string {
  if (h === undefined) return '-';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s'];
  let v = h;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function shortHash(h: string | undefined): string {
  return h ? `${h.slice(0, 8)}…${h.slice(-6)}` : '-';
}

/** Lays out rows of cells in aligned columns; widths ignore ANSI color codes. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  // eslint-disable-next-line no-control-regex
  const vis = (s: string): number => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, vis(c))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - vis(c)))).join('  ').trimEnd()).join('\n');
}

export interface RenderOptions {
  color?: boolean;
  /** show the explorer column */
  urls?: boolean;
}

export function renderStatus(s: DevnetStatus, o: RenderOptions = {}): string {
  const paint = (code: string, t: string): string => (o.color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const majority = new Map<string, number>();
  for (const n of s.nodes) if (n.tip) majority.set(n.tip, (majority.get(n.tip) ?? 0) + 1);
  const best = [...majority.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const header = ['node', 'pid', 'state', 'height', 'tip', 'peers', 'mempool', 'hashrate', ...(o.urls ? ['explorer'] : [])];
  const rows = s.nodes.map((n) => {
    const down = n.state === 'killed' || n.state === 'crashed' ? paint('31', n.state) : paint('2', n.state ?? 'stopped');
    const stateCell = n.error !== undefined ? (n.running ? paint('31', 'unreachable') : down) : paint('32', n.miner ? 'mining' : 'up');
    const tip = n.tip === undefined ? '-' : n.tip === best ? shortHash(n.tip) : paint('33', shortHash(n.tip));
    return [
      n.name,
      n.pid === null ? '-' : String(n.pid),
      stateCell,
      n.height === undefined ? '-' : String(n.height),
      tip,
      n.peers === undefined ? '-' : String(n.peers),
      n.mempool === undefined ? '-' : String(n.mempool),
      n.miner ? formatHashrate(n.hashrate) : '-',
      ...(o.urls ? [n.explorer] : []),
    ];
  });
  const text = s.verdict ?? verdictOf(s.nodes);
  const verdict = s.tipsAgree && !s.nodes.some((n) => !n.running) ? paint('32', text) : paint('33', text);
  return `${alignColumns([header, ...rows])}\n${verdict}`;
}

export interface Screen {
  isTTY: boolean;
  write(s: string): void;
}

/** Redraws a block of text in place on a terminal; elsewhere prints it again only when it changed. */
export class LiveView {
  private lines = 0;
  private last = '';

  constructor(private readonly screen: Screen) {}

  show(text: string): void {
    if (this.screen.isTTY) {
      const up = this.lines > 0 ? `\x1b[${this.lines}A\r\x1b[0J` : '';
      this.screen.write(up + text + '\n');
      this.lines = text.split('\n').length;
    } else if (text !== this.last) {
      this.screen.write(text + '\n\n');
    }
    this.last = text;
  }

  /** Forget the drawn block, so later output starts below it. */
  release(): void {
    this.lines = 0;
  }
}
