// `--out DIR`: the run as JSON (result.json) and as one static HTML page (index.html)
// with an SVG timeline of every node's tip height over simulated time, partitions
// (shaded), crashes and restarts (marks), reorgs (red dots) and the violations. No CDN,
// no script: the page is the picture.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimResult } from './world.js';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function json(r: SimResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function renderHtml(r: SimResult): string {
  const c = r.config;
  const W = 1000;
  const rowH = 18;
  const nodes = r.nodes;
  const H = Math.max(120, nodes.length * rowH + 40);
  const tEnd = c.durationMs + c.quietMs;
  const x = (t: number): number => 60 + (t / tEnd) * (W - 80);
  const tl = r.timeline ?? [];
  const minH = Math.min(c.premine, ...tl.map((p) => p.height));
  const maxH = Math.max(minH + 1, ...tl.map((p) => p.height));
  const parts: string[] = [];
  // partitions: shaded spans
  let open: number | undefined;
  for (const e of r.events) {
    if (e.kind === 'partition') open = e.t;
    if ((e.kind === 'heal' && e.detail === 'partition') || e.kind === 'final-heal') {
      if (open !== undefined) parts.push(`<rect x="${x(open)}" y="20" width="${Math.max(1, x(e.t) - x(open))}" height="${H - 30}" fill="#fde68a" opacity="0.5"><title>partition ${(open / 1000).toFixed(0)}–${(e.t / 1000).toFixed(0)} s</title></rect>`);
      open = undefined;
    }
  }
  nodes.forEach((n, i) => {
    const y0 = 20 + i * rowH;
    parts.push(`<text x="4" y="${y0 + 12}" font-size="11">${esc(n)}</text>`);
    const pts = tl.filter((p) => p.node === n);
    let prev: { t: number; h: number } | undefined;
    const yOf = (h: number): number => y0 + rowH - 3 - ((h - minH) / (maxH - minH)) * (rowH - 6);
    for (const p of pts) {
      if (prev) parts.push(`<line x1="${x(prev.t)}" y1="${yOf(prev.h)}" x2="${x(p.t)}" y2="${yOf(prev.h)}" stroke="#2563eb"/><line x1="${x(p.t)}" y1="${yOf(prev.h)}" x2="${x(p.t)}" y2="${yOf(p.height)}" stroke="#2563eb"/>`);
      if (p.reorg > 0) parts.push(`<circle cx="${x(p.t)}" cy="${yOf(p.height)}" r="3" fill="#dc2626"><title>${esc(n)} reorg depth ${p.reorg} at ${(p.t / 1000).toFixed(0)} s</title></circle>`);
      prev = { t: p.t, h: p.height };
    }
    if (prev) parts.push(`<line x1="${x(prev.t)}" y1="${yOf(prev.h)}" x2="${x(tEnd)}" y2="${yOf(prev.h)}" stroke="#2563eb"/>`);
    for (const e of r.events) {
      if ((e.kind === 'crash' || e.kind === 'restart') && e.detail === n) {
        parts.push(`<text x="${x(e.t) - 4}" y="${y0 + 12}" font-size="12" fill="${e.kind === 'crash' ? '#dc2626' : '#16a34a'}">${e.kind === 'crash' ? '✕' : '↺'}<title>${e.kind} at ${(e.t / 1000).toFixed(0)} s</title></text>`);
      }
    }
  });
  for (const v of r.violations) parts.push(`<line x1="${x(v.t)}" y1="20" x2="${x(v.t)}" y2="${H - 10}" stroke="#dc2626" stroke-dasharray="3,3"><title>${esc(v.kind)}: ${esc(v.detail)}</title></line>`);
  parts.push(`<line x1="${x(c.durationMs)}" y1="14" x2="${x(c.durationMs)}" y2="${H - 10}" stroke="#16a34a"><title>final heal</title></line>`);
  const s = r.stats;
  const rows = [
    ['trace sha256', r.traceHash],
    ['replay', r.replay],
    ['blocks mined / stale', `${s.blocksMined} / ${s.staleBlocks}`],
    ['final height', String(s.finalHeight)],
    ['deepest reorg / max divergence', `${s.deepestReorg} / ${s.maxDivergence}`],
    ['payments submitted / accepted / double spends', `${s.payments.submitted} / ${s.payments.accepted} / ${s.payments.doubleSpends}`],
    ['propagation p50 / p95', `${(s.propagation.p50 / 1000).toFixed(2)} s / ${(s.propagation.p95 / 1000).toFixed(2)} s`],
    ['speed', `${s.simPerWall.toFixed(0)} simulated s per wall s`],
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>cairn sim seed ${c.seed}</title>
<style>body{font:14px system-ui,sans-serif;margin:20px;color:#111}td{padding:2px 10px}code{font-size:12px}.bad{color:#dc2626}</style></head><body>
<h1>Cairn simulation, seed ${c.seed}: ${r.ok ? 'all invariants held' : `<span class="bad">${r.violations.length} violations</span>`}</h1>
<p>${c.nodes} nodes, ${(c.durationMs / 3600_000).toFixed(2)} h of faults (${esc(c.faults.join(', ') || 'none')}) then ${(c.quietMs / 60_000).toFixed(0)} min quiet. Each row is one node's tip height over simulated time; yellow: partitions; red dots: reorgs; ✕/↺: crash/restart; green line: final heal; dashed red: violations.</p>
<svg width="${W}" height="${H}" style="border:1px solid #ddd">${parts.join('')}</svg>
<table>${rows.map(([k, v]) => `<tr><td>${esc(k!)}</td><td><code>${esc(v!)}</code></td></tr>`).join('')}</table>
${r.violations.length ? `<h2>Violations</h2><ul>${r.violations.map((v) => `<li>t=${(v.t / 1000).toFixed(1)} s <b>${esc(v.kind)}</b> ${esc(v.node ?? '')}: ${esc(v.detail)}</li>`).join('')}</ul>` : ''}
</body></html>`;
}

export function writeReport(r: SimResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'result.json'), json(r));
  const page = join(dir, 'index.html');
  writeFileSync(page, renderHtml(r));
  return page;
}
