// What every cairn-wallet command shares: the global options, the Session (wallet file,
// passphrase, node client, output in text or --json) and small option parsers. A command
// module (wallet/commands/*.ts) receives a CommandContext and registers its commands.
// The wallet file is written only by Session.save()/create(), only after a command
// succeeded and only if its contents changed.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { bytesToHex } from '../src/primitives/bytes.js';
import { formatAmount, parseFeeRate } from './amount.js';
import { EsploraClient, defaultNodeUrl, fetchWithCa } from './client.js';
import { WalletError } from './errors.js';
import type { CliIo } from './io.js';
import { isNetwork, type Network } from './keys.js';
import { DEFAULT_LOG_N, createFileExclusive, open, readWalletFile, seal, writeFileAtomic } from './keystore.js';
import { decodeState, encodeState } from './state.js';
import { Wallet, feeRateForTarget, type RebroadcastNote, type Snapshot } from './wallet.js';

export const DEFAULT_TARGET = 6;

export interface Globals {
  node?: string;
  network?: string;
  ca?: string;
  wallet?: string;
  json?: boolean;
  passphraseFile?: string;
  timeout?: string;
}

/** A new wallet's passphrase needs at least this many characters (Unicode code points). */
export const MIN_PASSPHRASE_LENGTH = 8;

/** camelCase → snake_case, the node API's and Bitcoin Core's RPC convention. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/**
 * Every object key of `v` in snake_case, recursively (values untouched). All --json output
 * goes through this, so a field added in camelCase still comes out like the node's API.
 */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [snakeCase(k), snakeKeys(x)]));
  }
  return v;
}

/** JSON with bigints written as exact integers (JSON.stringify can't, Number would round). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000big:${x}` : x), 2).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

export class Session {
  private loaded?: { wallet: Wallet; pass: string; logN: number; original: string };
  private newPass?: string;
  constructor(readonly io: CliIo, readonly g: Globals) {}

  get json(): boolean {
    return Boolean(this.g.json);
  }

  walletPath(): string {
    return this.g.wallet ?? this.io.env.CAIRN_WALLET ?? join(this.io.env.HOME ?? homedir(), '.cairn', 'wallet.json');
  }

  /** --network, else CAIRN_NETWORK; undefined when neither is set. */
  givenNetwork(): Network | undefined {
    const n = this.g.network ?? this.io.env.CAIRN_NETWORK;
    if (n === undefined || n === '') return undefined;
    if (!isNetwork(n)) throw new WalletError('bad-input', `unknown network "${n}"`, 'use regtest, devnet or main');
    return n;
  }

  /**
   * --node, else CAIRN_NODE, else cairnd's default API port on this machine for the
   * wallet's network (or the given one; main, cairnd's own default, when nothing says).
   */
  nodeUrl(): string {
    const explicit = this.g.node ?? this.io.env.CAIRN_NODE;
    if (explicit !== undefined && explicit !== '') return explicit;
    return defaultNodeUrl(this.loaded?.wallet.network ?? this.givenNetwork() ?? 'main');
  }

  client(): EsploraClient {
    const t = this.g.timeout !== undefined ? Number(this.g.timeout) : 15;
    if (!Number.isFinite(t) || t <= 0) throw new WalletError('bad-input', `invalid --timeout ${this.g.timeout}`);
    let fetch = this.io.fetch;
    if (this.g.ca !== undefined) {
      let pem: string;
      try {
        pem = readFileSync(this.g.ca, 'utf8');
      } catch (e) {
        throw new WalletError('bad-input', `cannot read --ca ${this.g.ca}: ${(e as Error).message}`);
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new WalletError('bad-input', `--ca ${this.g.ca} holds no PEM certificate`);
      fetch = fetchWithCa(pem);
    }
    return new EsploraClient(this.nodeUrl(), { timeoutMs: t * 1000, ...(fetch ? { fetch } : {}) });
  }

  /** --passphrase-file, then CAIRN_WALLET_PASSPHRASE, then a no-echo prompt. */
  async passphrase(confirm: boolean): Promise<string> {
    if (this.g.passphraseFile) {
      let text: string;
      try {
        text = readFileSync(this.g.passphraseFile, 'utf8');
      } catch (e) {
        throw new WalletError('bad-input', `cannot read passphrase file ${this.g.passphraseFile}: ${(e as Error).message}`);
      }
      return text.split(/\r?\n/)[0]!;
    }
    const env = this.io.env.CAIRN_WALLET_PASSPHRASE;
    if (env !== undefined) return env;
    if (!this.io.interactive) {
      throw new WalletError('bad-input', 'no wallet passphrase given', 'use --passphrase-file FILE or CAIRN_WALLET_PASSPHRASE when not at a terminal');
    }
    const p = await this.io.promptHidden('Wallet passphrase: ');
    if (confirm) {
      if (p.length === 0) throw new WalletError('bad-input', 'an empty passphrase would leave the keys unprotected');
      const again = await this.io.promptHidden('Repeat passphrase: ');
      if (again !== p) throw new WalletError('bad-input', 'the two passphrases do not match', 'run the command again and type the same passphrase twice');
    }
    return p;
  }

  async load(): Promise<Wallet> {
    const path = this.walletPath();
    const original = readWalletFile(path);
    const pass = await this.passphrase(false);
    const { plaintext, logN } = open(original, pass);
    const wallet = Wallet.fromData(decodeState(plaintext));
    const given = this.givenNetwork();
    if (given !== undefined && given !== wallet.network) {
      throw new WalletError('wrong-network', `this wallet is for ${wallet.network}, not ${given}`, 'drop --network (or CAIRN_NETWORK) or pick the other wallet file');
    }
    this.loaded = { wallet, pass, logN, original: bytesToHex(plaintext) };
    return wallet;
  }

  /** Write back only if something changed (a read-only command leaves the file alone). */
  save(): void {
    if (!this.loaded) return;
    const { wallet, pass, logN, original } = this.loaded;
    const bytes = encodeState(wallet.data);
    if (bytesToHex(bytes) === original) return;
    writeFileAtomic(this.walletPath(), seal(bytes, pass, { logN, rng: this.io.rng }), this.io.rng);
    this.loaded.original = bytesToHex(bytes);
  }

  /**
   * The passphrase for a new wallet (create, restore), asked once and kept: at least
   * MIN_PASSPHRASE_LENGTH characters from whichever source gives it. Commands ask for it
   * before any slow work, so a refusal comes at once.
   */
  async newPassphrase(): Promise<string> {
    if (this.newPass !== undefined) return this.newPass;
    const p = await this.passphrase(true);
    const n = [...p].length;
    if (n < MIN_PASSPHRASE_LENGTH) {
      throw new WalletError(
        'weak-passphrase',
        `a new wallet's passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters (this one has ${n})`,
        'choose a longer passphrase (a few words are easy to remember); nothing was written',
      );
    }
    return (this.newPass = p);
  }

  async create(wallet: Wallet, logN: number): Promise<void> {
    const pass = await this.newPassphrase();
    const path = this.walletPath();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const bytes = encodeState(wallet.data);
    createFileExclusive(path, seal(bytes, pass, { logN, rng: this.io.rng }), this.io.rng);
    this.loaded = { wallet, pass, logN, original: bytesToHex(bytes) };
  }

  async connected(wallet: Wallet): Promise<EsploraClient> {
    const c = this.client();
    await wallet.checkNode(c);
    return c;
  }

  notice(n: RebroadcastNote): void {
    if (this.json) {
      this.io.err(toJson(snakeKeys({ notice: n })).replace(/\n\s*/g, ' ') + '\n');
      return;
    }
    const why = n.code ? ` (${n.code}${n.message ? ': ' + n.message : ''})` : '';
    if (n.action === 'rebroadcast') this.io.err(`note: the node no longer knew transaction ${n.txid} (restarted or dropped it); re-broadcast it\n`);
    else if (n.action === 'conflicted') this.io.err(`warning: transaction ${n.txid} will never confirm: the node refused it${why}; its inputs were spent by another transaction. Marked conflicted, no longer pending\n`);
    else this.io.err(`warning: the node no longer knew transaction ${n.txid} and refused it again${why}; will retry at the next sync\n`);
  }

  print(human: string, json: unknown): void {
    this.io.out(this.json ? toJson(snakeKeys(json)) + '\n' : human.endsWith('\n') ? human : human + '\n');
  }

  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    if (!this.io.interactive) {
      throw new WalletError('aborted', 'not sending without confirmation', 'check the summary with --dry-run, then pass --yes');
    }
    const a = (await this.io.prompt(question + ' [y/N] ')).trim().toLowerCase();
    if (a !== 'y' && a !== 'yes') throw new WalletError('aborted', 'cancelled; nothing was sent');
  }
}

