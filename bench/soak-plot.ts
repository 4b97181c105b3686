// A self-contained HTML page (inline SVG, no scripts, no CDN) with one chart per measure
// of a soak: RSS, heap used, LevelDB's native memory, API p99 and tip height over time,
// one line per node.

export interface Sample {
  t: number;
  node: string;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** LevelDB's native memory, chain and index stores together (cairn_leveldb_memory_bytes) */
  levelMb: number;
  p50: number;
  p99: number;
  requests: number;
  height: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function chart(samples: readonly Sample[], names: readonly string[], title: string, unit: string, f: (s: Sample) => number): string {
  const W = 760;
  const R = 40; // room for the last time label
  const H = 220;
  const L = 60;
  const B = 30;
  const pts = samples.filter((s) => Number.isFinite(f(s)));
  const tMax = Math.max(1, ...pts.map((s) => s.t));
  const yMax = Math.max(1e-9, ...pts.map(f)) * 1.1;
  const x = (t: number): number => L + ((W - L - R) * t) / tMax;
  const y = (v: number): number => H - B - ((H - B - 10) * v) / yMax;
  const lines = names.map((n, i) => {
    const d = pts.filter((s) => s.node === n).map((s, k) => `${k ? 'L' : 'M'}${x(s.t).toFixed(1)},${y(f(s)).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"/>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((q) => {
    const v = (yMax / 1.1) * q;
    return `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 4}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`;
  });
  const xt = [0, 0.25, 0.5, 0.75, 1].map((q) => `<text x="${x(tMax * q)}" y="${H - 10}" text-anchor="middle">${((tMax * q) / 60).toFixed(1)} min</text>`);
  const legend = names.map((n, i) => `<span style="color:${COLOURS[i % COLOURS.length]}">■ ${esc(n)}</span>`).join(' ');
  return `<figure><figcaption>${esc(title)} (${esc(unit)}) <small>${legend}</small></figcaption><svg viewBox="0 0 ${W} ${H}" style="width:100%;max-width:${W}px;height:auto" font-size="11" font-family="sans-serif">${ticks.join('')}${xt.join('')}<line x1="${L}" x2="${L}" y1="10" y2="${H - B}" stroke="#999"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#999"/>${lines.join('')}</svg></figure>`;
}

export function plotHtml(samples: readonly Sample[], names: readonly string[], title: string, summary: unknown): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:20px}figure{margin:0 0 16px}pre{background:#f6f6f6;padding:8px;font-size:12px;white-space:pre-wrap;word-break:break-all}</style></head><body><h1>${esc(title)}</h1>
${chart(samples, names, 'resident set size', 'MB', (s) => s.rssMb)}
${chart(samples, names, 'JS heap used (main thread)', 'MB', (s) => s.heapUsedMb)}
${chart(samples, names, 'LevelDB native memory, chain + index (memtables and block cache)', 'MB', (s) => s.levelMb)}
${chart(samples, names, 'API p99 latency per sample window (GET /api/node, 4/s)', 'ms', (s) => s.p99)}
${chart(samples, names, 'tip height', 'blocks', (s) => s.height)}
<h2>summary</h2><pre>${esc(JSON.stringify(summary, null, 2))}</pre></body></html>
`;
}
