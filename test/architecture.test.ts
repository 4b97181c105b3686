// The import direction is part of the design: primitives ← consensus ← chain ←
// index/mempool/mining ← p2p/api ← node, and wallet/explorer/devnet are clients of cairnd's
// HTTP API that may share only primitives. This test reads every import and fails on a
// dependency that points the wrong way, so the layering cannot erode silently.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');

/** What each module may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  'src/primitives': [],
  'src/consensus': ['src/primitives'],
  'src/chain': ['src/primitives', 'src/consensus'],
  'src/index': ['src/primitives', 'src/consensus', 'src/chain'],
  'src/mempool': ['src/primitives', 'src/consensus', 'src/chain'],
  'src/mining': ['src/primitives', 'src/consensus', 'src/chain', 'src/mempool'],
  'src/p2p': ['src/primitives', 'src/consensus', 'src/chain', 'src/mempool'],
  'src/api': ['src/primitives', 'src/consensus', 'src/chain', 'src/index', 'src/mempool', 'src/mining'],
  'src/node': ['src/primitives', 'src/consensus', 'src/chain', 'src/index', 'src/mempool', 'src/mining', 'src/p2p', 'src/api'],
  wallet: ['src/primitives'],
  explorer: ['src/primitives'],
  devnet: ['src/primitives'],
  // the simulator runs whole nodes: a client of every subsystem a node is built from
  sim: ['src/primitives', 'src/consensus', 'src/chain', 'src/mempool', 'src/mining', 'src/p2p'],
};

function moduleOf(file: string): string | undefined {
  const rel = relative(root, file).split('\\').join('/');
  return Object.keys(ALLOWED).find((m) => rel === m || rel.startsWith(m + '/'));
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('architecture', () => {
  it('imports run one way between subsystems', () => {
    const violations: string[] = [];
    const files = ['src', 'wallet', 'explorer', 'devnet', 'sim'].flatMap((d) => {
      try {
        return walk(join(root, d));
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const from = moduleOf(file);
      if (!from) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2]!;
        if (!spec.startsWith('.')) continue;
        const target = moduleOf(resolve(dirname(file), spec));
        if (!target || target === from) continue;
        if (!ALLOWED[from]!.includes(target)) violations.push(`${relative(root, file)} imports ${target} (${spec})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the simulator reaches node subsystems only through their index.ts', () => {
    const bad: string[] = [];
    const files = walk(join(root, 'sim'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2]!;
        const target = resolve(dirname(file), spec);
        const rel = relative(root, target).split('\\').join('/');
        if (rel.startsWith('src/') && !/^src\/[a-z0-9]+\/index\.js$/.test(rel)) bad.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every subsystem has an index.ts that opens with a comment on its purpose', () => {
    for (const m of Object.keys(ALLOWED)) {
      if (m === 'explorer') continue; // a browser bundle; its entry is explorer/src/main.ts
      const text = readFileSync(join(root, m, 'index.ts'), 'utf8');
      expect([m, text.trimStart().startsWith('//')]).toEqual([m, true]);
    }
  });
});
