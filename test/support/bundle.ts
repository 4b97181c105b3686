// Bundles a TypeScript entry point into one ESM file under test-output/, so tests can run
// it as a real child process (kill -9, restarts) without a TypeScript loader.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(__dirname, '..', '..');

export async function bundleScript(entry: string): Promise<string> {
  const outdir = join(root, 'test-output', 'bundles');
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, packages: 'external', logLevel: 'error', target: 'node20' });
  return outfile;
}

export const repoRoot = root;
