// Home: the tip, difficulty and estimated hash rate, the mempool, a strip of recent block
// tiles beside the projected next block, the newest transactions, and charts; kept
// current from the WebSocket (block, reorg, tx and mempool events) without reloading.
import type { BlockInfo, MempoolInfo, RecentTx } from '../api.js';
import { feeHistogram, lineChart, type Point } from '../charts.js';
import { h, kvTable, link, section } from '../dom.js';
import {
  estimateHashrate,
  formatAge,
  formatBytes,
  formatCoins,
  formatDifficulty,
  formatDuration,
  formatFeeRange,
  formatFeeRate,
  formatHashrate,
  formatInt,
  projectNextBlock,
  shortHash,
} from '../format.js';
import { blockHref, debounce, errorView, loading, type PageCtx, txHref } from './common.js';

const CHART_BLOCKS = 30;
const TILES = 8;

export async function homePage(ctx: PageCtx): Promise<void> {
  ctx.setTitle('Cairn explorer');
  ctx.root.append(loading());
  let blocks: BlockInfo[];
  let mempool: MempoolInfo;
  let recent: RecentTx[];
  try {
    [blocks, mempool, recent] = await Promise.all([loadBlocks(ctx), ctx.api.mempool(), ctx.api.mempoolRecent()]);
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'The chain tip could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const samples: Point[] = [{ x: ctx.now() / 1000, y: mempool.count }];
  recent = recent.slice(0, 10);

  const draw = () => {
    ctx.root.replaceChildren(...view(ctx, blocks, mempool, recent, samples));
  };
  draw();

  const reload = debounce(ctx, 150, async () => {
    const [b, m, r] = await Promise.all([loadBlocks(ctx), ctx.api.mempool(), ctx.api.mempoolRecent()]);
    if (!ctx.alive()) return;
    blocks = b;
    mempool = m;
    recent = r.slice(0, 10);
    draw();
  });
  ctx.onLive((ev) => {
    if (ev.type === 'block') {
      const tip = blocks[0];
      // The common case is a block on our tip: add it without asking the node again.
      if (!tip || ev.block.previousblockhash === tip.id) {
        blocks = [ev.block, ...blocks.filter((b) => b.id !== ev.block.id)].slice(0, CHART_BLOCKS);
        draw();
      }
      reload();
    } else if (ev.type === 'reorg') {
      reload();
    } else if (ev.type === 'mempool') {
      mempool = ev.mempool;
      samples.push({ x: ctx.now() / 1000, y: mempool.count });
      if (samples.length > 120) samples.shift();
      draw();
    } else if (ev.type === 'tx') {
      recent = [ev.tx, ...recent.filter((t) => t.txid !== ev.tx.txid)].slice(0, 10);
      draw();
    }
  });
  // ages ("12 s ago") go stale without events
  ctx.every(10_000, draw);
}

async function loadBlocks(ctx: PageCtx): Promise<BlockInfo[]> {
  const first = await ctx.api.blocks();
  const out = [...first];
  while (out.length < CHART_BLOCKS && out.length > 0 && out[out.length - 1]!.height > 0) {
    const next = await ctx.api.blocks(out[out.length - 1]!.height - 1);
    if (next.length === 0) break;
    out.push(...next);
  }
  return out.slice(0, CHART_BLOCKS);
}

function view(ctx: PageCtx, blocks: BlockInfo[], mempool: MempoolInfo, recent: RecentTx[], samples: Point[]): HTMLElement[] {
  const tip = blocks[0];
  const now = ctx.now();
  const hashrate = estimateHashrate(blocks.slice(0, 12));
  const stats = section(
    'Chain',
    kvTable(
      [
        ['Tip height', h('span', { 'data-testid': 'tip-height' }, tip ? String(tip.height) : '–')],
        ['Tip hash', tip ? link(blockHref(tip.id), tip.id, 'hash') : '–'],
        ['Difficulty', tip ? formatDifficulty(tip.difficulty) : '–'],
        ['Est. hash rate', h('span', { title: 'from the last 12 blocks', 'data-testid': 'hashrate' }, formatHashrate(hashrate))],
        ['Mempool', h('span', { 'data-testid': 'mempool-count' }, `${formatInt(mempool.count)} txs · ${formatBytes(mempool.vsize, 'vB')} · ${formatCoins(mempool.total_fee)} CRN fees`)],
      ],
      'chain-stats',
    ),
  );

  const next = projectNextBlock(mempool.fee_histogram);
  const nextTile = h(
    'div',
    { class: 'tile next', 'data-testid': 'next-block' },
    h('div', { class: 'tile-h' }, 'Next block'),
    h('div', null, next ? formatFeeRange([next.minFeeRate, next.maxFeeRate], 2) : 'empty'),
    h('div', null, next ? formatBytes(next.vsize, 'vB') : '0 vB'),
    h('div', { class: 'muted' }, next ? `~${formatCoins(next.fees)} fees` : `${mempool.count} txs`),
  );
  const tiles = blocks.slice(0, TILES).map((b) =>
    h(
      'a',
      { class: 'tile', href: blockHref(b.id), 'data-testid': 'block-tile', 'data-height': b.height },
      h('div', { class: 'tile-h' }, `#${b.height}`),
      h('div', null, formatFeeRange(b.extras?.fee_range, b.tx_count)),
      h('div', null, `${b.tx_count} tx · ${formatBytes(b.size)}`),
      h('div', { class: 'muted' }, formatAge(b.timestamp, now)),
    ),
  );
  const strip = section('Blocks', h('div', { class: 'strip', 'data-testid': 'block-strip' }, nextTile, h('div', { class: 'divider', 'aria-hidden': 'true' }), ...tiles));

  const txs = section(
    'Latest transactions',
    recent.length === 0
      ? h('p', { class: 'muted' }, 'No unconfirmed transactions.')
      : h(
          'table',
          { class: 'list', 'data-testid': 'latest-txs' },
          h('thead', null, h('tr', null, h('th', null, 'Transaction'), h('th', { class: 'num' }, 'Value'), h('th', { class: 'num' }, 'Fee rate'))),
          h(
            'tbody',
            null,
            ...recent.map((t) => h('tr', null, h('td', null, link(txHref(t.txid), shortHash(t.txid, 10), 'hash')), h('td', { class: 'num' }, formatCoins(t.value)), h('td', { class: 'num' }, formatFeeRate(t.vsize ? t.fee / t.vsize : 0)))),
          ),
        ),
  );

  const asc = [...blocks].sort((a, b) => a.height - b.height);
  const intervals: Point[] = [];
  for (let i = 1; i < asc.length; i++) intervals.push({ x: asc[i]!.height, y: Math.max(0, asc[i]!.timestamp - asc[i - 1]!.timestamp) });
  const charts = section(
    'Charts',
    h(
      'div',
      { class: 'charts' },
      lineChart(intervals, { title: 'Block intervals (seconds)', bars: true, yFormat: (v) => formatDuration(v), xFormat: (v) => `#${v}`, testid: 'chart-intervals' }),
      lineChart(
        asc.map((b) => ({ x: b.height, y: b.difficulty })),
        { title: 'Difficulty', yFormat: formatDifficulty, xFormat: (v) => `#${v}`, testid: 'chart-difficulty' },
      ),
      lineChart(samples, { title: 'Mempool size (txs) since this page opened', xFormat: (v) => new Date(v * 1000).toLocaleTimeString(), testid: 'chart-mempool' }),
      feeHistogram(mempool.fee_histogram),
    ),
  );
  return [stats, strip, h('div', { class: 'cols' }, txs, charts)];
}
