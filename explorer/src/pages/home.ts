// Home: the tip, difficulty and estimated hash rate, the mempool, a strip of recent block
// tiles beside the projected next block (the node's own projection of its mempool), the
// newest transactions, and charts; kept current from the WebSocket (block, reorg, tx and
// mempool events) without reloading. Charts are made once and fed new data.
import type { BlockInfo, FeeLevel, MempoolBlock, MempoolInfo, RecentTx } from '../api.js';
import { difficultyChart, feeLevelChart, intervalChart, intervalData, mempoolSizeChart } from '../charts.js';
import { h, kvTable, link, section } from '../dom.js';
import {
  estimateHashrate,
  formatAge,
  formatBytes,
  formatCoins,
  formatDifficulty,
  formatFeeRange,
  formatFeeRate,
  formatHashrate,
  formatInt,
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
  let projected: MempoolBlock[];
  let levels: FeeLevel[];
  try {
    [blocks, mempool, recent, projected, levels] = await Promise.all([loadBlocks(ctx), ctx.api.mempool(), ctx.api.mempoolRecent(), ctx.api.mempoolBlocks(), ctx.api.feeLevels()]);
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'The chain tip could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const samples: [number[], number[]] = [[Math.floor(ctx.now() / 1000)], [mempool.count]];
  recent = recent.slice(0, 10);
  const charts = { intervals: intervalChart(), difficulty: difficultyChart(), mempool: mempoolSizeChart(), fees: feeLevelChart() };
  ctx.onCleanup(() => Object.values(charts).forEach((c) => c.destroy()));
  const chartSection = section('Charts', h('div', { class: 'charts' }, charts.intervals.el, charts.difficulty.el, charts.mempool.el, charts.fees.el));

  const draw = () => {
    ctx.root.replaceChildren(...view(ctx, blocks, mempool, recent, projected[0], chartSection));
    const asc = [...blocks].sort((a, b) => a.height - b.height);
    charts.intervals.update(intervalData(asc));
    charts.difficulty.update([asc.map((b) => b.height), asc.map((b) => b.difficulty)]);
    charts.mempool.update(samples);
    charts.fees.setLevels(levels);
  };
  draw();

  const reload = debounce(ctx, 150, async () => {
    const [b, m, r, p, l] = await Promise.all([loadBlocks(ctx), ctx.api.mempool(), ctx.api.mempoolRecent(), ctx.api.mempoolBlocks(), ctx.api.feeLevels()]);
    if (!ctx.alive()) return;
    blocks = b;
    mempool = m;
    recent = r.slice(0, 10);
    projected = p;
    levels = l;
    draw();
  });
  const reloadProjection = debounce(ctx, 300, async () => {
    const [p, l] = await Promise.all([ctx.api.mempoolBlocks(), ctx.api.feeLevels()]);
    if (!ctx.alive()) return;
    projected = p;
    levels = l;
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
      samples[0].push(Math.floor(ctx.now() / 1000));
      samples[1].push(mempool.count);
      if (samples[0].length > 120) samples.forEach((a) => a.shift());
      draw();
      reloadProjection();
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

function view(ctx: PageCtx, blocks: BlockInfo[], mempool: MempoolInfo, recent: RecentTx[], next: MempoolBlock | undefined, charts: HTMLElement): HTMLElement[] {
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

  const nextTile = h(
    'a',
    { class: 'tile next', href: '/mempool', 'data-testid': 'next-block', title: 'projected from this node’s mempool' },
    h('div', { class: 'tile-h' }, 'Next block'),
    h('div', { 'data-testid': 'next-range' }, next ? formatFeeRange([next.feeRange[0]!, next.feeRange[next.feeRange.length - 1]!], 2) : 'empty'),
    h('div', { 'data-testid': 'next-median' }, next ? `median ${formatFeeRate(next.medianFee)}` : ''),
    h('div', null, next ? `${formatInt(next.nTx)} tx · ${formatBytes(next.blockVSize, 'vB')}` : '0 tx'),
    h('div', { class: 'muted' }, next ? `${formatCoins(next.totalFees)} fees` : ''),
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
  const strip = section('Blocks', h('div', { class: 'strip', 'data-testid': 'block-strip', 'data-scroll': 'intended' }, nextTile, h('div', { class: 'divider', 'aria-hidden': 'true' }), ...tiles));

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

  return [stats, strip, h('div', { class: 'cols' }, txs, charts)];
}
