// Network: this node's peers, its chain tips, and the recent block tree (active chain and
// stale branches) so a reorg is visible. Peers are polled (they change without chain
// events); tips and the tree are redrawn on block and reorg events.
import type { ChainTip, NodeInfo, PeerInfo, TreeBlock } from '../api.js';
import { cell, h, kvTable, link, section } from '../dom.js';
import { blockTree } from '../tree.js';
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
        ...(node.name ? ([['Name', h('span', { 'data-testid': 'node-name' }, node.name)]] as const) : []),
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
          null,
          h(
            'table',
            { class: 'list stack', 'data-testid': 'peers' },
            h('thead', null, h('tr', null, ...['Address', 'Direction', 'Height', 'Ping', 'Ban score', 'Agent', 'In / out'].map((t) => h('th', null, t)))),
            h(
              'tbody',
              null,
              ...peers.map((p) =>
                h(
                  'tr',
                  { 'data-testid': 'peer' },
                  cell('Address', p.addr),
                  cell('Direction', p.direction),
                  cell('Height', p.height === undefined ? '—' : String(p.height)),
                  cell('Ping', p.ping_ms === undefined || p.ping_ms === null ? '—' : `${p.ping_ms.toFixed(p.ping_ms < 10 ? 1 : 0)} ms`),
                  cell('Ban score', String(p.ban_score ?? 0), (p.ban_score ?? 0) > 0 ? 'warn' : undefined),
                  cell('Agent', p.user_agent ?? '—'),
                  cell('In / out', `${formatBytes(p.bytes_in ?? 0)} / ${formatBytes(p.bytes_out ?? 0)}`),
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
      { class: 'list stack', 'data-testid': 'chain-tips' },
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
              cell('Height', formatInt(t.height)),
              cell('Hash', link(blockHref(t.hash), t.hash, 'hash')),
              cell('Branch length', String(t.branchlen)),
              cell('Status', t.status, t.status === 'active' ? 'ok' : 'warn'),
            ),
          ),
      ),
    ),
  );
  return [h('h1', null, 'Network'), h('div', { class: 'cols' }, info, tipTable), section('Fork view', blockTree(tree.map((b) => ({ ...b, prev: b.prev ?? '' })), blockHref)) /* genesis has prev null */, peerTable];
}
