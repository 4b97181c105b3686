// cairnd's configuration: command-line flags over `<datadir>/cairn.conf` over defaults.
//
// cairn.conf is key=value, one per line, keys are the long flag names without dashes
// (`api-port=18643`, `peer=ws://10.0.0.2:18544`, repeat a key for list options,
// `mine=1` / `mine=0` for switches), '#' starts a comment. A list given on the command
// line replaces the file's list. Every value is validated here so the node starts only
// from a complete, sensible config, and a mistake names the flag and what to do.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { NETWORKS, type NetworkName } from '../consensus/index.js';
import { addressToScript, VERIFIER_CHOICES, type VerifierChoice } from '../primitives/index.js';

export const CONFIG_FILE = 'cairn.conf';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface NodeConfig {
  network: NetworkName;
  datadir: string;
  /** 0 = any free port (the bound port is logged in the start-up banner) */
  p2pPort: number;
  p2pHost: string;
  /** accept inbound peers */
  listen: boolean;
  apiPort: number;
  apiHost: string;
  apiCert?: string | undefined;
  apiKey?: string | undefined;
  peers: string[];
  siblings: string[];
  /** a name for this node (`node1`), shown in /api/node and by the explorer's devnet page */
  name?: string | undefined;
  mine: boolean;
  minerAddress?: string | undefined;
  minerThreads?: number | undefined;
  dbcacheMb: number;
  logLevel: LogLevel;
  /** 'json' lines (scripts, log collectors) or 'pretty' (people); default: pretty at a TTY */
  logFormat?: 'json' | 'pretty' | undefined;
  /** encrypted p2p (Noise); off only for plaintext-only peers */
  secure: boolean;
  allowPlaintext: boolean;
  /** file of identities allowed to connect inbound */
  allowPeers?: string | undefined;
  /** the URL other nodes should dial (when behind NAT or in containers) */
  advertise?: string | undefined;
  /** explorer build to serve at '/'; default: the package's dist/explorer */
  explorerDir?: string | undefined;
  /** signature verification threads */
  verifyThreads?: number | undefined;
  /** BIP340 backend: native libsecp256k1 when it loads and passes its self-test (auto), or forced */
  verifier: VerifierChoice;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaultDatadir(network: string): string {
  return join(homedir(), '.cairn', network);
}

/** Parses cairn.conf text into flag-name → values. */
export function parseConfigFile(text: string, file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${file}:${i + 1}: expected key=value, got ${JSON.stringify(line)}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`${file}:${i + 1}: unknown setting '${key}' (run cairnd --help for the list)`);
    out.set(key, [...(out.get(key) ?? []), value]);
  });
  return out;
}

const KNOWN_KEYS = new Set([
  'network', 'p2p-port', 'p2p-host', 'listen', 'api-port', 'api-host', 'api-cert', 'api-key', 'peer', 'sibling', 'mine',
  'miner-address', 'miner-threads', 'dbcache', 'log-level', 'log-format', 'secure', 'allow-plaintext', 'allow-peers', 'advertise', 'explorer-dir', 'verify-threads',
  'verifier', 'name',
]);

