// Shrinking a failing run to a shorter reproduction: with the same seed, try fewer nodes,
// a shorter duration and fewer faults, keeping each change that still fails with the
// same kind of violation. Greedy (as QuickCheck's shrinking), bounded by `maxRuns`.
import { FAULTS, replayCommand, type SimConfig } from './config.js';
import { runSim, type SimResult } from './world.js';

export interface Shrunk {
  config: SimConfig;
  replay: string;
  kind: string;
  runs: number;
}

export async function shrink(start: SimConfig, log: (s: string) => void = () => undefined, maxRuns = 24, known?: SimResult): Promise<Shrunk> {
  const first = known ?? (await runSim(start));
  if (first.ok) throw new Error(`shrink: seed ${start.seed} does not fail`);
  const kind = first.violations[0]!.kind;
  const firstAt = first.violations[0]!.t;
  let best = start;
  let runs = known ? 0 : 1;
  const fails = async (c: SimConfig): Promise<boolean> => {
    runs++;
    const r = await runSim(c);
    const still = r.violations.some((v) => v.kind === kind);
    log(`shrink: ${replayCommand(c)} → ${still ? `still ${kind}` : 'passes'}`);
    return still;
  };
  let progress = true;
  while (progress && runs < maxRuns) {
    progress = false;
    const candidates: SimConfig[] = [];
    // The world up to the first violation does not depend on how long it would have gone
    // on: ending the faults just after it replays the same failure, sooner.
    const cut = Math.ceil((firstAt + 1) / 60_000) * 60_000;
    if (cut < best.durationMs && best === start) candidates.push({ ...best, durationMs: cut });
    if (best.quietMs > 12 * 60_000) candidates.push({ ...best, quietMs: 12 * 60_000, drainMs: 4 * 60_000 });
    if (best.nodes > 2) candidates.push({ ...best, nodes: Math.max(2, Math.floor(best.nodes / 2)) }, { ...best, nodes: best.nodes - 1 });
    if (best.durationMs > 10 * 60_000) candidates.push({ ...best, durationMs: Math.floor(best.durationMs / 2 / 60_000) * 60_000 });
    for (const f of FAULTS) if (best.faults.includes(f)) candidates.push({ ...best, faults: best.faults.filter((x) => x !== f) });
    for (const c of candidates) {
      if (runs >= maxRuns) break;
      if (await fails(c)) {
        best = c;
        progress = true;
        break;
      }
    }
  }
  return { config: best, replay: replayCommand(best), kind, runs };
}
