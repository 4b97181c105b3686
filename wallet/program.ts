// The `cairn-wallet` commands. runCli() returns the exit code instead of exiting, so the
// program can be driven in-process. Exit codes: 0 success, 1 a refused operation (a
// WalletError: message + hint on stderr, or {"error": …} with --json), 2 bad usage.
// The wallet file is written only at the end of a command that succeeded, and only if
// its contents changed: every failure leaves it byte-for-byte as it was.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { bytesToHex } from '../src/primitives/bytes.js';
import { formatAmount, formatFeeRate, parseAmount, parseFeeRate } from './amount.js';
import { DEFAULT_API_PORTS, EsploraClient, checkTxid, defaultNodeUrl, fetchWithCa } from './client.js';
import { WalletError } from './errors.js';
import type { CliIo } from './io.js';
import { KeyChain, RECEIVE, generateMnemonic, isNetwork, type Network } from './keys.js';
import { DEFAULT_LOG_N, createFileExclusive, open, readWalletFile, seal, writeFileAtomic } from './keystore.js';
import { extractTx, finalizePsbt, isFinalized, psbtFromBase64, psbtToBase64, type Psbt } from './psbt.js';
import { decodeState, encodeState } from './state.js';
import { Wallet, feeRateForTarget, type Draft, type Payment, type RebroadcastNote, type Snapshot } from './wallet.js';

export const DEFAULT_TARGET = 6;

interface Globals {
  node?: string;
  network?: string;
  ca?: string;
  wallet?: string;
  json?: boolean;
  passphraseFile?: string;
  timeout?: string;
}

/** JSON with bigints written as exact integers (JSON.stringify can't, Number would round). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000big:${x}` : x), 2).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

class Session {
  private loaded?: { wallet: Wallet; pass: string; logN: number; original: string };
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
      if (again !== p) throw new WalletError('bad-input', 'passphrases do not match');
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

  async create(wallet: Wallet, logN: number): Promise<void> {
    const pass = await this.passphrase(true);
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
      this.io.err(toJson({ notice: n }).replace(/\n\s*/g, ' ') + '\n');
      return;
    }
    const why = n.code ? ` (${n.code}${n.message ? ': ' + n.message : ''})` : '';
    if (n.action === 'rebroadcast') this.io.err(`note: the node no longer knew transaction ${n.txid} (restarted or dropped it); re-broadcast it\n`);
    else if (n.action === 'conflicted') this.io.err(`warning: transaction ${n.txid} will never confirm: the node refused it${why}; its inputs were spent by another transaction. Marked conflicted, no longer pending\n`);
    else this.io.err(`warning: the node no longer knew transaction ${n.txid} and refused it again${why}; will retry at the next sync\n`);
  }

  print(human: string, json: unknown): void {
    this.io.out(this.json ? toJson(json) + '\n' : human.endsWith('\n') ? human : human + '\n');
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

function parseLogN(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LOG_N;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4 || n > 22) throw new WalletError('bad-input', `--kdf-log-n must be an integer 4..22`);
  return n;
}

function parseIntOpt(name: string, v: string | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new WalletError('bad-input', `--${name} must be an integer ≥ ${min}`);
  return n;
}

async function feeRateOf(client: EsploraClient, o: { feeRate?: string; target?: string }): Promise<bigint> {
  if (o.feeRate !== undefined && o.target !== undefined) throw new WalletError('bad-input', 'give --fee-rate or --target, not both');
  if (o.feeRate !== undefined) return parseFeeRate(o.feeRate);
  const target = parseIntOpt('target', o.target, DEFAULT_TARGET, 1);
  return feeRateForTarget(await client.feeEstimates(), target);
}

/**
 * Every sync first re-broadcasts the wallet's own sends the node no longer knows (and says
 * so on stderr: text, or one JSON line per notice with --json), then reads the chain.
 */
async function synced(s: Session, w: Wallet, client: EsploraClient, opts: { coinbaseOfAll?: boolean } = {}): Promise<Snapshot> {
  const notes = await w.rebroadcast(client, s.io.now());
  for (const n of notes) s.notice(n);
  return w.sync(client, undefined, opts);
}

function draftJson(d: Draft, broadcast: boolean, txid?: string) {
  return {
    txid: txid ?? d.tx.txidHex(), broadcast, signed: d.signed,
    fee: d.fee, feeRate: Number(d.feeRate) / 1000, vsize: d.tx.vsize, weight: d.tx.weight,
    inputs: d.coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, address: c.address })),
    payments: d.payments, change: d.change ? { address: d.change.address, value: d.change.value } : null,
    ...(d.replaces ? { replaces: d.replaces } : {}),
    ...(d.signed ? { hex: d.tx.toHex() } : {}),
  };
}

