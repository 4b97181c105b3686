// Module hooks that let a worker thread run Cairn's TypeScript sources directly: under jest
// the sources are TypeScript (import.meta.url names the .ts file), so src/chain/worker-url.ts
// starts workers from their .ts file with `--import` of this module. Relative `.js`
// specifiers resolve to the `.ts` beside them (as tsc's NodeNext layout expects) and `.ts`
// files are transpiled by esbuild, the same tool as the jest transform (no type check;
// `npm run lint` type-checks the worker files with everything else).
import { register } from 'node:module';

register('./ts-worker-loader.mjs', import.meta.url);
