// Starting and stopping cairnd processes. Each node runs detached in its own process group
// (so Ctrl-C in the terminal reaches only cairn-devnet, which then stops the nodes in
// order) with stdout/stderr appended to <datadir>/cairnd.log. A start is complete when the
// node's API answers /api/node with network "devnet"; a node that exits first fails the
// start with the tail of its log. Stopping asks the node to shut down through the admin
// API and escalates to SIGTERM, then SIGKILL, only if it does not exit in time.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { NodeClient, type FetchFn, type NodeInfo } from './api.js';
import { DevnetError } from './errors.js';
import { allowListPath } from './identity.js';
import { isAlive, signal, sleep, waitExit } from './proc.js';
import { apiUrl, findNode, p2pUrl, peerUrl, type DevnetState, type NodeRecord } from './state.js';
import { dialsOf, neighboursOf } from './topology.js';

/** Where the programs are. `root` is the package root (holding bin/ and dist/). */
export interface Tools {
  readonly node: string;
  readonly cairnd: string;
  readonly wallet: string;
}

export function toolsAt(root: string): Tools {
  return { node: process.execPath, cairnd: join(root, 'bin', 'cairnd.js'), wallet: join(root, 'bin', 'cairn-wallet.js') };
}

export type Progress = (line: string) => void;

export interface LaunchOptions {
  tools: Tools;
  /** Dial every neighbour, not only lower-indexed ones (a restart: the others are already up). */
  dialAll?: boolean;
  progress?: Progress;
  readyTimeoutMs?: number;
  /** Whether the node mines from the start (restarts of a mining node; `up` enables miners after funding). */
  mine?: boolean;
  minerThreads?: number;
  logLevel?: string;
  fetch?: FetchFn;
}

export function logPath(n: NodeRecord): string {
  return join(n.datadir, 'cairnd.log');
}

/** cairnd's command line for node n of the devnet. */
export function cairndArgs(state: DevnetState, n: NodeRecord, o: Pick<LaunchOptions, 'dialAll' | 'mine' | 'minerThreads' | 'logLevel'>): string[] {
  const args = ['--network', 'devnet', '--datadir', n.datadir, '--p2p-port', String(n.p2pPort), '--api-port', String(n.apiPort), '--api-host', n.host,
    // listen (and advertise) on the node's own address: partitions match peers by it
    '--p2p-host', n.host, '--advertise', p2pUrl(n), '--dbcache', '32', '--verify-threads', '1', '--name', n.name];
  const dial = o.dialAll ? neighboursOf(state.edges, n.index) : dialsOf(state.edges, n.index);
  // pinned: the handshake fails unless the neighbour presents the identity we recorded
  for (const j of dial) args.push('--peer', peerUrl(state.nodes[j]!));
  if (state.private) args.push('--allow-peers', allowListPath(n));
  for (const other of state.nodes) if (other.name !== n.name) args.push('--sibling', apiUrl(other));
  if (o.mine) {
    if (!n.address) throw new DevnetError('wallet-error', `${n.name} has no wallet address to mine to`);
    args.push('--mine', '--miner-address', n.address, '--miner-threads', String(o.minerThreads ?? 1));
  }
  args.push('--log-level', o.logLevel ?? 'info');
  return args;
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts node `name` and waits until its API answers. Returns the new pid. */
export async function launchNode(state: DevnetState, name: string, o: LaunchOptions): Promise<number> {
  const n = findNode(state, name);
  if (n.pid !== null && isAlive(n.pid)) throw new DevnetError('already-running', `${n.name} is already running (pid ${n.pid})`);
  if (!existsSync(o.tools.cairnd)) {
    throw new DevnetError('start-failed', `cairnd not found at ${o.tools.cairnd}`, 'build first: `npm run build` (npm start does this for you)');
  }
  if (!n.netns) await ensurePortsFree(n);
  mkdirSync(n.datadir, { recursive: true });
  const log = logPath(n);
  const fd = openSync(log, 'a');
  const argv = [o.tools.node, o.tools.cairnd, ...cairndArgs(state, n, o)];
  const cmd = n.netns ? ['ip', 'netns', 'exec', n.netns, ...argv] : argv;
  const child = spawn(cmd[0]!, cmd.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env } });
  closeSync(fd);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = sig ? `killed by ${sig}` : `exited with code ${code}`));
  child.once('error', (e) => (exited = `could not start: ${e.message}`));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(50);
    throw new DevnetError('start-failed', `${n.name}: ${exited ?? 'spawn failed'}`);
  }
  carryNiceness(pid);
  try {
    const info = await waitReady({ ...n, pid }, o, () => exited);
    if (n.identity && info.identity !== n.identity) {
      throw new DevnetError('start-failed', `${n.name} presents identity ${String(info.identity ?? 'none')}, but its peers pin ${n.identity}`, `its ${n.datadir}/identity.key was replaced: \`cairn-devnet reset\` starts over`);
    }
  } catch (e) {
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    throw e;
  }
  return pid;
}

