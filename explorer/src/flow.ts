// The transaction flow picture: inputs on the left, outputs (and the fee) on the right,
// joined through the middle by bands whose widths are proportional to value, so where the
// money went is visible at a glance. Values are integers; only the drawing uses floats.
// The picture is laid out for the width it will be shown at (narrower label columns and
// shorter labels on a phone), so it never needs sideways scrolling.
import { h, s } from './dom.js';
import { formatCoins } from './format.js';

export interface FlowItem {
  label: string;
  value: number;
  href?: string;
}

const MIN_BAND = 2;

export function txFlow(inputs: readonly FlowItem[], outputs: readonly FlowItem[], fee: number, width = 600): HTMLElement {
  const W = Math.max(280, Math.min(760, Math.round(width)));
  const narrow = W < 500;
  const labelW = narrow ? 92 : 150;
  const maxChars = narrow ? 13 : 22;
  const outs = fee > 0 ? [...outputs, { label: 'fee', value: fee }] : [...outputs];
  const fig = h('figure', { class: 'chart flow', 'data-testid': 'tx-flow' }, h('figcaption', null, 'Flow: inputs → outputs (widths proportional to value)'));
  const total = Math.max(
    1,
    inputs.reduce((a, i) => a + i.value, 0),
    outs.reduce((a, o) => a + o.value, 0),
  );
  const H = Math.max(140, Math.min(420, 34 * Math.max(inputs.length, outs.length)));
  const bandH = H - 20;
  const gap = 4;
  const layout = (items: readonly FlowItem[]) => {
    const avail = bandH - gap * Math.max(0, items.length - 1);
    const widths = items.map((it) => Math.max(MIN_BAND, (it.value / total) * avail));
    const scale = Math.min(1, avail / widths.reduce((a, b) => a + b, 0));
    let y = 10;
    return items.map((it, i) => {
      const w = widths[i]! * scale;
      const r = { it, y, w };
      y += w + gap;
      return r;
    });
  };
  const L = layout(inputs);
  const R = layout(outs);
  const midX0 = W / 2 - 6;
  const midX1 = W / 2 + 6;
  const midH = Math.max(MIN_BAND, bandH * 0.6);
  const midY = (H - midH) / 2;
  const leftX = labelW;
  const rightX = W - labelW;
  // where each band meets the middle bar, stacked in proportion
  const inLabels = spread(L.map(({ y, w }) => y + w / 2 + 4), 14);
  const outLabels = spread(R.map(({ y, w }) => y + w / 2 + 4), 14);
  // labels pushed apart may run past the bands: the picture grows to keep them
  const svgH = Math.ceil(Math.max(H, ...inLabels.map((y) => y + 6), ...outLabels.map((y) => y + 6)));
  const svg = s('svg', { viewBox: `0 0 ${W} ${svgH}`, class: 'chart-svg', role: 'img', 'aria-label': 'transaction flow' });
  let mIn = midY;
  for (const [k, { it, y, w }] of L.entries()) {
    const mw = (it.value / total) * midH;
    svg.append(s('path', { d: band(leftX, y, w, midX0, mIn, Math.max(mw, 0.5)), class: 'band in' }, s('title', null, `${it.label}: ${formatCoins(it.value)}`)));
    mIn += mw;
    svg.append(s('text', { x: leftX - 6, y: inLabels[k], 'text-anchor': 'end', class: 'flow-label' }, clip(it.label, maxChars)));
  }
  let mOut = midY;
  for (const [k, { it, y, w }] of R.entries()) {
    const mw = (it.value / total) * midH;
    svg.append(s('path', { d: band(midX1, mOut, Math.max(mw, 0.5), rightX, y, w), class: it.label === 'fee' ? 'band fee' : 'band out' }, s('title', null, `${it.label}: ${formatCoins(it.value)}`)));
    mOut += mw;
    svg.append(s('text', { x: rightX + 6, y: outLabels[k], class: 'flow-label' }, clip(it.label, maxChars)));
  }
  svg.append(s('rect', { x: midX0, y: midY, width: midX1 - midX0, height: midH, class: 'flow-mid' }));
  fig.append(svg);
  return fig;
}

/** Pushes label baselines apart (top to bottom) so thin neighbouring bands keep readable labels. */
export function spread(ys: readonly number[], minGap: number): number[] {
  const out = [...ys];
  for (let i = 1; i < out.length; i++) if (out[i]! < out[i - 1]! + minGap) out[i] = out[i - 1]! + minGap;
  return out;
}

function clip(label: string, max: number): string {
  if (label.length <= max) return label;
  const tail = Math.floor((max - 1) / 2);
  return `${label.slice(0, max - 1 - tail)}…${label.slice(-tail)}`;
}

/** A filled band from a vertical segment (x0, y0..y0+h0) to (x1, y1..y1+h1). */
function band(x0: number, y0: number, h0: number, x1: number, y1: number, h1: number): string {
  const cx = (x0 + x1) / 2;
  return `M${x0},${y0} C${cx},${y0} ${cx},${y1} ${x1},${y1} L${x1},${y1 + h1} C${cx},${y1 + h1} ${cx},${y0 + h0} ${x0},${y0 + h0} Z`;
}
