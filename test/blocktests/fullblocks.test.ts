// Runs the generated block tests (generate.ts) against a real Chain on LevelDB and, step by
// step, against the independent model: the submit result, the tip (expected by the
// generator, chosen by the model, reached by the node) and the UTXO set (MuHash digest
// after every step, coin by coin at the end of each suite).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { ManualClock } from '../../src/primitives/index.js';
import { Model } from '../support/model.js';
import { generateSuites, type Expect, type Suite } from './generate.js';
import { ModelDigest, coinSetDiff } from './harness.js';

let pool: VerifyPool;
const dirs: string[] = [];
const suites: Suite[] = generateSuites();

beforeAll(() => {
  pool = new VerifyPool({ threads: 1 });
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function expected(e: Expect): string {
  if (typeof e !== 'string') return e.code;
  return e === 'side' ? 'accepted' : e;
}

describe('generated block tests', () => {
  it('has at least 150 steps, and covers reorgs, ties, mutations and out-of-order arrival', () => {
    const all = suites.flatMap((s) => s.steps);
    expect(all.length).toBeGreaterThanOrEqual(150);
    for (const scenario of ['base', 'rules', 'mutations', 'positions', 'ties', 'flipflop', 'out-of-order', 'retarget']) {
      expect(all.some((s) => s.name.startsWith(`${scenario}:`))).toBe(true);
    }
  });

  it.each(suites.map((s) => [s.title, s] as const))('%s: node, generator and model agree after every step', async (_title, suite) => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-blocktests-'));
    dirs.push(dir);
    const clock = new ManualClock(suite.now * 1000);
    const chain = await Chain.open({ params: suite.params, path: dir, clock, verifyPool: pool });
    const model = new Model(suite.params, () => suite.now);
    const modelDigest = new ModelDigest(model);
    const nameOf = new Map([...suite.gen.byName.values()].map((b) => [b.hex, b.name]));
    const where = (i: number): string => `step ${i} (${suite.steps[i]!.name})`;
    try {
      for (let i = 0; i < suite.steps.length; i++) {
        const step = suite.steps[i]!;
        const got = await chain.processBlock(step.block).then(
          (r) => r.status,
          (e: { code?: string; message?: string }) => e.code ?? `error ${e.message}`,
        );
        model.submit(step.block);
        const hex = step.block.hashHex();
        expect(`${where(i)}: ${got}`).toBe(`${where(i)}: ${expected(step.expect)}`);
        // The model judges the block the same way (where it stored it).
        if (typeof step.expect !== 'string' && step.expect.code !== 'duplicate-invalid' && model.has(hex)) {
          expect(`${where(i)}: model says ${JSON.stringify(model.verdict(hex))}`).toBe(`${where(i)}: model says ${JSON.stringify({ valid: false, code: step.expect.code })}`);
        }
        const want = suite.gen.get(step.tip).hex;
        const m = modelDigest.get();
        const tips = { generator: step.tip, model: nameOf.get(m.tip) ?? m.tip, node: nameOf.get(chain.tip.hashHex) ?? chain.tip.hashHex };
        expect(`${where(i)}: ${JSON.stringify(tips)}`).toBe(`${where(i)}: ${JSON.stringify({ ...tips, model: step.tip, node: step.tip })}`);
        expect(chain.tip.hashHex).toBe(want);
        const stats = await chain.utxoStats();
        expect(`${where(i)}: ${stats.digest} ${stats.txouts} ${stats.totalAmount}`).toBe(`${where(i)}: ${m.digest} ${m.txouts} ${m.totalAmount}`);
      }
      expect(await coinSetDiff(chain, model.coins())).toEqual([]);
    } finally {
      await chain.close();
    }
  });
});
