// Commands that show the wallet: `info` (no node needed), `address` (hands out a new
// receive address), `addresses`, `balance` and `utxos` (read the chain through the node).
import { formatAmount } from '../amount.js';
import { RECEIVE } from '../keys.js';
import type { Snapshot, Wallet } from '../wallet.js';
import { balanceText, synced, type CommandContext } from '../session.js';

export function registerView(ctx: CommandContext): void {
  const { program, session: S } = ctx;
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
}

function snapshotCoinsJson(w: Wallet, snap: Snapshot) {
  return snap.coins.map((c) => ({
    txid: c.txid, vout: c.vout, value: c.value, address: c.address, confirmations: c.confirmations,
    coinbase: c.coinbase, immature: w.isImmature(c), spendable: w.isSpendable(c),
  }));
}

