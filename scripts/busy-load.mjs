// The load `npm run test:stress` and the API bench put beside what they measure: `count`
// CPU-bound node processes, each pinned to one core with taskset when it exists (core
// i mod cores). One definition, so "under load" means the same thing in both.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const BUSY = 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) >>> 0; }';

/** Starts the load; `stop()` kills it (safe to call more than once). */
export function startBusyLoad(count) {
  const cores = availableParallelism();
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const procs = [];
  for (let i = 0; i < count; i++) {
    const argv = [process.execPath, '-e', BUSY];
    const cmd = hasTaskset ? ['taskset', '-c', String(i % cores), ...argv] : argv;
    procs.push(spawn(cmd[0], cmd.slice(1), { stdio: 'ignore' }));
  }
  const pinned = hasTaskset ? procs.map((_, i) => i % cores) : null;
  return {
    cores,
    pinned,
    describe: () => `${count} busy-loop processes${pinned ? ` pinned to cores ${pinned.join(',')}` : ' (taskset not found: unpinned)'} on ${cores} cores`,
    stop: () => {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
  };
}
