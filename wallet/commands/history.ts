// `history` and `tx`: the wallet's transactions as the node reports them, and what one
// transaction did to this wallet.
import { bytesToHex } from '../../src/primitives/bytes.js';
import { formatAmount } from '../amount.js';
import { checkTxid } from '../client.js';
import { synced, type CommandContext } from '../session.js';

export function registerHistory(ctx: CommandContext): void {
  const { program, session: S } = ctx;
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
}
