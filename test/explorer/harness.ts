// The browser tests talk to "a node" through these interfaces only: what a test may do to the
// node (mine, pay, reorg) and where to point the browser. real-node.ts implements them with
// real regtest cairnd processes. Assertions read the expected values from the target's own
// REST API, never from a factory's bookkeeping, so any implementation that keeps the
// contract can stand in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ExplorerTarget {
  readonly baseUrl: string;
  /** where mined rewards go; it has coins to pay() from */
  readonly minerAddress: string;
  mine(n: number): Promise<string[]>;
  pay(to: string, value: number): Promise<string>;
  /** makes the node switch to a longer branch that replaces its last `depth` blocks */
  reorg(depth: number): Promise<void>;
  /** stops the node (the explorer's page stays open) */
  stop(): Promise<void>;
  /** starts it again on the same data and the same baseUrl */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface DevnetTarget {
  readonly urls: string[];
  mine(n: number): Promise<string[]>;
  close(): Promise<void>;
}

export type TargetFactory = (staticDir: string) => Promise<ExplorerTarget>;
export type DevnetFactory = (staticDir: string, nodes: number) => Promise<DevnetTarget>;

/** Builds the explorer bundle into a fresh temp dir (the same build.mjs `npm run build` runs). */
export function buildExplorer(): string {
  const out = mkdtempSync(join(tmpdir(), 'cairn-explorer-'));
  execFileSync(process.execPath, [resolve(__dirname, '../../explorer/build.mjs'), '--outdir', out], { stdio: 'pipe' });
  return out;
}