function draftText(d: Draft): string {
  const lines = d.payments.map((p) => `  pay    ${formatAmount(p.value)} to ${p.address}`);
  if (d.change) lines.push(`  change ${formatAmount(d.change.value)} to ${d.change.address}`);
  lines.push(`  fee    ${formatAmount(d.fee)} (${formatFeeRate(d.feeRate)} per vB, ${d.tx.vsize} vB, ${d.coins.length} input${d.coins.length === 1 ? '' : 's'})`);
  if (d.replaces) lines.push(`  replaces ${d.replaces}`);
  return lines.join('\n');
}

/** send, sendmany and bump share this: summary, confirmation, broadcast, record, save. */
async function finishSend(s: Session, w: Wallet, client: EsploraClient, d: Draft, o: { dryRun?: boolean; yes?: boolean }): Promise<void> {
  if (o.dryRun) {
    s.print(`Dry run, nothing sent:\n${draftText(d)}\n  txid   ${d.tx.txidHex()}`, draftJson(d, false));
    return; // the change index taken by the draft is not saved
  }
  // With --json, stderr stays machine-readable unless a person is there to read it.
  if (!s.json || (!o.yes && s.io.interactive)) s.io.err(`About to send:\n${draftText(d)}\n`);
  await s.confirm('Broadcast this transaction?', o.yes);
  const txid = await client.broadcast(d.tx.toHex());
  if (txid !== d.tx.txidHex()) throw new WalletError('node-error', `node reported txid ${txid}, expected ${d.tx.txidHex()}`);
  w.recordSent(d, s.io.now());
  s.save();
  s.print(`Sent ${txid}`, draftJson(d, true, txid));
}

function parsePayments(text: string, file: string): Payment[] {
  const t = text.trim();
  const rows: { address: string; amount: string }[] = [];
  if (t.startsWith('[') || t.startsWith('{')) {
    let j: unknown;
    try {
      j = JSON.parse(t);
    } catch {
      throw new WalletError('bad-input', `${file} is not valid JSON`);
    }
    if (Array.isArray(j)) {
      for (const r of j) {
        if (!r || typeof r.address !== 'string' || (typeof r.amount !== 'string' && typeof r.amount !== 'number')) {
          throw new WalletError('bad-input', `${file}: each entry needs "address" and "amount"`);
        }
        if (typeof r.amount === 'number' && !Number.isInteger(r.amount)) {
          throw new WalletError('bad-amount', `${file}: write fractional amounts as strings ("1.25"), never JSON floats`);
        }
        rows.push({ address: r.address, amount: typeof r.amount === 'number' ? `${r.amount}sat` : r.amount });
      }
    } else {
      for (const [address, amount] of Object.entries(j as Record<string, unknown>)) {
        if (typeof amount !== 'string') throw new WalletError('bad-amount', `${file}: amounts must be strings ("1.25" or "330sat")`);
        rows.push({ address, amount });
      }
    }
  } else {
    for (const [n, line] of t.split(/\r?\n/).entries()) {
      const l = line.trim();
      if (!l || l.startsWith('#')) continue;
      const parts = l.split(',').map((x) => x.trim());
      if (parts.length !== 2) throw new WalletError('bad-input', `${file}:${n + 1}: expected "address,amount"`);
      if (n === 0 && parts[0]!.toLowerCase() === 'address') continue;
      rows.push({ address: parts[0]!, amount: parts[1]! });
    }
  }
  if (rows.length === 0) throw new WalletError('bad-input', `${file} lists no payments`);
  return rows.map((r) => ({ address: r.address, value: parseAmount(r.amount) }));
}

async function readPsbtArg(s: Session, arg: string): Promise<Psbt> {
  if (arg === '-') return psbtFromBase64(await s.io.readStdin());
  if (existsSync(arg)) return psbtFromBase64(readFileSync(arg, 'utf8'));
  return psbtFromBase64(arg);
}

function writePsbt(s: Session, p: Psbt, out: string | undefined, extra: Record<string, unknown>): void {
  const b64 = psbtToBase64(p);
  if (out) {
    writeFileSync(out, b64 + '\n', { mode: 0o600 });
    s.print(`PSBT written to ${out}`, { psbt: b64, file: out, ...extra });
  } else {
    s.print(b64, { psbt: b64, ...extra });
  }
}

