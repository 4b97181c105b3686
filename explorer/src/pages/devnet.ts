// Devnet: every node of the network this node was started with (its own API plus the
// sibling URLs the devnet passed it), by name (cairnd --name, which cairn-devnet sets; the
// host:port when a node has none), as a graph of peer links with each node's tip, nodes
// that disagree with the majority tip highlighted, and per recent block how long it took
// to reach each node. Sibling APIs are read directly (they send CORS headers) and polled,
// so partitions and convergence show up live.
import { Api } from '../api.js';
import { cell, h, link, s, section } from '../dom.js';
import { shortHash } from '../format.js';
import { blockHref, debounce, errorView, loading, type PageCtx } from './common.js';
import { analyzeDevnet, type NodeView } from './devnet-model.js';

const POLL_MS = 2000;
const TREE_DEPTH = 10;

export async function devnetPage(ctx: PageCtx): Promise<void> {
  ctx.setTitle('Devnet · Cairn');
  ctx.root.append(loading());
  let self;
  try {
    self = await ctx.api.node();
  } catch (e) {
    if (ctx.alive()) ctx.root.replaceChildren(errorView(e, 'This node could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const selfUrl = ctx.api.base || location.origin;
  const urls = [selfUrl, ...(self.siblings ?? []).map((u) => u.replace(/\/+$/, '')).filter((u) => u !== selfUrl)];
  if (urls.length === 1) {
    ctx.root.replaceChildren(
      h('h1', null, 'Devnet'),
      h('div', { class: 'card', 'data-testid': 'no-siblings' }, h('p', null, 'This node was not given the API addresses of other nodes, so there is no network to draw.'), h('p', { class: 'muted' }, 'Nodes started by cairn-devnet know their siblings; see the Network page for this node’s own peers.')),
    );
    return;
  }
  const apis = urls.map((u, i) => (i === 0 ? ctx.api : new Api(u)));
  // a node that stops answering keeps the name it had
  const names = new Map<string, string>();
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const views = await Promise.all(apis.map((api, i) => readNode(api, urls[i]!)));
      for (const v of views) if (v.info?.name) names.set(v.url, v.info.name);
      if (ctx.alive()) ctx.root.replaceChildren(...view(views, (url) => names.get(url)));
    } finally {
      busy = false;
    }
  };
  await poll();
  ctx.every(POLL_MS, () => void poll());
  const soon = debounce(ctx, 300, poll);
  ctx.onLive((ev) => {
    if (ev.type === 'block' || ev.type === 'reorg') soon();
  });
}

async function readNode(api: Api, url: string): Promise<NodeView> {
  try {
    const info = await api.node(3000);
    const [peers, blocks] = await Promise.all([api.peers(3000), api.chainBlocks(info.tip_height - TREE_DEPTH, 3000)]);
    return { url, info, peers, blocks };
  } catch (e) {
    return { url, info: null, peers: [], blocks: [], error: (e as Error).message };
  }
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function view(nodes: NodeView[], nameOf: (url: string) => string | undefined): HTMLElement[] {
  const label = (url: string) => nameOf(url) ?? host(url);
  const a = analyzeDevnet(nodes);
  const agreeing = a.disagree.filter((d) => !d).length;
  // narrow enough to stay legible on a phone without scrolling; boxes are 156 × 60
  const W = 460;
  const H = 320;
  const pos = nodes.map((_, i) => {
    const t = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
    return { x: W / 2 + (W / 2 - 82) * Math.cos(t), y: H / 2 + (H / 2 - 34) * Math.sin(t) };
  });
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg graph', role: 'img', 'aria-label': 'devnet graph' });
  for (const [i, j] of a.edges) svg.append(s('line', { x1: pos[i]!.x, y1: pos[i]!.y, x2: pos[j]!.x, y2: pos[j]!.y, class: 'peer-link', 'data-testid': 'peer-link' }));
  nodes.forEach((n, i) => {
    const { x, y } = pos[i]!;
    const cls = n.info === null ? 'gnode down' : a.disagree[i] ? 'gnode disagree' : 'gnode agree';
    const g = s('g', { class: cls, 'data-testid': 'devnet-node', 'data-url': n.url, 'data-name': label(n.url), 'data-tip': n.info?.tip_hash ?? '', 'data-height': n.info?.tip_height ?? '' });
    g.append(s('rect', { x: x - 78, y: y - 30, width: 156, height: 60, rx: 8 }));
    g.append(s('text', { x, y: y - 12, 'text-anchor': 'middle', class: 'g-name' }, label(n.url)));
    g.append(s('text', { x, y: y + 4, 'text-anchor': 'middle' }, n.info ? `height ${n.info.tip_height}` : 'unreachable'));
    g.append(s('text', { x, y: y + 19, 'text-anchor': 'middle', class: 'g-hash' }, n.info ? shortHash(n.info.tip_hash, 6) : ''));
    svg.append(g);
  });

  const table = h(
    'table',
    { class: 'list stack', 'data-testid': 'devnet-nodes' },
    h('thead', null, h('tr', null, ...['Node', 'Tip height', 'Tip hash', 'Peers', 'State'].map((t) => h('th', null, t)))),
    h(
      'tbody',
      null,
      ...nodes.map((n, i) =>
        h(
          'tr',
          { class: n.info && !a.disagree[i] ? undefined : 'row-warn', 'data-testid': 'devnet-row' },
          cell(
            'Node',
            h(
              'span',
              { class: 'node-name' },
              h('a', { href: n.url + '/', target: '_blank', rel: 'noopener', 'data-testid': 'devnet-name' }, label(n.url)),
              nameOf(n.url) ? h('small', { class: 'muted' }, ` ${host(n.url)}`) : null,
            ),
          ),
          cell('Tip height', n.info ? String(n.info.tip_height) : '—'),
          cell('Tip hash', n.info ? link(blockHref(n.info.tip_hash), shortHash(n.info.tip_hash, 8), 'hash') : '—'),
          cell('Peers', n.info ? String(n.peers.length) : '—'),
          cell('State', n.info === null ? `unreachable (${n.error ?? 'error'})` : a.disagree[i] ? 'disagrees with the majority tip' : 'agrees', n.info === null ? 'warn' : a.disagree[i] ? 'warn' : 'ok'),
        ),
      ),
    ),
  );

  const prop = h(
    'table',
    { class: 'list stack', 'data-testid': 'propagation' },
    h('thead', null, h('tr', null, h('th', null, 'Block'), ...nodes.map((n) => h('th', { class: 'num' }, label(n.url))))),
    h(
      'tbody',
      null,
      ...a.propagation.map((p) =>
        h(
          'tr',
          null,
          cell('Block', link(blockHref(p.hash), `#${p.height} ${shortHash(p.hash, 4)}`, 'hash')),
          ...p.delays.map((d, i) => cell(label(nodes[i]!.url), d === null ? 'not received' : d === 0 ? 'first' : `+${d} ms`, d === null ? 'num warn' : 'num')),
        ),
      ),
    ),
  );

  return [
    h('h1', null, 'Devnet'),
    h(
      'p',
      { class: agreeing === nodes.length ? 'ok' : 'warn', 'data-testid': 'devnet-summary' },
      agreeing === nodes.length ? `All ${nodes.length} nodes agree on tip ${shortHash(a.consensusTip ?? '')}.` : `${agreeing} of ${nodes.length} nodes agree on the majority tip; the others are highlighted.`,
    ),
    section('Nodes and peer links', svg, table),
    section('Block propagation (delay after the first node received each block)', prop),
  ];
}
