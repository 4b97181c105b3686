// Commands that pay: `send`, `sendmany` and `bump` (BIP125 replacement). Each drafts and
// signs a transaction, shows a summary, asks (unless --yes), broadcasts, then records the
// send and saves the wallet file; `--dry-run` stops before broadcasting and saves nothing.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatAmount, formatFeeRate, parseAmount, parseFeeRate } from '../amount.js';
import { checkTxid, type EsploraClient } from '../client.js';
import { WalletError } from '../errors.js';
import { checkFee } from '../feeguard.js';
import type { Draft, Payment, Wallet } from '../wallet.js';
import { DEFAULT_TARGET, feeRateOf, synced, type CommandContext, type Session } from '../session.js';

/** What `send` and `psbt create` share: load, check the address, sync, and draft one payment. */
export async function draftPayment(s: Session, address: string, amount: string, o: { feeRate?: string; target?: string; subtractFee?: boolean }): Promise<{ w: Wallet; client: EsploraClient; d: Draft }> {
  const value = parseAmount(amount);
  const w = await s.load();
  w.scriptFor(address);
  const client = await s.connected(w);
  const feeRate = await feeRateOf(client, o);
  const snap = await synced(s, w, client);
  const d = w.draftSend(snap, [{ address, value }], { feeRate, subtractFee: Boolean(o.subtractFee), rng: s.io.rng });
  return { w, client, d };
}

export const feeOpts = (c: Command): Command =>
  c.option('--fee-rate <n>', 'base units per vbyte (e.g. 2 or 1.5)')
    .option('--force', 'pay a fee above 0.1 coin or above 10 % of the amount sent')
    .option('--target <blocks>', `confirm within this many blocks, using /api/fee-estimates (default ${DEFAULT_TARGET})`);

export function registerSend(ctx: CommandContext): void {
  const { program, io, session: S } = ctx;
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
    .option('--force', 'pay a fee above 0.1 coin or above 10 % of the amount sent')
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

/** What a draft pays out to others (its payments, after any --subtract-fee). */
export function sentBy(d: Draft): bigint {
  return d.payments.reduce((a, p) => a + p.value, 0n);
}

function draftText(d: Draft): string {
  const lines = d.payments.map((p) => `  pay    ${formatAmount(p.value)} to ${p.address}`);
  if (d.change) lines.push(`  change ${formatAmount(d.change.value)} to ${d.change.address}`);
  lines.push(`  fee    ${formatAmount(d.fee)} (${formatFeeRate(d.feeRate)} per vB, ${d.tx.vsize} vB, ${d.coins.length} input${d.coins.length === 1 ? '' : 's'})`);
  if (d.replaces) lines.push(`  replaces ${d.replaces}`);
  return lines.join('\n');
}

/** send, sendmany and bump share this: summary, confirmation, broadcast, record, save. */
export async function finishSend(s: Session, w: Wallet, client: EsploraClient, d: Draft, o: { dryRun?: boolean; yes?: boolean; force?: boolean }): Promise<void> {
  checkFee(d.fee, sentBy(d), o.force); // a dry run says what a real one would: refused too
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