/** What a command module gets: the program to add commands to, the I/O, and the session. */
export interface CommandContext {
  readonly program: Command;
  readonly io: CliIo;
  readonly session: () => Session;
}

export function parseLogN(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LOG_N;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4 || n > 22) throw new WalletError('bad-input', `--kdf-log-n must be an integer 4..22`);
  return n;
}

export function parseIntOpt(name: string, v: string | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new WalletError('bad-input', `--${name} must be an integer ≥ ${min}`);
  return n;
}

export async function feeRateOf(client: EsploraClient, o: { feeRate?: string; target?: string }): Promise<bigint> {
  if (o.feeRate !== undefined && o.target !== undefined) throw new WalletError('bad-input', 'give --fee-rate or --target, not both');
  if (o.feeRate !== undefined) return parseFeeRate(o.feeRate);
  const target = parseIntOpt('target', o.target, DEFAULT_TARGET, 1);
  return feeRateForTarget(await client.feeEstimates(), target);
}

/**
 * Every sync first re-broadcasts the wallet's own sends the node no longer knows (and says
 * so on stderr: text, or one JSON line per notice with --json), then reads the chain.
 */
export async function synced(s: Session, w: Wallet, client: EsploraClient, opts: { coinbaseOfAll?: boolean } = {}): Promise<Snapshot> {
  const notes = await w.rebroadcast(client, s.io.now());
  for (const n of notes) s.notice(n);
  return w.sync(client, undefined, opts);
}

export function balanceText(b: { confirmed: bigint; unconfirmed: bigint; immature: bigint }): string {
  return `confirmed    ${formatAmount(b.confirmed)}\nunconfirmed  ${formatAmount(b.unconfirmed)}\nimmature     ${formatAmount(b.immature)}`;
}
