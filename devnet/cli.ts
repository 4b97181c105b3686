// Entry point of `cairn-devnet` (bin/cairn-devnet.js imports the compiled file). The
// package root is found from this file's location, so the command works from any cwd.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptoRng } from '../src/primitives/rng.js';
import { runDevnet } from './program.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/devnet/cli.js → package root is two levels up
const root = resolve(here, '..', '..');

let interrupt!: () => void;
const interrupted = new Promise<void>((r) => (interrupt = r));
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals > 2) process.exit(130); // a third Ctrl-C: give up waiting for clean stops
    interrupt();
  });
}

const code = await runDevnet(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
  rng: cryptoRng,
  interrupted,
}, root);
process.exit(code);
