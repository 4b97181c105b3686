// Entry point of the `cairn-wallet` binary (bin/cairn-wallet.js imports the compiled
// form). All behaviour lives in program.ts so tests can run it in-process.
import { processIo } from './io.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
