// The `cairn-wallet` program: global options, then the commands, one module per group
// (wallet/commands/*.ts, registered in the order `--help` lists them). runCli() returns
// the exit code instead of exiting, so the program can be driven in-process. Exit codes:
// 0 success, 1 a refused operation (a WalletError: message + hint on stderr, or
// {"error": …} with --json), 2 bad usage. The wallet file is written only at the end of a
// command that succeeded, and only if its contents changed: every failure leaves it
// byte-for-byte as it was.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_API_PORTS } from './client.js';
import { WalletError } from './errors.js';
import type { CliIo } from './io.js';
import { Session, toJson, type CommandContext, type Globals } from './session.js';
import { registerSetup } from './commands/setup.js';
import { registerView } from './commands/view.js';
import { registerSend } from './commands/send.js';
import { registerHistory } from './commands/history.js';
import { registerPsbt } from './commands/psbt.js';
import { registerWait } from './commands/wait.js';

export { DEFAULT_TARGET, toJson } from './session.js';

/** The package's version, from the package.json above this file (src or dist). */
function packageVersion(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}


export function buildProgram(io: CliIo): { program: Command; session: () => Session } {
  const program = new Command('cairn-wallet');
  let session: Session | undefined;
  const S = (): Session => (session ??= new Session(io, program.opts<Globals>()));

  program
    .description('Cairn light wallet: keys stay here, the chain is read from any cairnd over its REST API')
    .option('--node <url>', `cairnd REST API (env CAIRN_NODE; default http://127.0.0.1:PORT with cairnd's default port for the network: ${Object.entries(DEFAULT_API_PORTS).map(([n, p]) => `${n} ${p}`).join(', ')})`)
    .addOption(new Option('--network <name>', 'network for create/restore and the default --node port (env CAIRN_NETWORK; a wallet file knows its own)').choices(['regtest', 'devnet', 'main']))
    .option('--ca <file>', 'trust this CA certificate (PEM) for an https:// node, e.g. a private CA that signed cairnd\'s --api-cert')
    .option('--wallet <file>', 'wallet file (env CAIRN_WALLET, default ~/.cairn/wallet.json)')
    .option('--passphrase-file <file>', 'read the wallet passphrase from the first line of FILE (else env CAIRN_WALLET_PASSPHRASE, else a prompt)')
    .option('--timeout <seconds>', 'HTTP timeout for node requests', '15')
    .option('--json', 'machine-readable output (amounts as integer base units)')
    .version(`cairn-wallet ${packageVersion()}`, '-V, --version', 'print the version')
    // a mistyped command: one "(Did you mean …?)" line, not the whole help
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t), outputError: (t, write) => write(t.replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')) });


  const ctx: CommandContext = { program, io, session: S };
  registerSetup(ctx);
  registerView(ctx);
  registerSend(ctx);
  registerHistory(ctx);
  registerPsbt(ctx);
  registerWait(ctx);
  return { program, session: S };
}

/** Run the program; returns the exit code (never calls process.exit). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program } = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const json = Boolean(program.opts<Globals>().json);
    if (e instanceof WalletError) {
      if (json) io.err(toJson({ error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } }) + '\n');
      else io.err(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return 1;
    }
    const err = e as Error;
    if (json) io.err(toJson({ error: { code: 'internal', message: err.message } }) + '\n');
    else io.err(`internal error: ${err.stack ?? err.message}\n`);
    return 1;
  }
}

