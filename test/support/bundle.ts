// Bundles a TypeScript entry point into one ESM file under test-output/, so tests can run
// it as a real child process (kill -9, restarts) without a TypeScript loader. The verify
// pool's worker is bundled beside it (every Chain starts one, from `./verify-worker.js`
// next to the running module: src/chain/worker-url.ts).
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(__dirname, '..', '..');

export async function bundleScript(entry: string): Promise<string> {
  const outdir = join(root, 'test-output', 'bundles');
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, basename(entry).replace(/\.ts$/, '.mjs'));
  const common = { bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error', target: 'node20' } as const;
  await build({ ...common, entryPoints: [entry], outfile });
  await build({ ...common, entryPoints: [join(root, 'src', 'chain', 'verify-worker.ts')], outfile: join(outdir, 'verify-worker.js') });
  return outfile;
}

export const repoRoot = root;
