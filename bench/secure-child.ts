// Child process for bench/secure.ts: measures one transport mode (`plain` or `enc`) over
// one loopback WebSocket link (bench/secure-link.ts) and prints the samples as JSON.
// Run from dist/: node dist/bench/secure-child.js plain|enc [--quick]
import { measureLink, type LinkMode } from './secure-link.js';

const mode = process.argv[2];
if (mode !== 'plain' && mode !== 'enc') {
  console.error('usage: secure-child plain|enc [--quick]');
  process.exit(2);
}
const m = await measureLink(mode as LinkMode, process.argv.includes('--quick'));
console.log(JSON.stringify(m));
