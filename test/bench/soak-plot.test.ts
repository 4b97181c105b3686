// The soak's plot page: each node's legend entry has its line's colour (the legend used SVG
// tspans inside HTML, so every entry was black), and the charts scale to the page width
// (a fixed 760-px SVG scrolled sideways on a phone).
import { expect, it } from '@jest/globals';
import { plotHtml, type Sample } from '../../bench/soak-plot.js';

const s = (t: number, node: string, v: number): Sample => ({ t, node, rssMb: v, heapUsedMb: v, heapTotalMb: v, externalMb: 0, levelMb: v, p50: 1, p99: v, requests: 4, height: t });

it('colours each legend entry as its line, and scales charts to the page', () => {
  const html = plotHtml([s(0, 'a', 1), s(15, 'a', 2), s(0, 'b', 3), s(15, 'b', 4)], ['a', 'b'], 'soak', {});
  const strokes = [...html.matchAll(/<path d="[^"]+" fill="none" stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  const legend = [...html.matchAll(/<span style="color:(#[0-9a-f]{6})">■ (\w+)<\/span>/g)].map((m) => [m[2], m[1]]);
  expect(strokes.slice(0, 2)).toEqual([legend[0]![1], legend[1]![1]]);
  expect(legend.slice(0, 2).map((l) => l[0])).toEqual(['a', 'b']);
  expect(strokes[0]).not.toBe(strokes[1]);
  expect(html).not.toMatch(/<svg width=/);
  expect(html).toMatch(/<svg viewBox="0 0 \d+ \d+" style="width:100%/);
  expect(html).toContain('name="viewport"');
});
