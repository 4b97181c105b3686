// The recent block tree (the network page's fork view), hand-drawn SVG: a tree of linked
// boxes is not a chart a plotting library draws.
import { h, s } from './dom.js';
import { shortHash } from './format.js';

export interface TreeNode {
  hash: string;
  height: number;
  prev: string;
  in_best_chain: boolean;
}

/**
 * The recent block tree: height runs left to right, the active chain on the first row and
 * each stale branch on a row of its own below, joined to its parent by a line, so a reorg
 * shows as a branch that stopped growing. Blocks whose parent is outside the window start
 * their row at the left edge.
 */
export function blockTree(blocks: readonly TreeNode[], hrefFor: (hash: string) => string): HTMLElement {
  const fig = h('figure', { class: 'chart tree', 'data-testid': 'fork-tree' }, h('figcaption', null, 'Recent block tree (active chain on top, stale branches below)'));
  if (blocks.length === 0) {
    fig.append(h('p', { class: 'muted' }, 'No blocks yet.'));
    return fig;
  }
  const byHash = new Map(blocks.map((b) => [b.hash, b]));
  const children = new Map<string, TreeNode[]>();
  for (const b of blocks) {
    const list = children.get(b.prev) ?? [];
    list.push(b);
    children.set(b.prev, list);
  }
  const minH = Math.min(...blocks.map((b) => b.height));
  const row = new Map<string, number>();
  for (const b of blocks) if (b.in_best_chain) row.set(b.hash, 0);
  // Stale blocks: a branch keeps its first block's row; siblings forking off get new rows.
  let nextRow = 1;
  const stale = blocks.filter((b) => !b.in_best_chain).sort((a, b) => a.height - b.height || (a.hash < b.hash ? -1 : 1));
  for (const b of stale) {
    const parent = byHash.get(b.prev);
    const parentRow = parent ? row.get(parent.hash) : undefined;
    const siblingsTaken = parent && !parent.in_best_chain && (children.get(parent.hash) ?? []).filter((c) => !c.in_best_chain)[0]?.hash === b.hash;
    row.set(b.hash, siblingsTaken && parentRow !== undefined ? parentRow : nextRow++);
  }
  const cols = Math.max(...blocks.map((b) => b.height)) - minH + 1;
  const cw = 92;
  const rh = 44;
  const bwid = 76;
  const bh = 30;
  const width = cols * cw + 10;
  const height = nextRow * rh + 10;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'tree-svg', width, height, role: 'img', 'aria-label': 'block tree' });
  const pos = (b: TreeNode) => ({ x: 5 + (b.height - minH) * cw, y: 5 + (row.get(b.hash) ?? 0) * rh });
  for (const b of blocks) {
    const p = byHash.get(b.prev);
    if (!p) continue;
    const a = pos(p);
    const c = pos(b);
    svg.append(s('path', { d: `M${a.x + bwid},${a.y + bh / 2} C${a.x + bwid + 10},${a.y + bh / 2} ${c.x - 10},${c.y + bh / 2} ${c.x},${c.y + bh / 2}`, class: b.in_best_chain ? 'edge' : 'edge stale' }));
  }
  for (const b of blocks) {
    const { x, y } = pos(b);
    const a = s('a', { href: hrefFor(b.hash), 'data-hash': b.hash, 'data-stale': b.in_best_chain ? 'false' : 'true', class: 'tree-block' });
    a.append(s('rect', { x, y, width: bwid, height: bh, rx: 4, class: b.in_best_chain ? 'blk' : 'blk stale' }));
    a.append(s('text', { x: x + bwid / 2, y: y + 13, 'text-anchor': 'middle', class: 'blk-h' }, `#${b.height}`));
    a.append(s('text', { x: x + bwid / 2, y: y + 25, 'text-anchor': 'middle', class: 'blk-id' }, shortHash(b.hash, 4)));
    a.append(s('title', null, `${b.hash}${b.in_best_chain ? '' : ' (stale)'}`));
    svg.append(a);
  }
  const scroller = h('div', { class: 'scroll-x', 'data-scroll': 'intended' }, svg);
  // the newest blocks are on the right: start scrolled there when the tree is wider than the page
  requestAnimationFrame(() => {
    scroller.scrollLeft = scroller.scrollWidth;
  });
  fig.append(scroller);
  return fig;
}
