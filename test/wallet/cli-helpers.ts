// Two ways to drive cairn-wallet in tests:
//  - runWallet(): the real program in-process (runCli with captured output and a given
//    env); fast, and what most tests use.
//  - spawnWallet(): a separate `node` process running wallet/cli.ts bundled by esbuild
//    into test-output/ (packages stay external, resolved from node_modules). No tsc build
//    needed, so it works from `npx jest test/wallet` on a fresh clone. For the compiled
//    binary, `npm run build && node bin/cairn-wallet.js …` runs the same code.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';
import { seededRng } from '../../src/primitives/rng.js';
import { runCli } from '../../wallet/program.js';
import type { CliIo } from '../../wallet/io.js';

export interface RunResult {
  code: number;
  out: string;
  err: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  interactive?: boolean;
  answers?: string[];
  stdin?: string;
  seed?: number;
  /** a transport instead of the network (io.fetch) */
  fetch?: CliIo['fetch'];
}

let seedCounter = 1;

export async function runWallet(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  let out = '';
  let err = '';
  const answers = [...(opts.answers ?? [])];
  let now = 1_700_000_000_000;
  const io: CliIo = {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: opts.env ?? {},
    rng: seededRng(opts.seed ?? seedCounter++),
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    interactive: opts.interactive ?? false,
    promptHidden: async () => answers.shift() ?? '',
    prompt: async () => answers.shift() ?? '',
    readStdin: async () => opts.stdin ?? '',
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  const code = await runCli(args, io);
  return { code, out, err, json: () => JSON.parse(out) };
}

const root = fileURLToPath(new URL('../../', import.meta.url));
let bundled: Promise<string> | undefined;

/** Bundle wallet/cli.ts once per test process. */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(root, 'test-output');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `cairn-wallet-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, 'wallet/cli.ts')], bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', outfile, logLevel: 'silent',
    });
    return outfile;
  })();
  return bundled;
}

export async function spawnWallet(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const file = await cliBundle();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(stdin);
  });
}

/** Remove this process's bundle (test-output/ is git-ignored, but don't let them pile up). */
export async function removeBundle(): Promise<void> {
  if (!bundled) return;
  rmSync(await bundled, { force: true });
  rmSync((await bundled) + '.map', { force: true });
  bundled = undefined;
}
