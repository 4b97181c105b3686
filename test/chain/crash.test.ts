import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { BufWriter, seededRng, type Block } from '../../src/primitives/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { bundleScript } from '../support/bundle.js';

const params = getParams('regtest');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** 230 blocks with spends, then a 20-block branch from height 215 that wins (reorg depth 15). */
function blockScript(): Block[] {
  const b = new ChainBuilder(params);
  let s = b.genesis();
  const main: Block[] = [];
  let forkState = s;
  for (let h = 1; h <= 230; h++) {
    const txs = h > 101 ? b.spendable(s).slice(0, 4).map((u) => b.spend([u])) : [];
    const r = b.block(s, { txs });
    main.push(r.block);
    s = r.state;
    if (h === 215) forkState = s;
  }
  const branch: Block[] = [];
  let f = forkState;
  for (let i = 0; i < 20; i++) {
    const txs = b.spendable(f).slice(4, 7).map((u) => b.spend([u], undefined, 1500n));
    const r = b.block(f, { txs, time: f.time + 2 });
    branch.push(r.block);
    f = r.state;
  }
  return [...main, ...branch];
}

/** Runs the child; with `killAfterLines`, SIGKILLs it that many blocks (plus a few ms) into its work. */
function run(child: string, datadir: string, script: string, kill?: { lines: number; delayMs: number }): Promise<{ out: string; killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, datadir, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    let armed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      lines += d.toString().split('\n').filter((l) => l.startsWith('h ')).length;
      if (kill && !armed && lines >= kill.lines) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), kill.delayMs);
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => resolve({ out: out + err, killed: signal === 'SIGKILL', code }));
  });
}

describe('chain: crash safety', () => {
  it('survives 20+ SIGKILLs during sync and reorg and ends with the digest of a never-killed node', async () => {
    const blocks = blockScript();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
    dirs.push(dir);
    const scriptFile = join(dir, 'blocks.bin');
    const w = new BufWriter(1 << 20);
    for (const b of blocks) w.u32(b.encode().length).bytes(b.encode());
    writeFileSync(scriptFile, w.finish());

    // Reference: the same script, in process, never interrupted.
    const pool = new VerifyPool({ threads: 1 });
    const ref = await Chain.open({ params, path: join(dir, 'ref'), verifyPool: pool });
    for (const b of blocks) await ref.processBlock(b);
    const expected = (await ref.utxoStats());
    await ref.close();
    await pool.close();
    expect(expected.height).toBe(235);

    const child = await bundleScript(join(__dirname, 'crash-child.ts'));
    const datadir = join(dir, 'victim');
    const rng = seededRng(2459);
    let kills = 0;
    const lastHeights: number[] = [];
    const heights: number[] = [];
    for (let attempt = 0; attempt < 40 && kills < 25; attempt++) {
      const r = await run(child, datadir, scriptFile, { lines: 1 + rng.int(12), delayMs: rng.int(12) });
      const progress = [...r.out.matchAll(/h (\d+)/g)].map((m) => Number(m[1]));
      if (progress.length) heights.push(progress[progress.length - 1]!);
      const opened = /open (\d+)/.exec(r.out);
      expect(r.out).not.toMatch(/Error/);
      if (opened) lastHeights.push(Number(opened[1]));
      if (r.killed) kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    // The kills landed all along the sync, including the reorg at the end of the script.
    expect(Math.min(...heights)).toBeLessThan(100);
    // Restarts resumed from persisted progress rather than from scratch every time.
    expect(Math.max(...lastHeights)).toBeGreaterThan(0);
    const final = await run(child, datadir, scriptFile);
    expect(final.code).toBe(0);
    const done = /done (\d+) ([0-9a-f]{64})/.exec(final.out);
    expect(done).not.toBeNull();
    expect(Number(done![1])).toBe(expected.height);
    expect(done![2]).toBe(expected.digest);
  }, 240_000);
});
