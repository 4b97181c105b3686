// Mempool: count, virtual size, fees, the projected blocks (the node cuts its mempool into
// the blocks its miner would make: /api/v1/fees/mempool-blocks), the fee-level chart and the
// newest transactions, redrawn from the WebSocket's mempool and tx events.
import type { FeeLevel, MempoolBlock, MempoolInfo, RecentTx } from '../api.js';
import { feeLevelChart } from '../charts.js';
import { cell, h, kvTable, link, section } from '../dom.js';
import { formatBytes, formatCoins, formatFeeRange, formatFeeRate, formatInt, shortHash } from '../format.js';
import { debounce, errorView, loading, type PageCtx, txHref } from './common.js';

export async function mempoolPage(ctx: PageCtx): Promise<void> {
  ctx.setTitle('Mempool · Cairn');
  ctx.root.append(loading());
  let info: MempoolInfo;
  let recent: RecentTx[];
  let projected: MempoolBlock[];
  let levels: FeeLevel[];
  try {
    [info, recent, projected, levels] = await Promise.all([ctx.api.mempool(), ctx.api.mempoolRecent(), ctx.api.mempoolBlocks(), ctx.api.feeLevels()]);
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'The mempool could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const chart = feeLevelChart();
  ctx.onCleanup(() => chart.destroy());
  const chartSection = section('Fee rates', chart.el);
  const draw = () => {
    const next = projected[0];
    ctx.root.replaceChildren(
      h('h1', null, 'Mempool'),
      section(
        'Summary',
        kvTable(
          [
            ['Transactions', h('span', { 'data-testid': 'mempool-count' }, formatInt(info.count))],
            ['Size', h('span', { 'data-testid': 'mempool-vsize' }, formatBytes(info.vsize, 'vB'))],
            ['Total fees', `${formatCoins(info.total_fee)} CRN`],
            ['Next block (projected)', h('span', { 'data-testid': 'next-block-summary' }, next ? `${formatInt(next.nTx)} tx, ${formatBytes(next.blockVSize, 'vB')}, ${rangeText(next)}` : 'empty')],
          ],
          'mempool-summary',
        ),
      ),
      section(
        'Projected blocks',
        projected.length === 0
          ? h('p', { class: 'muted' }, 'Nothing is waiting: the next block would hold only its coinbase.')
          : h(
              'table',
              { class: 'list stack', 'data-testid': 'projected-blocks' },
              h('thead', null, h('tr', null, ...['Block', 'Transactions', 'Size', 'Fee rates', 'Median', 'Fees'].map((t, i) => h('th', { class: i === 0 || i === 3 ? undefined : 'num' }, t)))),
              h(
                'tbody',
                null,
                ...projected.map((b, i) =>
                  h(
                    'tr',
                    { 'data-testid': 'projected-block' },
                    cell('Block', i === 0 ? 'next' : i === projected.length - 1 && projected.length === 8 ? `+${i} and later` : `+${i}`),
                    cell('Transactions', formatInt(b.nTx), 'num'),
                    cell('Size', formatBytes(b.blockVSize, 'vB'), 'num'),
                    cell('Fee rates', rangeText(b)),
                    cell('Median', formatFeeRate(b.medianFee), 'num'),
                    cell('Fees', formatCoins(b.totalFees), 'num'),
                  ),
                ),
              ),
            ),
        h('p', { class: 'muted small' }, 'This node’s mempool cut into blocks the way its miner fills them: best fee rate per package first (a parent paid for by its child counts at the pair’s rate).'),
      ),
      chartSection,
      section(
        'Newest transactions',
        recent.length === 0
          ? h('p', { class: 'muted' }, 'No unconfirmed transactions.')
          : h(
              'table',
              { class: 'list stack', 'data-testid': 'mempool-recent' },
              h('thead', null, h('tr', null, h('th', null, 'Transaction'), h('th', { class: 'num' }, 'Value'), h('th', { class: 'num' }, 'Fee'), h('th', { class: 'num' }, 'Fee rate'), h('th', { class: 'num' }, 'vsize'))),
              h(
                'tbody',
                null,
                ...recent.map((t) =>
                  h(
                    'tr',
                    null,
                    cell('Transaction', h('span', null, link(txHref(t.txid), t.txid, 'hash wide-only'), link(txHref(t.txid), shortHash(t.txid, 10), 'hash narrow-only'))),
                    cell('Value', formatCoins(t.value), 'num'),
                    cell('Fee', formatCoins(t.fee), 'num'),
                    cell('Fee rate', formatFeeRate(t.vsize ? t.fee / t.vsize : 0), 'num'),
                    cell('vsize', formatInt(t.vsize), 'num'),
                  ),
                ),
              ),
            ),
      ),
    );
    chart.setLevels(levels);
  };
  draw();
  const reloadRecent = debounce(ctx, 150, async () => {
    const [r, p, l] = await Promise.all([ctx.api.mempoolRecent(), ctx.api.mempoolBlocks(), ctx.api.feeLevels()]);
    if (!ctx.alive()) return;
    recent = r;
    projected = p;
    levels = l;
    draw();
  });
  ctx.onLive((ev) => {
    if (ev.type === 'mempool') {
      info = ev.mempool;
      draw();
      reloadRecent();
    } else if (ev.type === 'tx' || ev.type === 'block' || ev.type === 'reorg') {
      reloadRecent();
    }
  });
}

function rangeText(b: MempoolBlock): string {
  return formatFeeRange([b.feeRange[0]!, b.feeRange[b.feeRange.length - 1]!], 2);
}
