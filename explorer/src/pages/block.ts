// Block: header fields, confirmations, best-chain or stale, previous/next links and the
// block's transactions 25 per page (?start=N, as the API pages them). /block-height/N
// resolves the height on the best chain and replaces itself with the block's own URL.
import { h, kvTable, link, section } from '../dom.js';
import { formatBytes, formatCoins, formatDifficulty, formatFeeRate, formatInt, formatTime } from '../format.js';
import { blockHref, debounce, errorView, loading, notFoundView, type PageCtx, txCard } from './common.js';

const PAGE = 25;

export async function blockHeightPage(ctx: PageCtx): Promise<void> {
  const height = Number(ctx.params.height);
  ctx.root.append(loading());
  try {
    const hash = await ctx.api.blockHashAt(height);
    if (ctx.alive()) ctx.navigate(blockHref(hash), true);
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, `There is no block at height ${height} on this node's best chain.`));
  }
}

export async function blockPage(ctx: PageCtx): Promise<void> {
  const hash = ctx.params.hash!;
  if (!/^[0-9a-f]{64}$/i.test(hash)) {
    ctx.root.replaceChildren(notFoundView(`"${hash}" is not a block hash (64 hex characters).`));
    return;
  }
  const start = Math.max(0, Math.floor(Number(ctx.query.get('start') ?? '0') / PAGE) * PAGE || 0);
  ctx.setTitle(`Block ${hash.slice(0, 16)}… · Cairn`);
  ctx.root.append(loading());
  const header = h('div');
  const txs = h('div');
  const load = async () => {
    const [block, status, tip] = await Promise.all([ctx.api.block(hash), ctx.api.blockStatus(hash), ctx.api.tipHeight()]);
    if (!ctx.alive()) return null;
    ctx.setTitle(`Block ${block.height} · Cairn`);
    const conf = status.in_best_chain ? tip - block.height + 1 : 0;
    const ex = block.extras;
    header.replaceChildren(
      h('h1', null, `Block ${block.height}`),
      h('p', { class: 'hash big', 'data-testid': 'block-hash' }, block.id),
      h(
        'nav',
        { class: 'prevnext' },
        block.previousblockhash ? link(blockHref(block.previousblockhash), '← Previous', 'btn') : h('span', { class: 'muted' }, 'Genesis block'),
        status.next_best ? link(blockHref(status.next_best), 'Next →', 'btn') : h('span', { class: 'muted' }, status.in_best_chain ? 'Chain tip' : ''),
      ),
      section(
        'Header',
        kvTable(
          [
            ['Height', h('span', { 'data-testid': 'block-height' }, String(block.height))],
            [
              'Status',
              h(
                'span',
                { class: status.in_best_chain ? 'ok' : 'warn', 'data-testid': 'block-status' },
                status.in_best_chain ? 'In best chain' : 'Stale (not in the best chain)',
              ),
            ],
            ['Confirmations', h('span', { 'data-testid': 'block-confirmations' }, status.in_best_chain ? formatInt(conf) : '0 (stale)')],
            ['Timestamp', formatTime(block.timestamp)],
            ['Median time', formatTime(block.mediantime)],
            ['Transactions', h('span', { 'data-testid': 'block-txcount' }, formatInt(block.tx_count))],
            ['Size', `${formatBytes(block.size)} (${formatInt(block.weight)} WU)`],
            ['Version', `0x${(block.version >>> 0).toString(16).padStart(8, '0')}`],
            ['Bits', `0x${(block.bits >>> 0).toString(16).padStart(8, '0')}`],
            ['Nonce', String(block.nonce)],
            ['Difficulty', formatDifficulty(block.difficulty)],
            ['Merkle root', h('span', { class: 'hash' }, block.merkle_root)],
            ['Previous block', block.previousblockhash ? link(blockHref(block.previousblockhash), block.previousblockhash, 'hash') : '—'],
            ...(ex?.fee_range ? ([['Fee rates', `${formatFeeRate(ex.fee_range[0])} – ${formatFeeRate(ex.fee_range[1])}`]] as const) : []),
            ...(ex?.total_fees !== undefined ? ([['Total fees', `${formatCoins(ex.total_fees)} CRN`]] as const) : []),
            ...(ex?.reward !== undefined ? ([['Reward', `${formatCoins(ex.reward)} CRN`]] as const) : []),
          ],
          'block-header',
        ),
      ),
    );
    return block;
  };
  let block;
  try {
    block = await load();
    if (!block) return;
    const list = await ctx.api.blockTxs(hash, start);
    if (!ctx.alive()) return;
    const pages = Math.ceil(block.tx_count / PAGE);
    const pager =
      pages > 1
        ? h(
            'nav',
            { class: 'pager' },
            start > 0 ? link(`${blockHref(hash)}?start=${start - PAGE}`, '← Newer page', 'btn') : null,
            h('span', null, `Page ${start / PAGE + 1} of ${pages}`),
            start + PAGE < block.tx_count ? link(`${blockHref(hash)}?start=${start + PAGE}`, 'Next page →', 'btn') : null,
          )
        : null;
    txs.replaceChildren(
      section(
        `Transactions ${start + 1}–${Math.min(start + list.length, block.tx_count)} of ${block.tx_count}`,
        h('div', { 'data-testid': 'block-txs' }, ...list.map((t) => txCard(t))),
        pager,
      ),
    );
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, `No block with hash ${hash} is known to this node.`));
    return;
  }
  ctx.root.replaceChildren(header, txs);
  // confirmations, the next link and best-chain status change as blocks arrive or reorg
  const refresh = debounce(ctx, 100, async () => {
    await load();
  });
  ctx.onLive((ev) => {
    if (ev.type === 'block' || ev.type === 'reorg') refresh();
  });
}
