// Drives the compiled cairn-wallet (bin/cairn-wallet.js → dist/) as a child process
// against a real cairnd child (test/api/daemon.ts), for the end-to-end wallet tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Daemon } from '../api/daemon.js';

export const CLI = join(ROOT, 'bin', 'cairn-wallet.js');

export interface Run {
  code: number | null;
  out: string;
  err: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  error(): { code: string; message: string; hint?: string };
}

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'wallet', 'cli.js')) || !existsSync(join(ROOT, 'dist', 'src', 'node'))) {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test builds first)');
  }
}

/**
 * A runner bound to a node and a working directory: each call is one cairn-wallet
 * process whose environment names the node and the passphrase unless `env` overrides
 * (a value of undefined removes the variable).
 */
export function walletRunner(node: () => Daemon, dir: () => string, passphrase: string) {
  const wallet = (args: string[], env: Record<string, string | undefined> = {}, stdin = ''): Promise<Run> =>
    new Promise((resolve, reject) => {
      const full: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir(), CAIRN_NODE: node().base, CAIRN_WALLET_PASSPHRASE: passphrase };
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete full[k];
        else full[k] = v;
      }
      const p = spawn(process.execPath, [CLI, ...args], { cwd: dir(), env: full, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (x) => (out += x));
      p.stderr.on('data', (x) => (err += x));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, out, err, json: () => JSON.parse(out), error: () => JSON.parse(err).error }));
      p.stdin.end(stdin);
    });
  /** Exit 0 and the parsed --json output, or a failure showing what the CLI said. */
  const ok = async (args: string[], env: Record<string, string | undefined> = {}): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await wallet(['--json', ...args], env);
    if (r.code !== 0) throw new Error(`cairn-wallet ${args.join(' ')} exited ${r.code}:\n${r.err}${r.out}`);
    return r.json();
  };
  return { wallet, ok };
}
