// The end-of-run summary every command prints: trace hash, figures, violations, replay.
import type { SimResult } from './world.js';

export function summaryLine(r: SimResult): string {
  const s = r.stats;
  return `seed ${r.config.seed}: ${r.ok ? 'ok' : `FAILED (${r.violations.length} violations)`} trace ${r.traceHash.slice(0, 16)} height ${s.finalHeight} stale ${s.staleBlocks} deepest-reorg ${s.deepestReorg} ${s.simPerWall.toFixed(0)} sim-s/wall-s`;
}

export function printResult(r: SimResult, log: (s: string) => void = console.log): void {
  const s = r.stats;
  const c = r.config;
  log(`cairn sim: seed ${c.seed}, ${c.nodes} nodes, faults ${c.faults.join(',') || 'none'}${c.plant ? `, planted bug ${c.plant}` : ''}`);
  log(`trace sha256 ${r.traceHash} (${r.traceLines} events)`);
  log(`blocks: mined ${s.blocksMined}, final height ${s.finalHeight} (premine ${c.premine}, expected ~${s.expectedBlocks} new), stale ${s.staleBlocks}, deepest reorg ${s.deepestReorg}, max divergence ${s.maxDivergence}`);
  log(`payments: ${s.payments.submitted} submitted, ${s.payments.accepted} accepted, ${s.payments.refused} refused, ${s.payments.doubleSpends} double-spend attempts; 6-deep reversals ${s.reversedDeep}`);
  log(`faults: ${s.partitions} partitions, ${s.crashes} crashes; messages ${s.messages.delivered} delivered, ${s.messages.lost} lost, ${s.messages.duplicated} duplicated`);
  if (s.hostile.nodes.length) {
    const h = s.hostile;
    log(`hostile ${h.nodes.join(',')} (${(h.hashShare * 100).toFixed(0)}% of hash power): selfish ${h.privateMined} mined privately, ${h.released} released, ${h.abandoned} abandoned; invalid blocks ${h.invalidBlocks}, mutated ${h.mutatedBlocks}, future-dated ${h.futureBlocks}; header spam ${h.headerSpam}, tx spam ${h.txSpam} bursts`);
  }
  const g = s.growth;
  log(`growth: main chain +${g.blocks} blocks for ${g.honestMined} mined by honest nodes; of ${g.whole} mined while no partition was in force, ${g.kept} are in the final chain${g.whole ? ` (${((100 * g.kept) / g.whole).toFixed(0)} %)` : ''}`);
  log(`propagation (block mined → connected by a node): p50 ${(s.propagation.p50 / 1000).toFixed(2)} s, p95 ${(s.propagation.p95 / 1000).toFixed(2)} s over ${s.propagation.samples} arrivals`);
  log(`speed: ${s.simSeconds} simulated s in ${s.wallSeconds.toFixed(1)} wall s = ${s.simPerWall.toFixed(0)} sim-s/wall-s; ${s.events} events; heap ${s.heapPerNodeMb.toFixed(1)} MB per node`);
  for (const w of r.wallClockUse) log(`WALL-CLOCK USE in the simulated world (${w.calls}x): ${w.site}`);
  if (r.ok) log('invariants: all held');
  else {
    for (const v of r.violations.slice(0, 20)) log(`VIOLATION t=${(v.t / 1000).toFixed(1)}s ${v.kind}${v.node ? ` [${v.node}]` : ''}: ${v.detail}`);
    if (r.violations.length > 20) log(`... and ${r.violations.length - 20} more`);
    log(`seed ${c.seed} failed; replay: ${r.replay}`);
  }
}
