// Network: this node's peers, its chain tips, and the recent block tree (active chain and
// stale branches) so a reorg is visible. Peers are polled (they change without chain
// events); tips and the tree are redrawn on block and reorg events.
import type { ChainTip, NodeInfo, PeerInfo, TreeBlock } from '../api.js';
import { blockTree } from '../charts.js';
import { h, kvTable, link, section } from '../dom.js';
import { formatBytes, formatDuration, formatInt, shortHash } from '../format.js';
import { blockHref, debounce, errorView, loading, type PageCtx } from './common.js';

const TREE_DEPTH = 20;

export async function networkPage(ctx: PageCtx): Promise<void> {
  ctx.setTitle('Network · Cairn');
  ctx.root.append(loading());
  const load = async () => {
    const node = await ctx.api.node();
    const [peers, tips, tree] = await Promise.all([ctx.api.peers(), ctx.api.chainTips(), ctx.api.chainBlocks(node.tip_height - TREE_DEPTH)]);
    if (ctx.alive()) ctx.root.replaceChildren(...view(node, peers, tips, tree));
  };
  try {
    await load();
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'Network information is not available.'));
    return;
  }
  const refresh = debounce(ctx, 100, load);
  ctx.onLive((ev) => {
    if (ev.type === 'block' || ev.type === 'reorg') refresh();
  });
  ctx.every(5000, refresh);
}

function view(node: NodeInfo, peers: PeerInfo[], tips: ChainTip[], tree: TreeBlock[]): HTMLElement[] {
  const info = section(
    'This node',
    kvTable(
      [
        ['Network', node.network],
        ['Version', node.version],
        ['Tip', h('span', null, `${node.tip_height} `, link(blockHref(node.tip_hash), shortHash(node.tip_hash), 'hash'))],
        ['Sync', node.sync ? `${node.sync.state} (${(node.sync.progress * 100).toFixed(1)}%, headers ${node.sync.headers_height}, blocks ${node.sync.blocks_height})` : '—'],
        ['Uptime', formatDuration(node.uptime)],
        ...(node.identity ? ([['Identity', h('span', { class: 'hash', 'data-testid': 'node-identity', title: 'what peers pin (ws://host:port#identity) and allow-lists name' }, node.identity)]] as const) : []),
      ],
      'node-info',
    ),
  );
  const peerTable = section(
    `Peers (${peers.length})`,
    peers.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'peers' }, 'No peers connected.')
      : h(
          'div',
          { class: 'scroll-x' },
          h(
            'table',
            { class: 'list', 'data-testid': 'peers' },
            h('thead', null, h('tr', null, ...['Address', 'Direction', 'Height', 'Ping', 'Ban score', 'Agent', 'In / out'].map((t) => h('th', null, t)))),
            h(
              'tbody',
              null,
              ...peers.map((p) =>
                h(
                  'tr',
                  { 'data-testid': 'peer' },
                  h('td', null, p.addr),
                  h('td', null, p.direction),
                  h('td', null, p.height === undefined ? '—' : String(p.height)),
                  h('td', null, p.ping_ms === undefined || p.ping_ms === null ? '—' : `${p.ping_ms.toFixed(p.ping_ms < 10 ? 1 : 0)} ms`),
                  h('td', { class: (p.ban_score ?? 0) > 0 ? 'warn' : undefined }, String(p.ban_score ?? 0)),
                  h('td', null, p.user_agent ?? '—'),
                  h('td', null, `${formatBytes(p.bytes_in ?? 0)} / ${formatBytes(p.bytes_out ?? 0)}`),
                ),
              ),
            ),
          ),
        ),
  );
  const tipTable = section(
    'Chain tips',
    h(
      'table',
      { class: 'list', 'data-testid': 'chain-tips' },
      h('thead', null, h('tr', null, ...['Height', 'Hash', 'Branch length', 'Status'].map((t) => h('th', null, t)))),
      h(
        'tbody',
        null,
        ...[...tips]
          .sort((a, b) => b.height - a.height)
          .map((t) =>
            h(
              'tr',
              { 'data-testid': 'chain-tip', 'data-status': t.status },
              h('td', null, formatInt(t.height)),
              h('td', null, link(blockHref(t.hash), t.hash, 'hash')),
              h('td', null, String(t.branchlen)),
              h('td', { class: t.status === 'active' ? 'ok' : 'warn' }, t.status),
            ),
          ),
      ),
    ),
  );
  return [h('h1', null, 'Network'), h('div', { class: 'cols' }, info, tipTable), section('Fork view', blockTree(tree.map((b) => ({ ...b, prev: b.prev ?? '' })), blockHref)) /* genesis has prev null */, peerTable];
}
