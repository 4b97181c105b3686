// Where a worker thread's module is. Compiled (dist/), it is the .js file beside the module
// that starts it. Under jest Cairn runs from its TypeScript sources (the test transform maps
// import.meta.url to the .ts file), so the worker starts from its .ts file through the
// TypeScript hooks in test/support/: the worker is always the very code the type checker
// sees, never a stale build or a string.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerModule {
  url: URL;
  execArgv?: string[];
}

/** `name` (without extension) beside the module whose import.meta.url is `base`. */
export function workerModule(name: string, base: string): WorkerModule {
  if (!base.endsWith('.ts')) return { url: new URL(`./${name}.js`, base) };
  const hooks = new URL('../../test/support/ts-worker-hooks.mjs', base);
  if (!existsSync(fileURLToPath(hooks))) throw new Error(`${name}: running from TypeScript sources needs ${fileURLToPath(hooks)}`);
  // Only the hooks: the parent's execArgv may hold process-wide flags a worker refuses.
  return { url: new URL(`./${name}.ts`, base), execArgv: ['--import', hooks.href] };
}