function snapshotCoinsJson(w: Wallet, snap: Snapshot) {
  return snap.coins.map((c) => ({
    txid: c.txid, vout: c.vout, value: c.value, address: c.address, confirmations: c.confirmations,
    coinbase: c.coinbase, immature: w.isImmature(c), spendable: w.isSpendable(c),
  }));
}

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

  const kdfOpt = () => new Option('--kdf-log-n <n>', 'scrypt cost as log2(N) (default 15; lower only for tests)').hideHelp();

  program
    .command('create')
    .description('create a new wallet; prints the mnemonic once and the first address')
    .addOption(new Option('--words <n>', 'mnemonic length').choices(['12', '24']).default('24'))
    .option('--xpub <xpub>', 'make a watch-only wallet from an account xpub (m/86\'/coin\'/account\')')
    .option('--fingerprint <hex>', 'master key fingerprint for the xpub (for PSBT derivation paths)')
    .option('--account <n>', 'BIP86 account number', '0')
    .option('--bip39-passphrase-file <file>', 'optional BIP39 passphrase ("25th word") from a file')
    .addOption(kdfOpt())
    .action(async (o) => {
      const s = S();
      const network = await networkFor(s);
      const account = parseIntOpt('account', o.account, 0);
      const logN = parseLogN(o.kdfLogN);
      if (existsSync(s.walletPath())) throw new WalletError('wallet-exists', `a wallet file already exists at ${s.walletPath()}`, 'choose another --wallet path');
      let mnemonic: string | undefined;
      let keys: KeyChain;
      if (o.xpub) {
        const fp = o.fingerprint ? parseFingerprint(o.fingerprint) : 0;
        keys = KeyChain.fromExtended(o.xpub, network, account, fp);
        if (!keys.watchOnly) throw new WalletError('bad-xpub', 'give an xpub, not an xprv, for a watch-only wallet');
      } else {
        mnemonic = generateMnemonic(Number(o.words) as 12 | 24, io.rng);
        keys = KeyChain.fromMnemonic(mnemonic, bip39Passphrase(s, o.bip39PassphraseFile), network, account);
      }
      const w = Wallet.fromKeys(keys);
      const first = w.newAddress();
      await s.create(w, logN);
      const human = mnemonic
        ? `Created ${network} wallet at ${s.walletPath()}\n\nWrite down these ${mnemonic.split(' ').length} words; they are shown only once and restore the wallet:\n\n  ${mnemonic}\n\nFirst address: ${first.address}`
        : `Created watch-only ${network} wallet at ${s.walletPath()}\nFirst address: ${first.address}`;
      s.print(human, { network, wallet: s.walletPath(), watchOnly: keys.watchOnly, ...(mnemonic ? { mnemonic } : {}), address: first.address, xpub: keys.xpub });
    });

  program
    .command('restore')
    .description('restore a wallet from its mnemonic and rescan the chain (gap limit 20)')
    .option('--mnemonic-file <file>', 'read the mnemonic from FILE (else env CAIRN_WALLET_MNEMONIC, else a prompt or stdin)')
    .option('--account <n>', 'BIP86 account number', '0')
    .option('--bip39-passphrase-file <file>', 'BIP39 passphrase used when the wallet was created')
    .option('--gap <n>', 'stop after this many unused addresses in a row', '20')
    .addOption(kdfOpt())
    .action(async (o) => {
      const s = S();
      if (existsSync(s.walletPath())) throw new WalletError('wallet-exists', `a wallet file already exists at ${s.walletPath()}`, 'choose another --wallet path');
      const mnemonic = await readMnemonic(s, o.mnemonicFile);
      const client = s.client();
      const network = s.givenNetwork() ?? (await client.network());
      const keys = KeyChain.fromMnemonic(mnemonic, bip39Passphrase(s, o.bip39PassphraseFile), network, parseIntOpt('account', o.account, 0));
      const w = Wallet.fromKeys(keys);
      await w.checkNode(client);
      const snap = await w.sync(client, parseIntOpt('gap', o.gap, 20, 1));
      const bal = w.balance(snap);
      await s.create(w, parseLogN(o.kdfLogN));
      const used = snap.addresses.filter((a) => a.txCount > 0).length;
      s.print(
        `Restored ${network} wallet at ${s.walletPath()}: ${used} used address${used === 1 ? '' : 'es'}\n${balanceText(bal)}`,
        { network, wallet: s.walletPath(), usedAddresses: used, next: { receive: w.data.next[0], change: w.data.next[1] }, ...bal },
      );
    });

  program
    .command('info')
    .description('show the wallet\'s network, account and xpub (no node needed)')
    .action(async () => {
      const s = S();
      const w = await s.load();
      const fp = w.data.masterFingerprint.toString(16).padStart(8, '0');
      const j = {
        wallet: s.walletPath(), network: w.network, watchOnly: w.watchOnly, account: w.data.account, path: w.keys.path,
        xpub: w.keys.xpub, fingerprint: fp, nextReceiveIndex: w.data.next[0], nextChangeIndex: w.data.next[1],
        sentTxs: Object.keys(w.data.txs).length, node: s.nodeUrl(),
      };
      s.print(Object.entries(j).map(([k, v]) => `${k.padEnd(16)} ${v}`).join('\n'), j);
    });

  program
    .command('address')
    .description('hand out a new receive address')
    .option('--label <text>', 'remember a label for it')
    .action(async (o) => {
      const s = S();
      const w = await s.load();
      const d = w.newAddress(o.label);
      s.save();
      s.print(d.address, { address: d.address, index: d.index, path: d.path, ...(o.label ? { label: o.label } : {}) });
    });

  program
    .command('addresses')
    .description('list issued and used addresses with their balances')
    .action(async () => {
      const s = S();
      const w = await s.load();
      const snap = await synced(s, w, await s.connected(w));
      s.save();
      const rows = snap.addresses.map((a) => ({ address: a.address, chain: a.chain === RECEIVE ? 'receive' : 'change', index: a.index, label: a.label ?? null, balance: a.balance, txCount: a.txCount }));
      s.print(rows.map((r) => `${r.address}  ${formatAmount(r.balance).padStart(20)}  ${r.chain}/${r.index}${r.label ? '  ' + r.label : ''}`).join('\n') || '(no addresses)', rows);
    });

  program
    .command('balance')
    .description('confirmed, unconfirmed and immature (coinbase outputs until maturity + 1 confirmations) amounts')
    .action(async () => {
      const s = S();
      const w = await s.load();
      const snap = await synced(s, w, await s.connected(w));
      s.save();
      const b = w.balance(snap);
      s.print(balanceText(b), { ...b, tip: snap.tip });
    });

  program
    .command('utxos')
    .description('list the wallet\'s unspent outputs')
    .action(async () => {
      const s = S();
      const w = await s.load();
      const snap = await synced(s, w, await s.connected(w), { coinbaseOfAll: true });
      s.save();
      const rows = snapshotCoinsJson(w, snap);
      s.print(rows.map((c) => `${c.txid}:${c.vout}  ${formatAmount(c.value).padStart(20)}  ${c.confirmations} conf${c.immature ? '  immature' : ''}  ${c.address}`).join('\n') || '(no coins)', rows);
    });

  /** What `send` and `psbt create` share: load, check the address, sync, and draft one payment. */
  const draftPayment = async (s: Session, address: string, amount: string, o: { feeRate?: string; target?: string; subtractFee?: boolean }) => {
    const value = parseAmount(amount);
    const w = await s.load();
    w.scriptFor(address);
    const client = await s.connected(w);
    const feeRate = await feeRateOf(client, o);
    const snap = await synced(s, w, client);
    const d = w.draftSend(snap, [{ address, value }], { feeRate, subtractFee: Boolean(o.subtractFee), rng: io.rng });
    return { w, client, d };
  };

  const feeOpts = (c: Command) =>
    c.option('--fee-rate <n>', 'base units per vbyte (e.g. 2 or 1.5)')
      .option('--target <blocks>', `confirm within this many blocks, using /api/fee-estimates (default ${DEFAULT_TARGET})`);

  feeOpts(program.command('send <address> <amount>'))
    .description('pay an address; amount in coins ("1.25") or base units ("125000000sat")')
    .option('--subtract-fee', 'the recipient pays the fee out of the amount')
    .option('--dry-run', 'build and sign but do not broadcast (or save anything)')
    .option('--yes', 'skip the confirmation question')
    .action(async (address: string, amount: string, o) => {
      const s = S();
      const { w, client, d } = await draftPayment(s, address, amount, o);
      if (!d.signed) throw new WalletError('watch-only', 'this is a watch-only wallet and cannot sign', 'use `psbt create` here and `psbt sign` with the seed-holding wallet');
      await finishSend(s, w, client, d, o);
    });

  feeOpts(program.command('sendmany <file>'))
    .description('pay several addresses in one tx; FILE is CSV lines "address,amount" or JSON [{address, amount}]')
    .option('--subtract-fee', 'recipients share the fee')
    .option('--dry-run', 'build and sign but do not broadcast')
    .option('--yes', 'skip the confirmation question')
    .action(async (file: string, o) => {
      const s = S();
      let text: string;
      try {
        text = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
      } catch (e) {
        throw new WalletError('bad-input', `cannot read ${file}: ${(e as Error).message}`);
      }
      const payments = parsePayments(text, file);
      const w = await s.load();
      for (const p of payments) w.scriptFor(p.address);
      const client = await s.connected(w);
      const feeRate = await feeRateOf(client, o);
      const snap = await synced(s, w, client);
      const d = w.draftSend(snap, payments, { feeRate, subtractFee: Boolean(o.subtractFee), rng: io.rng });
      if (!d.signed) throw new WalletError('watch-only', 'this is a watch-only wallet and cannot sign');
      await finishSend(s, w, client, d, o);
    });

  program
    .command('bump <txid>')
    .description('replace an unconfirmed wallet transaction with a higher fee (BIP125 RBF)')
    .requiredOption('--fee-rate <n>', 'new rate in base units per vbyte')
    .option('--dry-run', 'build but do not broadcast')
    .option('--yes', 'skip the confirmation question')
    .action(async (txid: string, o) => {
      const s = S();
      const feeRate = parseFeeRate(o.feeRate);
      const w = await s.load();
      if (w.watchOnly) throw new WalletError('watch-only', 'a watch-only wallet cannot sign a replacement');
      const client = await s.connected(w);
      const snap = await synced(s, w, client);
      const d = await w.draftBump(client, snap, checkTxid(txid), feeRate, io.rng);
      await finishSend(s, w, client, d, o);
    });

  program
    .command('history')
    .description('wallet transactions, newest first: amount (net), fee, confirmations')
    .action(async () => {
      const s = S();
      const w = await s.load();
      const client = await s.connected(w);
      const snap = await synced(s, w, client);
      const h = await w.history(client, snap);
      s.save();
      s.print(
        h.map((e) => `${e.txid}  ${formatAmount(e.amount).padStart(20)}  fee ${e.fee === null ? '-' : formatAmount(e.fee)}  ${e.conflicted ? 'conflicted (never confirms)' : `${e.confirmations} conf`}`).join('\n') || '(no transactions)',
        h,
      );
    });

  program
    .command('tx <txid>')
    .description('one transaction and what it did to this wallet')
    .action(async (txid: string) => {
      const s = S();
      const w = await s.load();
      const client = await s.connected(w);
      const snap = await synced(s, w, client);
      const t = await client.tx(checkTxid(txid));
      const mine = new Set(snap.addresses.map((a) => bytesToHex(a.script)));
      const e = w.describe(t, snap.tip, mine);
      const j = { ...e, size: t.size, weight: t.weight, inputs: t.vin.length, outputs: t.vout.map((o) => ({ address: o.scriptpubkey_address ?? null, value: BigInt(o.value), mine: mine.has(o.scriptpubkey) })) };
      s.print(
        `txid          ${e.txid}\nnet amount    ${formatAmount(e.amount)}\nfee           ${e.fee === null ? '-' : formatAmount(e.fee)}\nconfirmations ${e.confirmations}\n` +
          j.outputs.map((o, i) => `  out ${i}: ${formatAmount(o.value)} ${o.address ?? '(non-address)'}${o.mine ? ' (mine)' : ''}`).join('\n'),
        j,
      );
    });

  const psbt = program.command('psbt').description('offline signing with BIP174/BIP371 PSBTs');
  feeOpts(psbt.command('create <address> <amount>'))
    .description('an unsigned PSBT paying ADDRESS (works on watch-only wallets)')
    .option('--subtract-fee', 'the recipient pays the fee')
    .option('--out <file>', 'write the PSBT (base64) to FILE')
    .action(async (address: string, amount: string, o) => {
      const s = S();
      const { w, d } = await draftPayment(s, address, amount, o);
      const p = w.draftToPsbt(d);
      s.save(); // the change address is now handed out
      writePsbt(s, p, o.out, { fee: d.fee, txid: p.tx.txidHex() });
    });
  psbt
    .command('sign <psbt>')
    .description('add this wallet\'s signatures (PSBT as base64, a file, or - for stdin)')
    .option('--out <file>', 'write the result to FILE')
    .action(async (arg: string, o) => {
      const s = S();
      const p = await readPsbtArg(s, arg);
      const w = await s.load();
      const n = w.signPsbt(p, io.rng);
      if (n === 0) throw new WalletError('bad-psbt', 'no input of this PSBT belongs to this wallet', 'is it the right wallet and network?');
      writePsbt(s, p, o.out, { signedInputs: n, complete: p.inputs.every((i) => i.tapKeySig || i.finalScriptWitness) });
    });
  psbt
    .command('finalize <psbt>')
    .description('turn signatures into final witnesses; prints the PSBT (or the raw tx with --extract)')
    .option('--extract', 'print the network transaction hex instead')
    .option('--out <file>', 'write the result to FILE')
    .action(async (arg: string, o) => {
      const s = S();
      const p = finalizePsbt(await readPsbtArg(s, arg));
      if (o.extract) {
        const tx = extractTx(p);
        s.print(tx.toHex(), { txid: tx.txidHex(), hex: tx.toHex() });
      } else {
        writePsbt(s, p, o.out, { complete: true });
      }
    });
  psbt
    .command('broadcast <psbt>')
    .description('finalize if needed, extract and broadcast')
    .action(async (arg: string) => {
      const s = S();
      let p = await readPsbtArg(s, arg);
      if (!isFinalized(p)) p = finalizePsbt(p);
      const tx = extractTx(p);
      const txid = await s.client().broadcast(tx.toHex());
      s.print(`Sent ${txid}`, { txid, broadcast: true });
    });

  program
    .command('wait <txid>')
    .description('show progress until the transaction has N confirmations')
    .option('--confirmations <n>', 'confirmations to wait for', '1')
    .option('--interval <seconds>', 'poll interval', '2')
    .option('--max-wait <seconds>', 'give up after this long (default: never)')
    .action(async (txid: string, o) => {
      const s = S();
      const want = parseIntOpt('confirmations', o.confirmations, 1, 1);
      const interval = Number(o.interval);
      if (!Number.isFinite(interval) || interval <= 0) throw new WalletError('bad-input', '--interval must be a positive number of seconds');
      const maxWait = o.maxWait === undefined ? Infinity : Number(o.maxWait) * 1000;
      const client = s.client();
      const id = checkTxid(txid);
      const start = io.now();
      let last = -1;
      for (;;) {
        const st = await client.txStatus(id);
        const conf = st.confirmed && st.block_height !== undefined ? (await client.tipHeight()) - st.block_height + 1 : 0;
        if (conf !== last) {
          if (!s.json) io.err(`${id}: ${conf}/${want} confirmation${want === 1 ? '' : 's'}${conf === 0 ? ' (in mempool)' : ''}\n`);
          last = conf;
        }
        if (conf >= want) {
          s.print(`Confirmed: ${conf} confirmation${conf === 1 ? '' : 's'} (block ${st.block_height})`, { txid: id, confirmations: conf, blockHeight: st.block_height, blockHash: st.block_hash });
          return;
        }
        if (io.now() - start >= maxWait) throw new WalletError('aborted', `gave up after ${o.maxWait} s with ${conf}/${want} confirmations`);
        await io.sleep(interval * 1000);
      }
    });

  return { program, session: S };
}

function balanceText(b: { confirmed: bigint; unconfirmed: bigint; immature: bigint }): string {
  return `confirmed    ${formatAmount(b.confirmed)}\nunconfirmed  ${formatAmount(b.unconfirmed)}\nimmature     ${formatAmount(b.immature)}`;
}

function parseFingerprint(hex: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new WalletError('bad-input', '--fingerprint is 8 hex digits');
  return parseInt(hex, 16) >>> 0;
}

function bip39Passphrase(s: Session, file: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
    } catch (e) {
      throw new WalletError('bad-input', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return s.io.env.CAIRN_BIP39_PASSPHRASE ?? '';
}

async function readMnemonic(s: Session, file: string | undefined): Promise<string> {
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new WalletError('bad-input', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (s.io.env.CAIRN_WALLET_MNEMONIC) return s.io.env.CAIRN_WALLET_MNEMONIC;
  if (s.io.interactive) return s.io.promptHidden('Mnemonic (12 or 24 words): ');
  return s.io.readStdin();
}

/** The network a new wallet is for: --network/CAIRN_NETWORK, else the node's. */
async function networkFor(s: Session): Promise<Network> {
  return s.givenNetwork() ?? s.client().network();
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