/**
 * Gives a detached node the niceness of the process starting it. A node runs in its own
 * session, and with Linux's autogroup scheduling (on by default) CPU is shared between
 * sessions by the session's nice value, not the process's: a devnet or soak started under
 * `nice -n 19` had nodes and miners that still took their full share (seen: a niced soak's
 * two miners holding ~75 % of a core beside the test suite). Elsewhere it does nothing.
 */
export function carryNiceness(pid: number, nice: number = getPriority()): void {
  if (nice <= 0) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // not Linux, autogroup off, or the process is gone: the plain nice value still applies
  }
}

/** Resolves if nothing listens on host:port (by listening there for a moment). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Refuses to start a node whose ports are taken. Without it a second devnet on the same
 * ports found the first one's node answering on its API port and failed with a
 * misleading "presents identity …, but its peers pin …" (seen starting two soaks at once).
 */
export async function ensurePortsFree(n: Pick<NodeRecord, 'name' | 'host' | 'p2pPort' | 'apiPort'>): Promise<void> {
  for (const [what, port] of [['p2p', n.p2pPort], ['API', n.apiPort]] as const) {
    if (!(await portFree(n.host, port))) {
      throw new DevnetError('port-in-use', `${n.name}'s ${what} port ${n.host}:${port} is in use`, 'another devnet or program holds it: stop it (`cairn-devnet down --dir D`), or use other ports with --base-port');
    }
  }
}

/** Polls /api/node until it answers for the devnet, reporting progress once a second. */
export async function waitReady(n: NodeRecord, o: Pick<LaunchOptions, 'progress' | 'readyTimeoutMs' | 'fetch'>, exited: () => string | undefined = () => undefined): Promise<NodeInfo> {
  const client = new NodeClient(apiUrl(n), { timeoutMs: 2000, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const start = Date.now();
  const limit = o.readyTimeoutMs ?? 60_000;
  let lastReport = 0;
  for (;;) {
    const gone = exited() ?? (n.pid !== null && !isAlive(n.pid) ? 'exited' : undefined);
    if (gone) throw new DevnetError('start-failed', `${n.name} ${gone} before its API came up; last lines of ${logPath(n)}:\n${tail(logPath(n))}`);
    try {
      const info = await client.node();
      if (info.network !== 'devnet') throw new DevnetError('start-failed', `${apiUrl(n)} answers for network ${info.network}, not devnet`, 'another program uses this port: pick another --base-port');
      return info;
    } catch (e) {
      if (e instanceof DevnetError && e.code === 'start-failed') throw e;
    }
    const waited = Date.now() - start;
    if (waited > limit) throw new DevnetError('timeout', `${n.name}: API ${apiUrl(n)} not ready after ${Math.round(limit / 1000)} s; last lines of ${logPath(n)}:\n${tail(logPath(n))}`);
    if (o.progress && waited - lastReport >= 1000) {
      lastReport = waited;
      o.progress(`${n.name}: waiting for its API (${Math.round(waited / 1000)} s)`);
    }
    await sleep(200);
  }
}

/** Stops a node: admin shutdown, then SIGTERM, then SIGKILL. Resolves when the pid is gone. */
export async function stopNode(n: NodeRecord, o: { timeoutMs?: number; fetch?: FetchFn } = {}): Promise<'clean' | 'terminated' | 'killed' | 'not-running'> {
  if (n.pid === null || !isAlive(n.pid)) return 'not-running';
  const t = o.timeoutMs ?? 20_000;
  try {
    await new NodeClient(apiUrl(n), { datadir: n.datadir, timeoutMs: 5000, ...(o.fetch ? { fetch: o.fetch } : {}) }).shutdown();
    if (await waitExit(n.pid, t)) return 'clean';
  } catch {
    /* API gone or refusing: fall through to signals */
  }
  signal(n.pid, 'SIGTERM');
  if (await waitExit(n.pid, t / 2)) return 'terminated';
  signal(n.pid, 'SIGKILL');
  await waitExit(n.pid, 5000);
  return 'killed';
}

/** SIGKILL, as a crash would: no shutdown, no flush. */
export async function killNode(n: NodeRecord): Promise<void> {
  if (n.pid === null || !isAlive(n.pid)) throw new DevnetError('not-running', `${n.name} is not running`);
  signal(n.pid, 'SIGKILL');
  if (!(await waitExit(n.pid, 10_000))) throw new DevnetError('timeout', `${n.name} (pid ${n.pid}) survived SIGKILL for 10 s`);
}
