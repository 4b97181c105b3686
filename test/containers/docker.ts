// The container suite's handle on Docker: the CLI run as a child process (the suite is a
// client of the engine, like a user), the Compose command of this machine (v2 `docker
// compose` or v1 `docker-compose`), the image built once from this checkout, and cairnd's
// HTTP API reached either through a published port or, for a container cut off its
// network, from inside the container with `docker exec`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { until as untilCondition } from '../support/until.js';

export const repoRoot = join(__dirname, '..', '..');
/** The Docker client; DOCKER overrides (a client newer than the engine can be refused). */
export const DOCKER = process.env.DOCKER ?? 'docker';
export const IMAGE = process.env.CAIRN_IMAGE ?? 'cairn:devnet';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never rejects for a non-zero exit (callers decide), only for a hang. */
export function run(cmd: string, args: string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = o.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}

/** Runs a command that must succeed; its output on failure is in the error. */
export async function must(cmd: string, args: string[], o: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, o);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

export const docker = (args: string[], o: Parameters<typeof run>[2] = {}): Promise<string> => must(DOCKER, args, o);

/** Fails with a clear message when no Docker engine answers (the suite needs one; nothing is skipped). */
export async function requireEngine(): Promise<void> {
  const r = await run(DOCKER, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 }).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  if (r.code !== 0) throw new Error(`the container suite needs a running Docker engine (${DOCKER} version: ${r.stderr.trim() || r.stdout.trim()})`);
}

/** `docker compose` (v2) when the plugin is there, else `docker-compose` (v1); CAIRN_COMPOSE overrides. */
export async function composeCommand(): Promise<string[]> {
  if (process.env.CAIRN_COMPOSE) return process.env.CAIRN_COMPOSE.split(' ').filter(Boolean);
  const v2 = await run(DOCKER, ['compose', 'version'], { timeoutMs: 30_000 }).catch(() => ({ code: 1 }));
  if (v2.code === 0) return [DOCKER, 'compose'];
  const v1 = await run('docker-compose', ['version'], { timeoutMs: 30_000 }).catch(() => ({ code: 1 }));
  if (v1.code === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` runs here');
}

/** Builds the image from this checkout's build (no network), and the local base image first if missing. */
export async function buildImage(): Promise<void> {
  for (const f of ['dist/src/node/cli.js', 'dist/wallet/cli.js', 'dist/explorer']) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm run test:containers does)`);
  }
  await must('sh', [join(repoRoot, 'devnet', 'containers', 'image.sh'), IMAGE], { timeoutMs: 15 * 60_000, env: { DOCKER } });
}

/**
 * A GET on cairnd's API from inside its container (so it works while the container has no
 * network): node's fetch against 127.0.0.1:18543, the JSON body printed on stdout.
 */
export function execApiText(container: string, path: string): Promise<string> {
  const script = `fetch('http://127.0.0.1:18543${path}').then(async (r) => { const t = await r.text(); if (!r.ok) { console.error(r.status, t); process.exit(1); } process.stdout.write(t); }, (e) => { console.error(String(e)); process.exit(1); })`;
  return docker(['exec', container, 'node', '-e', script], { timeoutMs: 30_000 });
}

export async function execApi<T>(container: string, path: string): Promise<T> {
  return JSON.parse(await execApiText(container, path)) as T;
}

export interface NodeView {
  tip_height: number;
  tip_hash: string;
  identity: string;
  p2p_url: string;
  peers: Array<{ addr: string; direction: string; identity?: string }>;
}

/** /api/node and /api/peers of a container's cairnd in one `docker exec`. */
export async function execNodeView(container: string): Promise<NodeView> {
  const script = `Promise.all(['node', 'peers'].map((p) => fetch('http://127.0.0.1:18543/api/' + p).then((r) => { if (!r.ok) throw new Error(p + ': HTTP ' + r.status); return r.json(); }))).then(([n, peers]) => process.stdout.write(JSON.stringify({ ...n, peers })), (e) => { console.error(String(e)); process.exit(1); })`;
  return JSON.parse(await docker(['exec', container, 'node', '-e', script], { timeoutMs: 30_000 })) as NodeView;
}

/** The admin token cairnd wrote at its last start, read from inside the container. */
export async function cookieOf(container: string): Promise<string> {
  return (await docker(['exec', container, 'cat', '/data/.cookie'])).trim();
}

/** The last `lines` lines of a container's output, less the periodic sync-progress lines, for a failure report. */
export async function logsOf(container: string, lines = 120): Promise<string> {
  const r = await run(DOCKER, ['logs', '--tail', '3000', container], { timeoutMs: 30_000 }).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  return (r.stdout + r.stderr).split('\n').filter((l) => l.trim() && !l.includes('"msg":"sync progress"')).slice(-lines).join('\n');
}

/** The last "started" banner a container's cairnd logged (JSON log lines). */
export async function startedBanners(container: string): Promise<Array<{ tip_height: number; tip_hash: string }>> {
  const r = await run(DOCKER, ['logs', container], { timeoutMs: 30_000 });
  return (r.stdout + '\n' + r.stderr)
    .split('\n')
    .filter((l) => l.includes('"event":"started"'))
    .map((l) => JSON.parse(l) as { tip_height: number; tip_hash: string });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The shared wait (test/support/until.ts), polling every 500 ms: docker calls are slow. */
export function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined | false>, everyMs = 500): Promise<T> {
  return untilCondition(what, timeoutMs, f, everyMs);
}
