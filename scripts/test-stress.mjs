#!/usr/bin/env node
// `npm run test:stress [-- <jest args>]`: the test suite on a machine that is busy. Starts
// LOAD_PROCS (default 2) CPU-bound node processes, each pinned to one core with taskset
// when it exists (core i mod cores), runs the build and jest beside them, and always
// kills the load afterwards (normal exit, failure, Ctrl-C or SIGTERM). Prints the wall
// time and exits with jest's code. A test that passes alone but fails here waits on a
// fixed sleep, a short timeout or a race: fix the test (or the node), not this script.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBusyLoad } from './busy-load.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.env.LOAD_PROCS ?? 2);
const load = startBusyLoad(count);
const stopLoad = load.stop;
process.on('exit', stopLoad);
let child;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stopLoad();
    child?.kill(sig);
    process.exit(130);
  });
}

console.log(`test:stress: ${load.describe()}`);
const t0 = Date.now();
const run = (cmd, args) =>
  new Promise((resolve) => {
    child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0)));
  });
let code = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
if (code === 0) code = await run(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)]);
stopLoad();
const s = Math.round((Date.now() - t0) / 1000);
console.log(`test:stress: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${Math.floor(s / 60)} min ${s % 60} s under ${count} extra CPU-bound processes`);
process.exit(code);
