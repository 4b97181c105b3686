// The devnet's wallets, driven through the cairn-wallet CLI with --json (devnet/ is a
// client of the wallet program, not of its code). Every node gets one wallet file,
// <dir>/<node>/wallet.json, encrypted with the devnet's passphrase (play money; the state
// file that holds it is 0600). A refused wallet command surfaces as 'wallet-error' with
// the wallet's own error code and message.
import { spawn } from 'node:child_process';
import { NETWORK_FACTS } from '../src/primitives/network.js';
import { DevnetError } from './errors.js';
import type { Tools } from './launcher.js';

export interface WalletRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface WalletContext {
  readonly tools: Tools;
  readonly passphrase: string;
  /** e.g. ['ip', 'netns', 'exec', ns] — unused for local devnets */
  readonly timeoutMs?: number;
}

export function runWallet(ctx: WalletContext, args: string[]): Promise<WalletRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.tools.node, [ctx.tools.wallet, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CAIRN_WALLET_PASSPHRASE: ctx.passphrase },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ctx.timeoutMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new DevnetError('wallet-error', `cannot run cairn-wallet: ${e.message}`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}

/** Runs a wallet command with --json and returns its parsed output, or throws its error. */
export async function walletJson<T>(ctx: WalletContext, nodeUrl: string | undefined, file: string, args: string[]): Promise<T> {
  const full = ['--wallet', file, '--json', ...(nodeUrl ? ['--node', nodeUrl] : []), ...args];
  const r = await runWallet(ctx, full);
  if (r.code !== 0) {
    let msg = r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`;
    try {
      const e = (JSON.parse(r.stderr) as { error?: { code?: string; message?: string } }).error;
      if (e?.message) msg = `${e.code ?? 'error'}: ${e.message}`;
    } catch {
      /* not JSON */
    }
    throw new DevnetError('wallet-error', `cairn-wallet ${args[0]} (${file}): ${msg}`);
  }
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new DevnetError('wallet-error', `cairn-wallet ${args[0]} printed no JSON: ${r.stdout.slice(0, 200)}`);
  }
}

/** Creates a devnet wallet file (no node needed) and returns its first receive address. */
export async function createWallet(ctx: WalletContext, file: string): Promise<string> {
  const out = await walletJson<Record<string, unknown>>(ctx, undefined, file, ['create', '--words', '12', '--network', 'devnet']);
  const addr = out.address ?? out.firstAddress ?? (out.first_address as string | undefined);
  if (typeof addr !== 'string' || !addr.startsWith(`${NETWORK_FACTS.devnet.hrp}1`)) throw new DevnetError('wallet-error', `cairn-wallet create printed no devnet address: ${JSON.stringify(out).slice(0, 200)}`);
  return addr;
}

export interface WalletBalance {
  confirmed: bigint;
  unconfirmed: bigint;
  immature: bigint;
}

export async function walletBalance(ctx: WalletContext, nodeUrl: string, file: string): Promise<WalletBalance> {
  const b = await walletJson<Record<string, number | string>>(ctx, nodeUrl, file, ['balance']);
  return { confirmed: BigInt(b.confirmed ?? 0), unconfirmed: BigInt(b.unconfirmed ?? 0), immature: BigInt(b.immature ?? 0) };
}

export async function walletNewAddress(ctx: WalletContext, nodeUrl: string, file: string): Promise<string> {
  const out = await walletJson<{ address: string }>(ctx, nodeUrl, file, ['address']);
  return out.address;
}

/** Pays `amount` (wallet syntax: "1.5" coins or "1000sat") and returns the txid. */
export async function walletSend(ctx: WalletContext, nodeUrl: string, file: string, to: string, amount: string, feeRate = '1'): Promise<string> {
  const out = await walletJson<{ txid: string }>(ctx, nodeUrl, file, ['send', to, amount, '--fee-rate', feeRate, '--yes']);
  return out.txid;
}
