// Mempool: count, virtual size, fees, the fee-rate histogram, the projected next block and
// the newest transactions, redrawn from the WebSocket's mempool and tx events.
import type { MempoolInfo, RecentTx } from '../api.js';
import { feeHistogram } from '../charts.js';
import { h, kvTable, link, section } from '../dom.js';
import { formatBytes, formatCoins, formatFeeRate, formatInt, projectNextBlock } from '../format.js';
import { debounce, errorView, loading, type PageCtx, txHref } from './common.js';

export async function mempoolPage(ctx: PageCtx): Promise<void> {
  ctx.setTitle('Mempool · Cairn');
  ctx.root.append(loading());
  let info: MempoolInfo;
  let recent: RecentTx[];
  try {
    [info, recent] = await Promise.all([ctx.api.mempool(), ctx.api.mempoolRecent()]);
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'The mempool could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const draw = () => {
    const next = projectNextBlock(info.fee_histogram);
    ctx.root.replaceChildren(
      h('h1', null, 'Mempool'),
      section(
        'Summary',
        kvTable(
          [
            ['Transactions', h('span', { 'data-testid': 'mempool-count' }, formatInt(info.count))],
            ['Size', h('span', { 'data-testid': 'mempool-vsize' }, formatBytes(info.vsize, 'vB'))],
            ['Total fees', `${formatCoins(info.total_fee)} CRN`],
            ['Next block (projected)', next ? `${formatBytes(next.vsize, 'vB')}, ${formatFeeRate(next.minFeeRate)} – ${formatFeeRate(next.maxFeeRate)}` : 'empty'],
          ],
          'mempool-summary',
        ),
      ),
      section('Fee rates', feeHistogram(info.fee_histogram)),
      section(
        'Newest transactions',
        recent.length === 0
          ? h('p', { class: 'muted' }, 'No unconfirmed transactions.')
          : h(
              'table',
              { class: 'list', 'data-testid': 'mempool-recent' },
              h('thead', null, h('tr', null, h('th', null, 'Transaction'), h('th', { class: 'num' }, 'Value'), h('th', { class: 'num' }, 'Fee'), h('th', { class: 'num' }, 'Fee rate'), h('th', { class: 'num' }, 'vsize'))),
              h(
                'tbody',
                null,
                ...recent.map((t) =>
                  h(
                    'tr',
                    null,
                    h('td', null, link(txHref(t.txid), t.txid, 'hash')),
                    h('td', { class: 'num' }, formatCoins(t.value)),
                    h('td', { class: 'num' }, formatCoins(t.fee)),
                    h('td', { class: 'num' }, formatFeeRate(t.vsize ? t.fee / t.vsize : 0)),
                    h('td', { class: 'num' }, formatInt(t.vsize)),
                  ),
                ),
              ),
            ),
      ),
    );
  };
  draw();
  const reloadRecent = debounce(ctx, 150, async () => {
    const r = await ctx.api.mempoolRecent();
    if (!ctx.alive()) return;
    recent = r;
    draw();
  });
  ctx.onLive((ev) => {
    if (ev.type === 'mempool') {
      info = ev.mempool;
      draw();
    } else if (ev.type === 'tx' || ev.type === 'block' || ev.type === 'reorg') {
      reloadRecent();
    }
  });
}
