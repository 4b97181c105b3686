// Runs a real cairnd child process (node bin/cairnd.js, i.e. the compiled dist/) on
// regtest with ephemeral ports; the bound API port is read from the start-up banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'cairnd.js');

export interface Daemon {
  proc: ChildProcess;
  datadir: string;
  port: number;
  base: string;
  token: string;
  banner: Record<string, unknown>;
  lines: string[];
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

export function tempDatadir(): string {
  return mkdtempSync(join(tmpdir(), 'cairnd-test-'));
}

/** nodeArgs: options for node itself, before the script (e.g. --require a preload) */
export function run(args: string[], timeoutMs = 60_000, nodeArgs: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`cairnd ${args.join(' ')} did not exit: ${stdout}${stderr}`));
    }, timeoutMs);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      // A null code means a signal ended it: say which, so a crash is not read as a hang.
      if (code === null) process.stderr.write(`cairnd ${args.join(' ')} ended by ${signal}\n${stderr.slice(-2000)}\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startDaemon(datadir: string, extra: string[] = [], nodeArgs: string[] = []): Promise<Daemon> {
  const args = ['--network', 'regtest', '--datadir', datadir, '--api-port', '0', '--p2p-port', '0', '--p2p-host', '127.0.0.1', '--verify-threads', '1', ...extra];
  const proc = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let killedByTest = false;
  const exited = new Promise<number | null>((r) =>
    proc.on('exit', (code, signal) => {
      // A null code means a signal ended it: unless the test sent it, say which (and the
      // log's end), so a crash is not mistaken for a hang or a wrong exit code.
      if (code === null && !killedByTest) process.stderr.write(`cairnd ${datadir} ended by ${signal}\n${stderr.slice(-2000)}\n`);
      r(code);
    }),
  );
  const banner = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => {
      // Never leave a half-started daemon behind: jest would wait for it forever.
      proc.kill('SIGKILL');
      reject(new Error(`cairnd did not start in time:\n${lines.join('\n')}\n${stderr}`));
    }, 55_000); // a loaded machine: start-up (index catch-up, workers) can take many seconds
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          if (j.event === 'started') {
            clearTimeout(t);
            resolve(j);
          }
        } catch {
          /* not JSON: ignore */
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`cairnd exited with ${code} before starting:\n${lines.join('\n')}\n${stderr}`));
    });
  });
  const port = banner.api_port as number;
  return {
    proc,
    datadir,
    port,
    base: `http://127.0.0.1:${port}`,
    token: readFileSync(join(datadir, '.cookie'), 'utf8'),
    banner,
    lines,
    exited,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      killedByTest = true;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: Uint8Array;
}

export async function http(d: Daemon, path: string, init: RequestInit & { token?: string } = {}): Promise<Res> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const method = (init.method ?? 'GET').toUpperCase();
  let r: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      r = await fetch(d.base + path, { ...init, headers });
      break;
    } catch (e) {
      // A kept-alive connection the node closed as this request went out (its 5 s idle
      // timeout while this process was stalled): a real client asks a GET again.
      const code = ((e as Error).cause as { code?: string } | undefined)?.code;
      if (method !== 'GET' || attempt >= 4 || !['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code ?? '')) throw e;
    }
  }
  const bytes = new Uint8Array(await r.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json, bytes };
}

export function admin(d: Daemon, path: string, body: unknown, method = 'POST'): Promise<Res> {
  return http(d, path, { method, token: d.token, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

export async function until<T>(f: () => Promise<T | undefined | false>, what: string, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
