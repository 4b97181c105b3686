// Transaction: mempool or confirmed (block, confirmations), fee and fee rate, the flow
// picture, inputs with the outputs they spend, outputs with their spender, and the raw
// hex on request. Redrawn on block, reorg and tx events, so a mempool tx turns into a
// confirmed one in place.
import type { Outspend, TxInfo } from '../api.js';
import { cell, h, kvTable, link, section } from '../dom.js';
import { txFlow } from '../flow.js';
import { feeRate, formatBytes, formatCoins, formatFeeRate, formatInt, formatTime, shortHash } from '../format.js';
import { addressHref, blockHref, debounce, errorView, loading, notFoundView, outLabel, outTarget, type PageCtx, txHref } from './common.js';

export async function txPage(ctx: PageCtx): Promise<void> {
  const txid = ctx.params.txid!;
  if (!/^[0-9a-f]{64}$/i.test(txid)) {
    ctx.root.replaceChildren(notFoundView(`"${txid}" is not a transaction id (64 hex characters).`));
    return;
  }
  ctx.setTitle(`Tx ${txid.slice(0, 16)}… · Cairn`);
  ctx.root.append(loading());
  let hexShown: string | null = null;
  const load = async (): Promise<boolean> => {
    const [tx, outspends, tip] = await Promise.all([ctx.api.tx(txid), ctx.api.outspends(txid), ctx.api.tipHeight()]);
    if (!ctx.alive()) return false;
    ctx.root.replaceChildren(...view(ctx, tx, outspends, tip, hexShown, (hex) => (hexShown = hex)));
    return true;
  };
  try {
    await load();
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, `No transaction with id ${txid} is known to this node (neither confirmed nor in its mempool).`));
    return;
  }
  const refresh = debounce(ctx, 100, load);
  ctx.onLive((ev) => {
    if (ev.type === 'block' || ev.type === 'reorg' || ev.type === 'tx') refresh();
  });
}

function view(ctx: PageCtx, tx: TxInfo, outspends: Outspend[], tip: number, hexShown: string | null, keepHex: (hex: string) => void): HTMLElement[] {
  const coinbase = tx.vin.some((i) => i.is_coinbase);
  const st = tx.status;
  const conf = st.confirmed && st.block_height !== undefined ? tip - st.block_height + 1 : 0;
  const status = st.confirmed
    ? h(
        'span',
        { class: 'ok', 'data-testid': 'tx-status' },
        `Confirmed in block `,
        st.block_hash ? link(blockHref(st.block_hash), String(st.block_height)) : String(st.block_height),
        ` with ${formatInt(conf)} confirmation${conf === 1 ? '' : 's'}`,
        st.block_time ? ` · ${formatTime(st.block_time)}` : '',
      )
    : h('span', { class: 'warn', 'data-testid': 'tx-status' }, 'Unconfirmed (in the mempool)');
  const vsize = Math.ceil(tx.weight / 4);
  const summary = section(
    'Summary',
    kvTable(
      [
        ['Status', status],
        ['Fee', coinbase ? 'none (coinbase)' : h('span', { 'data-testid': 'tx-fee' }, `${formatCoins(tx.fee)} CRN`)],
        ['Fee rate', coinbase ? '—' : formatFeeRate(feeRate(tx.fee, tx.weight))],
        ['Size', `${formatBytes(tx.size)} · ${formatInt(vsize)} vB · ${formatInt(tx.weight)} WU`],
        ['Version / locktime', `${tx.version} / ${tx.locktime}`],
      ],
      'tx-summary',
    ),
  );
  const flow = txFlow(
    tx.vin.map((i, n) => ({ label: i.is_coinbase ? 'coinbase' : i.prevout ? outLabel(i.prevout) : `input ${n}`, value: i.is_coinbase ? tx.vout.reduce((a, o) => a + o.value, 0) : (i.prevout?.value ?? 0) })),
    tx.vout.map((o) => ({ label: outLabel(o), value: o.value })),
    coinbase ? 0 : tx.fee,
    // the card's inner width: the picture is laid out for it
    ctx.root.clientWidth - 40,
  );
  const inputs = section(
    `Inputs (${tx.vin.length})`,
    h(
      'table',
      { class: 'list stack', 'data-testid': 'tx-inputs' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'Previous output'), h('th', null, 'Address'), h('th', { class: 'num' }, 'Value'))),
      h(
        'tbody',
        null,
        ...tx.vin.map((i, n) =>
          h(
            'tr',
            null,
            cell('#', String(n)),
            cell('Previous output', i.is_coinbase ? h('span', { class: 'coinbase' }, 'Coinbase') : link(txHref(i.txid), `${shortHash(i.txid)}:${i.vout}`, 'hash')),
            cell('Address', i.prevout?.scriptpubkey_address ? link(addressHref(i.prevout.scriptpubkey_address), i.prevout.scriptpubkey_address, 'addr') : i.prevout ? outLabel(i.prevout) : '—'),
            cell('Value', i.prevout ? formatCoins(i.prevout.value) : '—', 'num'),
          ),
        ),
      ),
    ),
  );
  const outputs = section(
    `Outputs (${tx.vout.length})`,
    h(
      'table',
      { class: 'list stack', 'data-testid': 'tx-outputs' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'To'), h('th', { class: 'num' }, 'Value'), h('th', null, 'Spent'))),
      h(
        'tbody',
        null,
        ...tx.vout.map((o, n) => {
          const sp = outspends[n];
          const spent =
            o.scriptpubkey_type === 'op_return'
              ? h('span', { class: 'muted word' }, 'unspendable')
              : sp?.spent && sp.txid
                ? h('span', { class: 'spent' }, 'spent by ', link(txHref(sp.txid), `${shortHash(sp.txid)}:${sp.vin ?? '?'}`, 'hash'), sp.status && !sp.status.confirmed ? ' (unconfirmed)' : '')
                : h('span', { class: 'ok word' }, 'unspent');
          return h('tr', { 'data-testid': 'tx-output' }, cell('#', String(n)), cell('To', outTarget(o)), cell('Value', formatCoins(o.value), 'num'), cell('Spent', spent));
        }),
      ),
    ),
  );
  const hexBox = h('pre', { class: 'hex', 'data-testid': 'tx-hex', hidden: hexShown === null }, hexShown ?? '');
  const hexBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      'data-testid': 'show-hex',
      onclick: async () => {
        try {
          const hex = await ctx.api.txHex(tx.txid);
          keepHex(hex);
          hexBox.textContent = hex;
        } catch (e) {
          hexBox.textContent = `Could not load the raw transaction: ${(e as Error).message}`;
        }
        hexBox.hidden = false;
        hexBtn.hidden = true;
      },
      hidden: hexShown !== null,
    },
    'Show raw hex',
  );
  return [h('h1', null, coinbase ? 'Coinbase transaction' : 'Transaction'), h('p', { class: 'hash big', 'data-testid': 'txid' }, tx.txid), summary, section('Flow', flow), h('div', { class: 'cols' }, inputs, outputs), section('Raw transaction', hexBtn, hexBox)];
}
