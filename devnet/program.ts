// The `cairn-devnet` commands (commander). runDevnet() returns the exit code instead of
// exiting, so tests drive it in-process: 0 success, 1 a refused operation (a DevnetError,
// printed as `error: …` and `hint: …`, or {"error": …} with --json), 2 bad usage.
// Long-running commands (`up` in the foreground, `spam`) end on SIGINT/SIGTERM after
// stopping what they started.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Rng } from '../src/primitives/rng.js';
import { seededRng } from '../src/primitives/rng.js';
import type { FetchFn } from './api.js';
import * as dn from './devnet.js';
import { DevnetError } from './errors.js';
import { heal, isolate, latency, partition } from './faults.js';
import { cutLink, hostsCapability, planHosts, requireHosts, setupHosts, teardownHosts, type Capability, type HostsPlan } from './hosts.js';
import { toolsAt } from './launcher.js';
import { sleep } from './proc.js';
import { spam } from './spam.js';
import { DEFAULT_BASE_PORT, DEFAULT_DIR, apiUrl, findNode, readState, requireState, type DevnetState } from './state.js';
import { LiveView, collectStatus, explorerUrl, renderStatus } from './status.js';
import { TOPOLOGIES, parseTopology } from './topology.js';

export interface DevnetIo {
  out(s: string): void;
  err(s: string): void;
  readonly isTTY: boolean;
  readonly rng: Rng;
  readonly fetch?: FetchFn;
  /** resolves when the user asks to stop (Ctrl-C); the CLI wires SIGINT/SIGTERM to it */
  readonly interrupted: Promise<void>;
  /** for tests: hosts capability override */
  readonly hostsCapability?: () => Capability;
}

export function parseIntArg(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new DevnetError('bad-usage', `--${name} must be an integer from ${min} to ${max} (got "${v}")`);
  }
  return n;
}

export function parseNumberArg(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n <= min || n > max) {
    throw new DevnetError('bad-usage', `--${name} must be a number above ${min} and at most ${max} (got "${v ?? ''}")`);
  }
  return n;
}

export interface RawUp {
  nodes?: string;
  miners?: string;
  topology?: string;
  dir?: string;
  basePort?: string;
  minerThreads?: string;
  seed?: string;
  /** commander's --public */
  public?: boolean;
  /** commander's --no-fund (true unless given) */
  fund?: boolean;
}

export function parseUpOptions(o: RawUp): dn.UpOptions {
  const nodes = parseIntArg('nodes', o.nodes, 3, 1, 64);
  return {
    nodes,
    miners: parseIntArg('miners', o.miners, dn.defaultMiners(nodes), 0, nodes),
    topology: parseTopology(o.topology ?? 'mesh'),
    dir: resolve(o.dir ?? DEFAULT_DIR),
    basePort: parseIntArg('base-port', o.basePort, DEFAULT_BASE_PORT, 1024, 65535 - 2 * nodes),
    minerThreads: parseIntArg('miner-threads', o.minerThreads, 1, 1, 64),
    private: o.public !== true,
    fund: o.fund !== false,
  };
}

function upOptions(c: Command): Command {
  return c
    .option('--nodes <n>', 'number of cairnd processes', '3')
    .option('--miners <m>', 'how many of them mine in the background (default min(2, nodes))')
    .addOption(new Option('--topology <kind>', 'who connects to whom').choices([...TOPOLOGIES]).default('mesh'))
    .option('--base-port <port>', `first port: node i uses base+2i (p2p) and base+2i+1 (API)`, String(DEFAULT_BASE_PORT))
    .option('--miner-threads <n>', 'miner threads per mining node', '1')
    .option('--seed <n>', 'seed for the random topology (default: random)')
    .option('--public', 'accept inbound peers from outside the devnet (default: only the devnet\'s own identities, via --allow-peers)')
    .option('--no-fund', 'skip the funding blocks (wallets start empty; `mine` funds them later)')
    .option('--detach', 'return once the network is up, leaving it running');
}

const dirOpt = (c: Command): Command => c.option('--dir <dir>', 'devnet directory (state, datadirs, wallets, logs)', DEFAULT_DIR);

function packageVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function runDevnet(argv: string[], io: DevnetIo, root: string): Promise<number> {
  const tools = toolsAt(root);
  const env: dn.Env = { tools, rng: io.rng, progress: (l) => io.err(`${l}\n`), ...(io.fetch ? { fetch: io.fetch } : {}) };
  let json = false;
  const printJson = (v: unknown): void => io.out(JSON.stringify(v, null, 2) + '\n');

  const program = new Command('cairn-devnet')
    .description('a local network of real cairnd processes on the devnet: watch it work, break it, see it heal')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t), outputError: (t, write) => write(t.replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')) })
    .version(`cairn-devnet ${packageVersion(root)}`, '-V, --version', 'print the version')
    // a mistyped command: one "(Did you mean …?)" line, not the whole help
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true });

  const foreground = async (state: DevnetState, onStop?: () => Promise<void>): Promise<void> => {
    io.out('Press Ctrl-C to stop every node.\n\n');
    const view = new LiveView({ isTTY: io.isTTY, write: (s) => io.out(s) });
    let stop = false;
    void io.interrupted.then(() => (stop = true));
    while (!stop) {
      const s = await collectStatus(state, { ...(io.fetch ? { fetch: io.fetch } : {}) });
      view.show(renderStatus(s, { color: io.isTTY }));
      await Promise.race([sleep(2000), io.interrupted]);
    }
    view.release();
    io.out('\nstopping…\n');
    await dn.down(state.dir, env);
    if (onStop) await onStop();
  };

  const printStarted = async (state: DevnetState): Promise<void> => {
    const s = await collectStatus(state, { ...(io.fetch ? { fetch: io.fetch } : {}) });
    io.out(`\nDevnet up in ${state.dir} (${state.nodes.length} nodes, ${state.topology} topology)\n\n`);
    io.out(renderStatus(s, { color: io.isTTY, urls: true }) + '\n\n');
    io.out(`Explorer, whole network: ${s.devnetPage}\n`);
    for (const n of state.nodes) io.out(`  ${n.name}: ${explorerUrl(apiUrl(n))}   wallet ${n.wallet}\n`);
    io.out(`Wallet passphrase for all devnet wallets: in ${state.dir}/state.json (walletPassphrase)\n\n`);
  };

  upOptions(dirOpt(program.command('up')))
    .description('start N cairnd nodes, connect them, fund a wallet per node and start the miners')
    .action(async (o: RawUp & { detach?: boolean }) => {
      const opts = parseUpOptions(o);
      const rng = o.seed !== undefined ? seededRng(parseIntArg('seed', o.seed, 0, 0, Number.MAX_SAFE_INTEGER)) : io.rng;
      const state = await dn.up(opts, { ...env, rng });
      await printStarted(state);
      if (o.detach) {
        io.out(`Running detached; \`cairn-devnet status --dir ${state.dir}\` shows it, \`cairn-devnet down\` stops it.\n`);
        return;
      }
      await foreground(state);
    });

  dirOpt(program.command('status'))
    .description('each node: pid, URLs, height, tip, peers, mempool; whether all tips agree')
    .option('--json', 'machine-readable')
    .action(async (o: { dir: string; json?: boolean }) => {
      json = Boolean(o.json);
      const state = requireState(o.dir);
      const s = await collectStatus(state, { ...(io.fetch ? { fetch: io.fetch } : {}) });
      if (o.json) printJson(s);
      else io.out(`${renderStatus(s, { color: io.isTTY, urls: true })}\nexplorer, whole network: ${s.devnetPage}\n`);
    });

  dirOpt(program.command('down'))
    .description('stop every node cleanly (chains and wallets are kept)')
    .action(async (o: { dir: string }) => {
      const s = await dn.down(o.dir, env);
      if (!s) throw new DevnetError('no-devnet', `no devnet in ${resolve(o.dir)}`);
      if (s.mode === 'hosts' && s.hosts) teardownHosts(planHosts(s.hosts.id, s.nodes.length, s.hosts.net));
      io.out('devnet stopped\n');
    });

  dirOpt(program.command('reset'))
    .description('stop every node and delete the devnet directory')
    .action(async (o: { dir: string }) => {
      const s = readState(o.dir);
      await dn.reset(o.dir, env);
      if (s?.mode === 'hosts' && s.hosts) teardownHosts(planHosts(s.hosts.id, s.nodes.length, s.hosts.net));
      io.out(`devnet in ${resolve(o.dir)} wiped\n`);
    });

  dirOpt(program.command('mine <node>'))
    .description("mine blocks now on one node (to its wallet), through its admin API")
    .option('--blocks <n>', 'how many', '1')
    .action(async (node: string, o: { dir: string; blocks: string }) => {
      const r = await dn.mine(requireState(o.dir), node, parseIntArg('blocks', o.blocks, 1, 1, 1000), env);
      io.out(`${findNode(requireState(o.dir), node).name} at height ${r.height}\n`);
    });

  dirOpt(program.command('tx'))
    .description("pay from one node's wallet to another's")
    .requiredOption('--from <node>', 'paying node')
    .requiredOption('--to <node>', 'receiving node')
    .requiredOption('--amount <amount>', 'coins ("1.5") or base units ("1000sat")')
    .action(async (o: { dir: string; from: string; to: string; amount: string }) => {
      const r = await dn.pay(requireState(o.dir), o.from, o.to, o.amount, env);
      io.out(`sent ${r.txid} (${o.amount} to ${r.address})\n`);
    });

  dirOpt(program.command('spam'))
    .description('a steady stream of valid payments, built and signed in-process (funded once by the devnet wallets)')
    .requiredOption('--tps <rate>', 'payments per second')
    .requiredOption('--duration <seconds>', 'for how long')
    .action(async (o: { dir: string; tps: string; duration: string }) => {
      const state = requireState(o.dir);
      // the achieved rate on one updating line at a terminal, a line every 5 s elsewhere
      let shown = 0;
      const onRate = (line: string): void => {
        if (io.isTTY) io.err(`\r\x1b[2K${line}`);
        else if (Date.now() - shown >= 5000) {
          shown = Date.now();
          io.err(`${line}\n`);
        }
      };
      const r = await spam(state, { rate: parseNumberArg('tps', o.tps, 0, 1000), durationS: parseNumberArg('duration', o.duration, 0, 86400), onRate }, env, dn.walletCtx(state, env));
      if (io.isTTY) io.err('\n');
      io.out(`spam: ${r.sent} sent, ${r.failed} failed, ${r.skipped} skipped in ${r.seconds.toFixed(1)} s (${(r.sent / r.seconds).toFixed(2)} tx/s; client CPU ${(r.cpuMs / Math.max(1, r.sent)).toFixed(2)} ms a payment)\n`);
      for (const e of r.errors.slice(0, 5)) io.err(`  ${e}\n`);
    });

  dirOpt(program.command('kill <node>'))
    .description('SIGKILL a node, as a crash would')
    .action(async (node: string, o: { dir: string }) => {
      await dn.kill(requireState(o.dir), node, env);
      io.out(`${findNode(requireState(o.dir), node).name} killed\n`);
    });

  dirOpt(program.command('start <node>'))
    .description('start a stopped node again (it reconnects and catches up)')
    .action(async (node: string, o: { dir: string }) => {
      const s = await dn.startNode(requireState(o.dir), node, env);
      const n = findNode(s, node);
      io.out(`${n.name} started (pid ${n.pid}, ${apiUrl(n)})\n`);
    });

  dirOpt(program.command('partition <nodes...>'))
    .description('split the network: these nodes stop talking to the --from nodes (default: all others)')
    .option('--from <nodes...>', 'the other side')
    .action(async (nodes: string[], o: { dir: string; from?: string[] }) => {
      const r = await partition(requireState(o.dir), nodes, o.from, env);
      io.out(`partitioned: ${r.sides[0].join(' ')} | ${r.sides[1].join(' ')}\n`);
    });

  dirOpt(program.command('isolate <node>'))
    .description('cut one node off from all others')
    .action(async (node: string, o: { dir: string }) => {
      await isolate(requireState(o.dir), node, env);
      io.out(`${findNode(requireState(o.dir), node).name} isolated\n`);
    });

  dirOpt(program.command('heal'))
    .description('lift every partition and reconnect')
    .action(async (o: { dir: string }) => {
      await heal(requireState(o.dir), env);
      io.out('healed\n');
    });

  dirOpt(program.command('latency <node> <ms>'))
    .description("delay that node's peer messages by ms milliseconds (0 removes it)")
    .action(async (node: string, ms: string, o: { dir: string }) => {
      const v = parseIntArg('ms', ms, 0, 0, 60_000);
      await latency(requireState(o.dir), node, v, env);
      io.out(`${findNode(requireState(o.dir), node).name}: ${v} ms added to peer messages\n`);
    });

  const hosts = program.command('hosts').description('Linux, root: each node in its own network namespace');
  upOptions(dirOpt(hosts.command('up')))
    .description('like `up`, with each node in its own namespace on a private bridge')
    .option('--net <x.y>', 'use addresses 10.x.y.0/24', '213.0')
    .action(async (o: RawUp & { detach?: boolean; net: string }) => {
      requireHosts((io.hostsCapability ?? hostsCapability)());
      const opts = parseUpOptions(o);
      const m = /^(\d{1,3})\.(\d{1,3})$/.exec(o.net);
      if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) throw new DevnetError('bad-usage', '--net must look like 213.0');
      const net: [number, number] = [Number(m[1]), Number(m[2])];
      if (readState(opts.dir!)) throw new DevnetError('already-running', `${opts.dir} already holds a devnet`, '`cairn-devnet reset` it first, or pass another --dir');
      const id = Array.from(io.rng.bytes(2), (b) => b.toString(36)).join('').slice(0, 5);
      const plan = planHosts(id, opts.nodes!, net);
      setupHosts(plan);
      let state: DevnetState;
      try {
        state = await dn.up({ ...opts, hosts: plan.nodes, hostsInfo: { id, net } }, env);
      } catch (e) {
        await dn.down(opts.dir!, env).catch(() => undefined);
        teardownHosts(plan);
        throw e;
      }
      await printStarted(state);
      io.out(`Network namespaces ${plan.nodes.map((n) => n.netns).join(', ')} on bridge ${plan.bridge} (${plan.prefix}.0/24)\n`);
      if (o.detach) {
        io.out('Running detached; `cairn-devnet hosts down` stops the nodes and removes the namespaces.\n');
        return;
      }
      await foreground(state, async () => teardownHosts(plan));
    });
  dirOpt(hosts.command('down'))
    .description('stop the nodes and remove the namespaces, veths and bridge')
    .action(async (o: { dir: string }) => {
      const s = requireState(o.dir);
      await dn.down(o.dir, env);
      if (s.hosts) teardownHosts(planHosts(s.hosts.id, s.nodes.length, s.hosts.net));
      io.out('hosts devnet stopped and its network removed\n');
    });
  const hostsPlanOf = (s: DevnetState): HostsPlan => {
    if (s.mode !== 'hosts' || !s.hosts) throw new DevnetError('bad-usage', 'this devnet does not run in namespaces', 'start one with `cairn-devnet hosts up`');
    return planHosts(s.hosts.id, s.nodes.length, s.hosts.net);
  };
  for (const [name, down] of [['cut', true], ['restore', false]] as const) {
    dirOpt(hosts.command(`${name} <nodes...>`))
      .description(down ? "take these nodes' network links down (ip link set … down)" : 'bring their links back up')
      .action(async (nodes: string[], o: { dir: string }) => {
        const s = requireState(o.dir);
        const plan = hostsPlanOf(s);
        for (const x of nodes) cutLink(plan, findNode(s, x).index, down);
        io.out(`${nodes.map((x) => findNode(s, x).name).join(' ')}: link ${down ? 'down' : 'up'}\n`);
      });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof DevnetError) {
      if (json) io.err(JSON.stringify({ error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } }) + '\n');
      else io.err(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return e.code === 'bad-usage' ? 2 : 1;
    }
    io.err(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
