// Charts drawn with uPlot (bundled; the devnet runs offline): real axes with tick labels,
// a live legend that reads the point under the pointer (the tooltip), time scales, and
// resizing with the page. A chart is created once and fed new data with update(), so live
// pages do not rebuild canvases on every event; destroy() releases it when the page goes.
// Fewer points than a chart needs show a short note instead of an empty frame.
import uPlot from 'uplot';
import type { FeeLevel } from './api.js';
import { h } from './dom.js';
import { formatBytes, formatDifficulty, formatDuration, formatInt } from './format.js';

export interface Plot {
  readonly el: HTMLElement;
  update(data: uPlot.AlignedData): void;
  destroy(): void;
  /** the uPlot instance once drawn (tests and tooltips read it) */
  readonly chart: uPlot | null;
}

interface Colors {
  accent: string;
  fill: string;
  muted: string;
  line: string;
  fg: string;
}

function colors(): Colors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const accent = v('--accent', '#2f6fde');
  return { accent, fill: `color-mix(in srgb, ${accent} 55%, transparent)`, muted: v('--muted', '#667085'), line: v('--line', '#e3e6ea'), fg: v('--fg', '#1b1f24') };
}

interface PlotSpec {
  title: string;
  testid: string;
  /** one line under the chart saying what the axes are */
  note?: string;
  height?: number;
  minPoints?: number;
  emptyText?: string;
  options(c: Colors): Omit<uPlot.Options, 'width' | 'height'>;
}

export function plot(spec: PlotSpec): Plot {
  const box = h('div', { class: 'plot' });
  const empty = h('p', { class: 'muted', hidden: true }, spec.emptyText ?? 'Not enough data yet.');
  const el = h('figure', { class: 'chart', 'data-testid': spec.testid }, h('figcaption', null, spec.title), empty, box, spec.note ? h('p', { class: 'chart-note muted' }, spec.note) : null);
  const height = spec.height ?? 170;
  let u: uPlot | null = null;
  let data: uPlot.AlignedData = [[]];
  let width = 0;
  const render = () => {
    const enough = data[0].length >= (spec.minPoints ?? 2);
    empty.hidden = enough;
    box.hidden = !enough;
    el.dataset.points = String(data[0].length);
    if (!enough || width <= 0) return;
    if (!u) u = new uPlot({ ...spec.options(colors()), width, height }, data, box);
    else u.setData(data);
  };
  const ro = new ResizeObserver(() => {
    const w = Math.floor(el.clientWidth);
    if (w === width || w <= 0) return;
    width = w;
    if (u) u.setSize({ width, height });
    render();
  });
  ro.observe(el);
  return {
    el,
    update(d) {
      data = d;
      render();
    },
    destroy() {
      ro.disconnect();
      u?.destroy();
      u = null;
    },
    get chart() {
      return u;
    },
  };
}

const axis = (c: Colors, extra: uPlot.Axis = {}): uPlot.Axis => ({
  stroke: c.muted,
  grid: { stroke: c.line, width: 1 },
  ticks: { stroke: c.line, width: 1 },
  font: '11px system-ui, sans-serif',
  ...extra,
});

/** Tick steps for whole quantities (seconds, vbytes): never a tick between two integers. */
const WHOLE_INCRS = Array.from({ length: 12 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();
const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

const bars = (): uPlot.Series.PathBuilder => uPlot.paths.bars!({ size: [0.7, 40], align: 0 });

/** Seconds from each block to the one before it, by height. */
export function intervalChart(): Plot {
  return plot({
    title: 'Block intervals',
    testid: 'chart-intervals',
    note: 'Linear axes: block height → seconds since the previous block (negative when a block’s clock was behind its parent’s).',
    minPoints: 1,
    options: (c) => ({
      scales: { x: { time: false } },
      series: [
        { label: 'Block', value: (_u, v) => (v == null ? '–' : `#${v}`) },
        { label: 'Interval', stroke: c.accent, fill: c.fill, paths: bars(), points: { show: false }, value: (_u, v) => (v == null ? '–' : formatDuration(v, true)) },
      ],
      axes: [axis(c, { values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? `#${v}` : '')) }), axis(c, { size: 60, incrs: SECOND_INCRS, values: (_u, splits) => splits.map((v) => formatDuration(v, true)) })],
      legend: { live: true },
    }),
  });
}

