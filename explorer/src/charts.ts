// Hand-drawn SVG charts (no chart library: the devnet runs offline and the bundle stays
// small). Each function returns an <svg> that scales to its container's width; data with
// fewer points than a chart needs yields a short "not enough data" note instead of an empty box.
import { h, s } from './dom.js';
import { shortHash } from './format.js';

export interface Point {
  x: number;
  y: number;
}

interface ChartOpts {
  title: string;
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
  height?: number;
  testid?: string;
  /** draw bars instead of a line (one bar per point) */
  bars?: boolean;
}

const W = 600;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function lineChart(points: readonly Point[], opts: ChartOpts): HTMLElement {
  const fig = h('figure', { class: 'chart', 'data-testid': opts.testid }, h('figcaption', null, opts.title));
  if (points.length < (opts.bars ? 1 : 2)) {
    fig.append(h('p', { class: 'muted' }, 'Not enough data yet.'));
    return fig;
  }
  const H = opts.height ?? 160;
  const padL = 56;
  const padB = 22;
  const padT = 8;
  const padR = 8;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yMax = niceMax(Math.max(...ys));
  const yMin = Math.min(0, ...ys);
  const sx = (x: number) => (x1 === x0 ? padL + (W - padL - padR) / 2 : padL + ((x - x0) / (x1 - x0)) * (W - padL - padR));
  const sy = (y: number) => padT + (1 - (y - yMin) / (yMax - yMin || 1)) * (H - padT - padB);
  const yf = opts.yFormat ?? ((v: number) => String(Math.round(v)));
  const xf = opts.xFormat ?? ((v: number) => String(v));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': opts.title });
  for (const frac of [0, 0.5, 1]) {
    const v = yMin + (yMax - yMin) * frac;
    const y = sy(v);
    svg.append(s('line', { x1: padL, x2: W - padR, y1: y, y2: y, class: 'grid' }));
    // a rounding formatter can print the midpoint like an end ("1 s" halfway to 1 s): leave it out
    if (frac === 0.5 && (yf(v) === yf(yMin) || yf(v) === yf(yMax))) continue;
    svg.append(s('text', { x: padL - 4, y: y + 4, 'text-anchor': 'end', class: 'axis' }, yf(v)));
  }
  svg.append(s('text', { x: padL, y: H - 4, class: 'axis' }, xf(x0)));
  svg.append(s('text', { x: W - padR, y: H - 4, 'text-anchor': 'end', class: 'axis' }, xf(x1)));
  if (opts.bars) {
    // one slot per point, in order, so bars never overlap however the x values are spaced
    const slot = (W - padL - padR) / points.length;
    const bw = Math.max(1, Math.min(40, slot - 2));
    points.forEach((p, i) => {
      const y = sy(p.y);
      svg.append(s('rect', { x: padL + i * slot + (slot - bw) / 2, y, width: bw, height: Math.max(0, sy(yMin) - y), class: 'bar' }, s('title', null, `${xf(p.x)}: ${yf(p.y)}`)));
    });
  } else {
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    svg.append(s('path', { d, class: 'line' }));
    for (const p of points) svg.append(s('circle', { cx: sx(p.x), cy: sy(p.y), r: 2.5, class: 'dot' }, s('title', null, `${xf(p.x)}: ${yf(p.y)}`)));
  }
  fig.append(svg);
  return fig;
}

/** Fee-rate histogram: one bar per bucket, bucket vsize on the y axis, rate labels below. */
export function feeHistogram(hist: ReadonlyArray<readonly [number, number]>, testid = 'fee-histogram'): HTMLElement {
  const fig = h('figure', { class: 'chart', 'data-testid': testid }, h('figcaption', null, 'Mempool by fee rate (vB per sat/vB bucket)'));
  const buckets = [...hist].filter(([, v]) => v > 0).sort((a, b) => a[0] - b[0]);
  if (buckets.length === 0) {
    fig.append(h('p', { class: 'muted' }, 'The mempool is empty.'));
    return fig;
  }
  const H = 150;
  const padB = 22;
  const padL = 8;
  const max = Math.max(...buckets.map(([, v]) => v));
  const bw = Math.min(60, (W - padL * 2) / buckets.length);
  const left = (W - bw * buckets.length) / 2;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': 'fee histogram' });
  buckets.forEach(([rate, vsize], i) => {
    const bh = (vsize / max) * (H - padB - 8);
    const x = left + i * bw;
    svg.append(s('rect', { x: x + 1, y: H - padB - bh, width: Math.max(1, bw - 2), height: bh, class: 'bar' }, s('title', null, `${rate} sat/vB: ${vsize} vB`)));
    if (buckets.length <= 16 || i % Math.ceil(buckets.length / 16) === 0)
      svg.append(s('text', { x: x + bw / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis' }, rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)));
  });
  fig.append(svg);
  return fig;
}

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
  const scroller = h('div', { class: 'scroll-x' }, svg);
  // the newest blocks are on the right: start scrolled there when the tree is wider than the page
  requestAnimationFrame(() => {
    scroller.scrollLeft = scroller.scrollWidth;
  });
  fig.append(scroller);
  return fig;
}
