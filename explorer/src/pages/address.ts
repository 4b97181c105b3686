// Address: the address with a copy button and its QR code, balance (confirmed and
// pending), totals received and sent, the transaction
// history newest first (25 at a time, then "load more" through the API's last-seen-txid
// paging) and the unspent outputs. Refreshed when blocks or transactions arrive.
import type { AddressInfo, TxInfo, Utxo } from '../api.js';
import { cell, h, kvTable, link, section } from '../dom.js';
import { formatCoins, formatInt, shortHash } from '../format.js';
import { debounce, errorView, loading, notFoundView, type PageCtx, txCard, txHref } from './common.js';
import { copyButton, qrSvg } from '../qr.js';

/** How much this address gained (positive) or lost in one transaction. */
export function netForAddress(tx: TxInfo, address: string): number {
  let net = 0;
  for (const o of tx.vout) if (o.scriptpubkey_address === address) net += o.value;
  for (const i of tx.vin) if (i.prevout?.scriptpubkey_address === address) net -= i.prevout.value;
  return net;
}

export async function addressPage(ctx: PageCtx): Promise<void> {
  const address = ctx.params.address!;
  if (!/^(crn|tcrn|rcrn)1[02-9ac-hj-np-z]{6,}$/.test(address)) {
    ctx.root.replaceChildren(notFoundView(`"${address}" is not a Cairn address.`));
    return;
  }
  ctx.setTitle(`Address ${shortHash(address, 8)} · Cairn`);
  ctx.root.append(loading());
  let history: TxInfo[] = [];
  let more = true;
  const load = async () => {
    const [info, txs, utxos] = await Promise.all([ctx.api.address(address), ctx.api.addressTxs(address), ctx.api.addressUtxos(address)]);
    if (!ctx.alive()) return;
    // keep pages loaded with "more" that are older than the refreshed first page
    const seen = new Set(txs.map((t) => t.txid));
    history = [...txs, ...history.filter((t) => !seen.has(t.txid) && t.status.confirmed)];
    if (txs.length < 25 && history.length === txs.length) more = false;
    draw(info, utxos);
  };
  const loadMore = async () => {
    const last = [...history].reverse().find((t) => t.status.confirmed);
    if (!last) {
      more = false;
      return;
    }
    const page = await ctx.api.addressTxs(address, last.txid);
    if (!ctx.alive()) return;
    if (page.length < 25) more = false;
    const seen = new Set(history.map((t) => t.txid));
    history = [...history, ...page.filter((t) => !seen.has(t.txid))];
  };
  // made once: the address never changes while the page is open
  const head = h(
    'div',
    { class: 'addr-head' },
    h('div', { class: 'addr-line' }, h('p', { class: 'hash big', 'data-testid': 'address' }, address), copyButton(address, 'address')),
    h('figure', { class: 'qr-box' }, qrSvg(address.toUpperCase(), `QR code of ${address}`)),
  );
  let lastInfo: AddressInfo | null = null;
  let lastUtxos: Utxo[] = [];
  const draw = (info: AddressInfo, utxos: Utxo[]) => {
    lastInfo = info;
    lastUtxos = utxos;
    const c = info.chain_stats;
    const m = info.mempool_stats;
    const confirmed = c.funded_txo_sum - c.spent_txo_sum;
    const pending = m.funded_txo_sum - m.spent_txo_sum;
    const moreBtn = more
      ? h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-testid': 'more-txs',
            onclick: async () => {
              try {
                await loadMore();
              } catch {
                more = false;
              }
              if (ctx.alive() && lastInfo) draw(lastInfo, lastUtxos);
            },
          },
          'Load older transactions',
        )
      : null;
    ctx.root.replaceChildren(
      h('h1', null, 'Address'),
      head,
      section(
        'Balance',
        kvTable(
          [
            ['Balance', h('span', { 'data-testid': 'balance' }, `${formatCoins(confirmed + pending)} CRN`)],
            ['Confirmed', `${formatCoins(confirmed)} CRN`],
            ['Pending', `${pending >= 0 ? '+' : ''}${formatCoins(pending)} CRN`],
            ['Received', h('span', { 'data-testid': 'received' }, `${formatCoins(c.funded_txo_sum + m.funded_txo_sum)} CRN in ${formatInt(c.funded_txo_count + m.funded_txo_count)} outputs`)],
            ['Sent', h('span', { 'data-testid': 'sent' }, `${formatCoins(c.spent_txo_sum + m.spent_txo_sum)} CRN from ${formatInt(c.spent_txo_count + m.spent_txo_count)} outputs`)],
            ['Transactions', h('span', { 'data-testid': 'tx-count' }, formatInt(c.tx_count + m.tx_count))],
          ],
          'address-stats',
        ),
      ),
      h(
        'div',
        { class: 'cols' },
        section(
          `Transactions (${formatInt(c.tx_count + m.tx_count)})`,
          history.length === 0
            ? h('p', { class: 'muted' }, 'This address has not been used.')
            : h(
                'div',
                { 'data-testid': 'address-txs' },
                ...history.map((t) => {
                  const net = netForAddress(t, address);
                  const card = txCard(t, address);
                  card.prepend(h('div', { class: net >= 0 ? 'net ok' : 'net warn' }, `${net >= 0 ? '+' : ''}${formatCoins(net)} CRN${t.status.confirmed ? '' : ' · unconfirmed'}`));
                  return card;
                }),
              ),
          moreBtn,
        ),
        section(
          `Unspent outputs (${utxos.length})`,
          utxos.length === 0
            ? h('p', { class: 'muted' }, 'No unspent outputs.')
            : h(
                'table',
                { class: 'list stack', 'data-testid': 'utxos' },
                h('thead', null, h('tr', null, h('th', null, 'Output'), h('th', { class: 'num' }, 'Value'), h('th', null, 'Status'))),
                h(
                  'tbody',
                  null,
                  ...utxos.map((u) =>
                    h(
                      'tr',
                      null,
                      cell('Output', link(txHref(u.txid), `${shortHash(u.txid)}:${u.vout}`, 'hash')),
                      cell('Value', formatCoins(u.value), 'num'),
                      cell('Status', u.status.confirmed ? `block ${u.status.block_height}` : 'unconfirmed'),
                    ),
                  ),
                ),
              ),
        ),
      ),
    );
  };
  try {
    await load();
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, `The node does not recognise ${address} as an address on its network.`));
    return;
  }
  ctx.onCleanup(ctx.live.subscribeAddress(address));
  const refresh = debounce(ctx, 200, load);
  ctx.onLive((ev) => {
    if (ev.type === 'block' || ev.type === 'reorg' || ev.type === 'tx') refresh();
  });
}