export function buildCommand(): Command {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  return new Command('cairnd')
    .description('Cairn full node: validates and relays blocks and transactions, serves the REST/WebSocket API and the explorer')
    .addOption(new Option('--network <name>', 'network to join').choices(['regtest', 'devnet', 'main']))
    .option('--datadir <dir>', 'data directory (default ~/.cairn/<network>); holds cairn.conf, .cookie, chain/, indexes/')
    .option('--p2p-port <port>', 'p2p listen port (default from the network; 0 = any free port)')
    .option('--p2p-host <host>', 'p2p listen address (default 0.0.0.0)')
    .option('--no-listen', 'do not accept inbound peers')
    .option('--api-port <port>', 'HTTP API port (default from the network; 0 = any free port)')
    .option('--api-host <host>', 'HTTP API listen address (default 127.0.0.1)')
    .option('--api-cert <file>', 'TLS certificate (PEM): serve HTTPS/WSS (needs --api-key)')
    .option('--api-key <file>', 'TLS private key (PEM)')
    .option('--peer <url>', 'peer to connect to and keep connected, e.g. ws://host:18544[#identity] (repeatable)', collect)
    .option('--sibling <url>', 'API URL of another node, listed in /api/node for the explorer (repeatable)', collect)
    .option('--name <name>', 'a name for this node, shown in /api/node and on the explorer\'s devnet page (letters, digits, . _ -)')
    .option('--mine', 'mine continuously (needs --miner-address)')
    .option('--miner-address <addr>', 'address that receives mined coins')
    .option('--miner-threads <n>', 'mining worker threads (default: all cores)')
    .option('--dbcache <MB>', 'UTXO cache size in MB (default 256)')
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]))
    .addOption(new Option('--log-format <format>', 'json lines or pretty text (default: pretty at a terminal, json otherwise)').choices(['json', 'pretty']))
    .option('--no-secure', 'plaintext p2p (only with peers started the same way)')
    .option('--allow-plaintext', 'accept plaintext peers when neither side pins an identity')
    .option('--allow-peers <file>', 'only these identities (one hex key per line) may connect inbound')
    .option('--advertise <url>', 'p2p URL to tell other nodes (default ws://<p2p-host>:<p2p-port>)')
    .option('--explorer-dir <dir>', 'explorer build served at / (default dist/explorer of the package)')
    .option('--verify-threads <n>', 'signature verification threads (default 2)')
    .addOption(new Option('--verifier <backend>', 'signature verifier: native libsecp256k1 if it loads and passes its self-test, else WASM (auto, default); or force one').choices([...VERIFIER_CHOICES]))
    .option('-V, --version', 'print the version and exit')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Config file: <datadir>/${CONFIG_FILE}, key=value lines with the long flag names (api-port=18643,
peer=ws://10.0.0.2:18544 repeated for lists, mine=1). Flags override the file.
Admin API: the token in <datadir>/.cookie (new at every start) as "Authorization: Bearer <token>".
Signals: SIGINT/SIGTERM stop the node gracefully (flush, close peers, close databases).
Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad configuration.`,
    );
}

function intIn(v: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`--${flag} must be a whole number, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(v: string, flag: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${flag} must be 1 or 0, got ${JSON.stringify(v)}`);
}

/**
 * Resolves argv (without node and script) into a NodeConfig. Reads the config file
 * from the datadir the flags (or the network's default) point at.
 */
export function parseConfig(argv: readonly string[], opts: { readFile?: (p: string) => string | undefined } = {}): NodeConfig {
  const cmd = buildCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    throw new ConfigError((e as Error).message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)'));
  }
  const o = cmd.opts<Record<string, string | string[] | boolean | undefined>>();
  const src = (k: string): string => (cmd.getOptionValueSource(k) === 'cli' ? 'cli' : 'default');
  const flagNetwork = o.network as string | undefined;
  const preDatadir = (o.datadir as string | undefined) ?? defaultDatadir(flagNetwork ?? 'main');
  const file = join(resolve(preDatadir), CONFIG_FILE);
  const read = opts.readFile ?? ((p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConfigError(`cannot read ${p}: ${(e as Error).message}`);
    }
  });
  const text = read(file);
  const conf = text === undefined ? new Map<string, string[]>() : parseConfigFile(text, file);
  // flag value if given on the command line, else the file's, else undefined
  const one = (key: string, flag: string): string | undefined => {
    if (src(key) === 'cli') return o[key] as string;
    const v = conf.get(flag);
    return v?.[v.length - 1];
  };
  const list = (key: string, flag: string): string[] => (src(key) === 'cli' ? (o[key] as string[]) : (conf.get(flag) ?? []));
  const sw = (key: string, flag: string, dflt: boolean): boolean => {
    if (src(key) === 'cli') return o[key] as boolean;
    const v = conf.get(flag);
    return v ? bool(v[v.length - 1]!, `${flag} in ${file}`) : dflt;
  };

  const networkName = one('network', 'network') ?? 'main';
  if (!(networkName in NETWORKS)) throw new ConfigError(`unknown network '${networkName}' (use regtest, devnet or main)`);
  const network = networkName as NetworkName;
  const params = NETWORKS[network];
  const datadir = resolve((o.datadir as string | undefined) ?? defaultDatadir(network));
  const port = (key: string, flag: string, dflt: number): number => {
    const v = one(key, flag);
    return v === undefined ? dflt : intIn(v, flag, 0, 65535);
  };
  const cfg: NodeConfig = {
    network,
    datadir,
    p2pPort: port('p2pPort', 'p2p-port', params.defaultP2pPort),
    p2pHost: one('p2pHost', 'p2p-host') ?? '0.0.0.0',
    listen: sw('listen', 'listen', true),
    apiPort: port('apiPort', 'api-port', params.defaultApiPort),
    apiHost: one('apiHost', 'api-host') ?? '127.0.0.1',
    apiCert: one('apiCert', 'api-cert'),
    apiKey: one('apiKey', 'api-key'),
    peers: list('peer', 'peer'),
    siblings: list('sibling', 'sibling'),
    name: one('name', 'name'),
    mine: sw('mine', 'mine', false),
    minerAddress: one('minerAddress', 'miner-address'),
    minerThreads: one('minerThreads', 'miner-threads') === undefined ? undefined : intIn(one('minerThreads', 'miner-threads')!, 'miner-threads', 1, 256),
    dbcacheMb: one('dbcache', 'dbcache') === undefined ? 256 : intIn(one('dbcache', 'dbcache')!, 'dbcache', 4, 1 << 20),
    logLevel: (one('logLevel', 'log-level') ?? 'info') as LogLevel,
    logFormat: one('logFormat', 'log-format') as NodeConfig['logFormat'],
    secure: sw('secure', 'secure', true),
    allowPlaintext: sw('allowPlaintext', 'allow-plaintext', false),
    allowPeers: one('allowPeers', 'allow-peers'),
    advertise: one('advertise', 'advertise'),
    explorerDir: one('explorerDir', 'explorer-dir'),
    verifyThreads: one('verifyThreads', 'verify-threads') === undefined ? undefined : intIn(one('verifyThreads', 'verify-threads')!, 'verify-threads', 0, 64),
    verifier: (one('verifier', 'verifier') ?? 'auto') as VerifierChoice,
  };
  return validate(cfg);
}

export function validate(cfg: NodeConfig): NodeConfig {
  if (!(LOG_LEVELS as readonly string[]).includes(cfg.logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  if (!(VERIFIER_CHOICES as readonly string[]).includes(cfg.verifier)) throw new ConfigError(`--verifier must be one of ${VERIFIER_CHOICES.join(', ')}, got ${JSON.stringify(cfg.verifier)}`);
  if ((cfg.apiCert === undefined) !== (cfg.apiKey === undefined)) throw new ConfigError('--api-cert and --api-key go together: give both to serve HTTPS, or neither');
  const hrp = NETWORKS[cfg.network].hrp;
  if (cfg.mine && !cfg.minerAddress) throw new ConfigError(`--mine needs --miner-address <a ${hrp}1... address>`);
  if (cfg.minerAddress) {
    try {
      addressToScript(cfg.minerAddress, hrp);
    } catch (e) {
      throw new ConfigError(`--miner-address: ${(e as Error).message}`);
    }
  }
  for (const p of cfg.peers) {
    if (!/^wss?:\/\/[^\s/]+/.test(p)) throw new ConfigError(`--peer must be a ws:// or wss:// URL, got ${JSON.stringify(p)}`);
  }
  if (cfg.name !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(cfg.name)) throw new ConfigError(`--name must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(cfg.name)}`);
  for (const s of cfg.siblings) {
    if (!/^https?:\/\/\S+$/.test(s)) throw new ConfigError(`--sibling must be an http(s):// API URL, got ${JSON.stringify(s)}`);
  }
  return cfg;
}
