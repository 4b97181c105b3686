// Shared by the devnet tests: a free port range, the tools of this checkout, and a
// check that the build the devnet runs (dist/) exists (`npm test` builds it first).
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cryptoRng } from '../../src/primitives/rng.js';
import type { Env } from '../../devnet/devnet.js';
import { toolsAt } from '../../devnet/launcher.js';
import { runDevnet } from '../../devnet/program.js';

export const repoRoot = join(__dirname, '..', '..');

export function requireBuild(): void {
  for (const f of ['dist/src/node/cli.js', 'dist/wallet/cli.js', 'dist/devnet/cli.js']) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port with `count` consecutive free ports after it. */
export async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30000 + 2 * Math.floor(Math.random() * 10000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no free port range found');
}

export function testEnv(log: string[] = []): Env {
  return { tools: toolsAt(repoRoot), rng: cryptoRng, progress: (l) => log.push(l) };
}

/** Runs `cairn-devnet …` in-process (as the CLI would) and returns its exit code and output. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDevnet(args, { out: (s) => (out += s), err: (s) => (err += s), isTTY: false, rng: cryptoRng, interrupted: new Promise(() => {}) }, repoRoot);
  return { code, out, err };
}

export { until } from '../support/until.js';
