// The cairnd program: parse the config, start the node, stop it on SIGINT/SIGTERM or
// an admin shutdown. Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration.
// A second signal while stopping exits at once; a stop that hangs is cut off after 10 s.
import { buildCommand, ConfigError, parseConfig } from './config.js';
import { CairnNode, NodeError, packageVersion } from './node.js';

const STOP_DEADLINE_MS = 10_000;

function fail(msg: string, code: number): never {
  process.stderr.write(`cairnd: ${msg}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(buildCommand().helpInformation() + buildCommandHelpAfter());
    return;
  }
  if (argv.includes('--version') || argv.includes('-V')) {
    process.stdout.write(`cairnd ${packageVersion()}\n`);
    return;
  }
  let config;
  try {
    config = parseConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) fail(`${e.message}\n(run cairnd --help for every option)`, 2);
    throw e;
  }
  let node: CairnNode;
  try {
    node = await CairnNode.start(config);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof NodeError || err.name === 'ChainError' || err.name === 'IndexError' || err.name === 'IdentityError') fail(err.message, 1);
    fail(`failed to start: ${err.stack ?? err.message}`, 1);
  }
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) {
      process.stderr.write('cairnd: second signal, exiting now\n');
      process.exit(1);
    }
    stopping = true;
    node.log.info({ reason: why }, 'shutting down');
    const timer = setTimeout(() => fail(`shutdown took more than ${STOP_DEADLINE_MS / 1000} s; exiting anyway`, 1), STOP_DEADLINE_MS);
    timer.unref();
    node.stop().then(
      () => process.exit(0),
      (e: unknown) => fail(`error while stopping: ${(e as Error).message}`, 1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  node.onShutdownRequest(() => stop('admin request'));
}

function buildCommandHelpAfter(): string {
  // commander keeps addHelpText('after') out of helpInformation(); print it the same way --help would
  let out = '';
  const cmd = buildCommand();
  cmd.configureOutput({ writeOut: (s) => (out += s) });
  cmd.exitOverride();
  try {
    cmd.parse(['--help'], { from: 'user' });
  } catch {
    /* commander throws after printing help */
  }
  return out.slice(cmd.helpInformation().length);
}

main().catch((e: unknown) => fail(`unexpected error: ${(e as Error).stack ?? String(e)}`, 1));
