// The mempool folder's layout is part of its design (src/mempool/index.ts): one job per
// module, the rules pure, every module named in index.ts, none too long to read. This reads
// the sources so the layout cannot erode silently.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(__dirname, '../../src/mempool');
const modules = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const source = (f: string): string => readFileSync(join(dir, f), 'utf8');
const importsOf = (f: string): string[] => [...source(f).matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('src/mempool layout', () => {
  it('has the modules the split promised', () => {
    expect(modules).toEqual(expect.arrayContaining(['mempool.ts', 'graph.ts', 'trim.ts', 'accept.ts', 'admit.ts', 'policy.ts']));
  });

  it('index.ts names every module', () => {
    const index = source('index.ts');
    for (const f of modules) if (f !== 'index.ts') expect([f, index.includes(f)]).toEqual([f, true]);
  });

  it('no module is over 400 lines unless it says why at its top', () => {
    for (const f of modules) {
      const lines = source(f).split('\n');
      const head = lines.slice(0, 15).join('\n');
      if (lines.length > 400) expect([f, /reason|why this file is long/i.test(head)]).toEqual([f, true]);
    }
  });

  it('the rules and the graph are pure: no I/O, no chain, no clock reached for', () => {
    for (const f of ['policy.ts', 'graph.ts']) {
      const bad = importsOf(f).filter((s) => s.startsWith('node:') || s.includes('/chain/') || s.includes('/consensus/') || !(s.startsWith('.') || s.startsWith('..')));
      expect([f, bad]).toEqual([f, []]);
      expect([f, /systemClock|Date\.now|performance\.now|Math\.random/.test(source(f))]).toEqual([f, false]);
    }
    // the fee floor takes its clock from its owner
    expect(/systemClock|Date\.now|Math\.random/.test(source('trim.ts'))).toBe(false);
  });
});