export function intervalData(blocks: ReadonlyArray<{ height: number; timestamp: number }>): uPlot.AlignedData {
  const asc = [...blocks].sort((a, b) => a.height - b.height);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 1; i < asc.length; i++) {
    if (asc[i]!.height !== asc[i - 1]!.height + 1) continue;
    xs.push(asc[i]!.height);
    ys.push(asc[i]!.timestamp - asc[i - 1]!.timestamp);
  }
  return [xs, ys];
}

export function difficultyChart(): Plot {
  return plot({
    title: 'Difficulty',
    testid: 'chart-difficulty',
    note: 'Linear axes: block height → difficulty.',
    options: (c) => ({
      scales: { x: { time: false } },
      series: [
        { label: 'Block', value: (_u, v) => (v == null ? '–' : `#${v}`) },
        { label: 'Difficulty', stroke: c.accent, width: 2, value: (_u, v) => (v == null ? '–' : formatDifficulty(v)) },
      ],
      axes: [axis(c, { values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? `#${v}` : '')) }), axis(c, { size: 64, values: (_u, splits) => splits.map(formatDifficulty) })],
      legend: { live: true },
    }),
  });
}

/** Mempool transaction count over time (unix seconds on a time axis). */
export function mempoolSizeChart(): Plot {
  return plot({
    title: 'Mempool size since this page opened',
    testid: 'chart-mempool',
    note: 'Time → transactions waiting.',
    options: (c) => ({
      scales: { x: { time: true } },
      series: [{ label: 'Time' }, { label: 'Transactions', stroke: c.accent, width: 2, value: (_u, v) => (v == null ? '–' : formatInt(v)) }],
      axes: [axis(c), axis(c, { size: 48, incrs: WHOLE_INCRS })],
      legend: { live: true },
    }),
  });
}

/**
 * The mempool by effective fee rate: one bar per fee level (mempool.space's levels), vsize
 * up. The x axis is ordinal, one slot per level, and its note says so: levels widen as
 * rates grow (1, 2, 3 … 10, 12, 15, 20, 30 …).
 */
export function feeLevelChart(testid = 'fee-histogram'): Plot & { setLevels(levels: readonly FeeLevel[]): void } {
  let levels: readonly FeeLevel[] = [];
  const levelName = (i: number) => {
    const l = levels[i];
    return l ? (l.to === null ? `≥ ${l.from}` : `${l.from}–${l.to}`) : '';
  };
  const p = plot({
    title: 'Mempool by fee rate',
    testid,
    note: 'One bar per fee-rate level (sat/vB; levels are not evenly spaced) → virtual size waiting at that rate, by the rate each tx pays with its package.',
    minPoints: 1,
    emptyText: 'The mempool is empty.',
    options: (c) => ({
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
      series: [
        { label: 'Fee rate', value: (_u, v) => (v == null ? '–' : `${levelName(v)} sat/vB`) },
        {
          label: 'Waiting',
          stroke: c.accent,
          fill: c.fill,
          paths: uPlot.paths.bars!({ size: [0.8, 60] }),
          points: { show: false },
          value: (_u, v, _s, i) => (v == null || i == null ? '–' : `${formatBytes(v, 'vB')} in ${formatInt(levels[i]?.count ?? 0)} tx`),
        },
      ],
      axes: [
        axis(c, { grid: { show: false }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(levels[v]?.from ?? '') : '')) }),
        axis(c, { size: 64, incrs: WHOLE_INCRS, values: (_u, splits) => splits.map((v) => formatBytes(v, 'vB')) }),
      ],
      legend: { live: true },
    }),
  });
  return Object.assign(p, {
    setLevels(next: readonly FeeLevel[]) {
      levels = next;
      p.update([next.map((_, i) => i), next.map((l) => l.vsize)]);
    },
  });
}
