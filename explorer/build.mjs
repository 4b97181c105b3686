// Bundles the explorer into static files cairnd serves at '/': index.html, app.js, app.css.
// Usage: node explorer/build.mjs [--outdir DIR] [--dev]   (default dist/explorer, minified)
// Self-contained output: no external fonts, scripts or CDNs, since the devnet runs offline.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIdx = args.indexOf('--outdir');
const outdir = resolve(outIdx >= 0 ? args[outIdx + 1] : resolve(here, '..', 'dist', 'explorer'));
const dev = args.includes('--dev');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [
    { in: resolve(here, 'src', 'main.ts'), out: 'app' },
    { in: resolve(here, 'src', 'style.css'), out: 'app' },
  ],
  outdir,
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
  // the explorer must not pull Node built-ins into a browser bundle
  platform: 'browser',
});
await copyFile(resolve(here, 'index.html'), resolve(outdir, 'index.html'));
