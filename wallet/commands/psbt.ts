// `psbt create|sign|finalize|broadcast`: offline signing with BIP174/BIP371 PSBTs. A
// watch-only wallet creates, the seed-holding wallet signs, either side broadcasts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { WalletError } from '../errors.js';
import { extractTx, finalizePsbt, isFinalized, psbtFromBase64, psbtToBase64, type Psbt } from '../psbt.js';
import type { CommandContext, Session } from '../session.js';
import { checkFee } from '../feeguard.js';
import { draftPayment, feeOpts, sentBy } from './send.js';

export function registerPsbt(ctx: CommandContext): void {
  const { program, io, session: S } = ctx;
  const psbt = program.command('psbt').description('offline signing with BIP174/BIP371 PSBTs');
  feeOpts(psbt.command('create <address> <amount>'))
    .description('an unsigned PSBT paying ADDRESS (works on watch-only wallets)')
    .option('--subtract-fee', 'the recipient pays the fee')
    .option('--out <file>', 'write the PSBT (base64) to FILE')
    .action(async (address: string, amount: string, o) => {
      const s = S();
      const { w, d } = await draftPayment(s, address, amount, o);
      checkFee(d.fee, sentBy(d), o.force);
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
}

/** Base64 of the PSBT magic "psbt\xff": how every PSBT given as text begins. */
const PSBT_BASE64_PREFIX = 'cHNidP';

/**
 * A PSBT argument: `-` for stdin, a file, or the base64 itself. Anything that is not an
 * existing file and does not start like a base64 PSBT is taken for a file that is missing.
 */
async function readPsbtArg(s: Session, arg: string): Promise<Psbt> {
  if (arg === '-') return psbtFromBase64(await s.io.readStdin());
  if (existsSync(arg)) {
    let text: string;
    try {
      text = readFileSync(arg, 'utf8');
    } catch (e) {
      throw new WalletError('no-file', `cannot read the PSBT file ${arg}: ${(e as Error).message}`, 'check the path and its permissions');
    }
    return psbtFromBase64(text);
  }
  if (!arg.trim().startsWith(PSBT_BASE64_PREFIX)) {
    throw new WalletError('no-file', `no PSBT file at ${arg}`, 'check the path; or give the PSBT itself as base64, or - to read it from stdin');
  }
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

