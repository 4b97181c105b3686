// What one simulated run is: its seed, size, length and fault mix. Parsed from the
// command line (`--faults partition,crash,...`) or drawn at random by the swarm.
import type { Rng } from '../src/primitives/index.js';

export const FAULTS = ['partition', 'oneway', 'latency', 'loss', 'duplicate', 'reorder', 'slow', 'crash', 'flushcrash', 'skew', 'hostile'] as const;
export type Fault = (typeof FAULTS)[number];

export interface SimConfig {
  seed: bigint;
  nodes: number;
  /** simulated ms of faults, mining and payments before the final heal */
  durationMs: number;
  /** simulated ms after the final heal: mining and payments go on, then stop for `drainMs` */
  quietMs: number;
  drainMs: number;
  /** mean ms between blocks (the whole network) */
  blockIntervalMs: number;
  /** payments per simulated minute, network-wide */
  txPerMinute: number;
  actors: number;
  faults: Fault[];
  /** blocks mined before the world starts (coins for the actors; 100 must mature) */
  premine: number;
  /** how often the mempool and divergence invariants are checked */
  checkEveryMs: number;
  /** with the `skew` fault, each node's clock is off by a uniform draw in ±this */
  skewMaxMs: number;
  /** test-only: re-introduce a real class of bug (see planted.ts) */
  plant?: string;
  /** keep the trace's lines (for --out); the hash is always computed */
  keepTrace?: boolean;
  /** real LevelDB stores in a temporary directory (removed at the end) instead of memory-level */
  disk?: boolean;
  /** keep the per-node tip timeline (for --out) */
  keepTimeline?: boolean;
}

export const DEFAULTS: Omit<SimConfig, 'seed'> = {
  nodes: 8,
  durationMs: 2 * 3600_000,
  quietMs: 30 * 60_000,
  drainMs: 10 * 60_000,
  blockIntervalMs: 600_000,
  txPerMinute: 2,
  actors: 8,
  faults: [],
  premine: 120,
  checkEveryMs: 60_000,
  skewMaxMs: 3600_000,
};

/** "2h", "90m", "30s", "1500ms", "1d" → ms. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`bad duration ${JSON.stringify(s)}: use e.g. 90s, 30m, 2h, 1d`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(n * unit);
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3600_000 === 0) return `${ms / 3600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function parseFaults(s: string): Fault[] {
  if (s === '' || s === 'none') return [];
  if (s === 'all') return [...FAULTS];
  const out: Fault[] = [];
  for (const f of s.split(',').map((x) => x.trim())) {
    if (!(FAULTS as readonly string[]).includes(f)) throw new Error(`unknown fault ${JSON.stringify(f)}: choose from ${FAULTS.join(', ')}, all, none`);
    if (!out.includes(f as Fault)) out.push(f as Fault);
  }
  return out;
}

/** Swarm testing: each fault switched on with probability 1/2 (so runs differ in what they stress). */
export function randomFaults(rng: Rng): Fault[] {
  return FAULTS.filter(() => rng.float() < 0.5);
}

/** The one-line command that replays a run exactly. */
export function replayCommand(c: SimConfig): string {
  const parts = [`npm run sim -- --seed ${c.seed} --nodes ${c.nodes} --duration ${formatDuration(c.durationMs)}`];
  if (c.faults.length) parts.push(`--faults ${c.faults.join(',')}`);
  if (c.blockIntervalMs !== DEFAULTS.blockIntervalMs) parts.push(`--block-interval ${formatDuration(c.blockIntervalMs)}`);
  if (c.txPerMinute !== DEFAULTS.txPerMinute) parts.push(`--tx-rate ${c.txPerMinute}`);
  if (c.actors !== DEFAULTS.actors) parts.push(`--actors ${c.actors}`);
  if (c.quietMs !== DEFAULTS.quietMs) parts.push(`--quiet ${formatDuration(c.quietMs)}`);
  if (c.drainMs !== Math.min(DEFAULTS.drainMs, Math.floor(c.quietMs / 3))) parts.push(`--drain ${formatDuration(c.drainMs)}`);
  if (c.skewMaxMs !== DEFAULTS.skewMaxMs) parts.push(`--skew-max ${formatDuration(c.skewMaxMs)}`);
  if (c.plant) parts.push(`--plant ${c.plant}`);
  if (c.disk) parts.push('--disk');
  return parts.join(' ');
}
