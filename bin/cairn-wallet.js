#!/usr/bin/env node
// The program is the compiled TypeScript in dist/. Without a build, say what to run
// instead of printing a module-resolution stack trace.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/wallet/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cairn-wallet: not built yet (dist/wallet/cli.js is missing). Run `npm ci && npm run build` in the project directory first.\n');
  process.exit(1);
}
await import(entry.href);
