// The import direction is part of the design: primitives ← consensus ← chain ←
// sync/index/mempool/mining ← p2p/api ← node, and wallet/explorer/devnet are clients of
// cairnd's HTTP API that may share only primitives and the API's response types
// (src/api/types.ts, type-only imports; that file imports nothing). Block sync is its own
// layer on the chain: peers reach it through the port it declares, and p2p composes it
// with relay; p2p reaches the mempool only through the RelayMempool interface it declares,
// never by import. bench is a harness above everything (it drives nodes and devnets). This
// test reads every import and fails on a dependency that points the wrong way, so the
// layering cannot erode silently.
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
  'src/sync': ['src/primitives', 'src/consensus', 'src/chain'],
  'src/p2p': ['src/primitives', 'src/consensus', 'src/chain', 'src/sync'],
  'src/api': ['src/primitives', 'src/consensus', 'src/chain', 'src/index', 'src/mempool', 'src/mining'],
  'src/node': ['src/primitives', 'src/consensus', 'src/chain', 'src/index', 'src/mempool', 'src/mining', 'src/sync', 'src/p2p', 'src/api'],
  wallet: ['src/primitives'],
  explorer: ['src/primitives'],
  devnet: ['src/primitives'],
  bench: ['src/primitives', 'src/consensus', 'src/chain', 'src/index', 'src/mempool', 'src/mining', 'src/sync', 'src/p2p', 'src/api', 'src/node', 'devnet', 'sim'],
  // the simulator runs whole nodes: a client of every subsystem a node is built from
  sim: ['src/primitives', 'src/consensus', 'src/chain', 'src/mempool', 'src/mining', 'src/sync', 'src/p2p'],
};

/** Clients (wallet, explorer, devnet) may import this one file of src/api, types only. */
const API_TYPES = 'src/api/types';
const CLIENTS = ['wallet', 'explorer', 'devnet'];

function isApiTypes(file: string): boolean {
  return relative(root, file).split('\\').join('/').replace(/\.(ts|js)$/, '') === API_TYPES;
}

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
    const files = ['src', 'wallet', 'explorer', 'devnet', 'bench', 'sim'].flatMap((d) => {
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
        const resolved = resolve(dirname(file), spec);
        const typeOnly = /^(import|export)\s+type\s/.test(m[0]);
        if (CLIENTS.includes(from) && isApiTypes(resolved) && typeOnly) continue;
        if (!ALLOWED[from]!.includes(target)) violations.push(`${relative(root, file)} imports ${target} (${spec})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles inside the layers that define and store the chain', () => {
    // A cycle hides which file a fact belongs to (params ↔ genesis ↔ coinbase was one).
    const layers = ['src/consensus', 'src/chain', 'src/mining', 'src/index'];
    const files = layers.flatMap((d) => walk(join(root, d))).filter((f) => f.endsWith('.ts'));
    const deps = new Map<string, string[]>();
    for (const file of files) {
      const out: string[] = [];
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('.')) out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      }
      deps.set(file, out);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      state.set(f, 'open');
      path.push(f);
      for (const d of deps.get(f) ?? []) {
        if (!deps.has(d)) continue;
        if (state.get(d) === 'open') cycles.push(path.slice(path.indexOf(d)).map((x) => relative(root, x)).join(' → '));
        else if (!state.has(d)) visit(d, path);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, []);
    expect(files.length).toBeGreaterThan(20);
    expect(cycles).toEqual([]);
  });

  it('starts worker threads from module files, never from source strings', () => {
    // A worker in a string escapes the type checker and this test's import graph.
    const offenders = walk(join(root, 'src')).filter((f) => /new Worker\(/.test(readFileSync(f, 'utf8')) && /eval:\s*true/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
    for (const worker of ['src/chain/verify-worker.ts', 'src/mining/miner-worker.ts']) {
      expect([worker, readFileSync(join(root, worker), 'utf8').includes('parentPort')]).toEqual([worker, true]);
      }
    });

  it('the API types clients share import nothing, and clients import them type-only', () => {
    const types = readFileSync(join(root, API_TYPES + '.ts'), 'utf8');
    expect([...types.matchAll(IMPORT_RE)].map((m) => m[0])).toEqual([]);
    // and the rule above is really exercised: every client reads the shared shapes
    for (const client of CLIENTS) {
      const users = walk(join(root, client)).filter((f) => {
        const text = readFileSync(f, 'utf8');
        return [...text.matchAll(IMPORT_RE)].some((m) => /^(import|export)\s+type\s/.test(m[0]) && isApiTypes(resolve(dirname(f), m[1] ?? m[2]!)));
      });
      expect([client, users.length > 0]).toEqual([client, true]);
    }
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

  it('no source file is over 400 lines unless its opening comment says why', () => {
    // Issue #15: a newcomer should not have to read 700 lines before changing anything; a
    // long file states the reason it is one file ("Why this file is long: …").
    const files = ['src', 'wallet', 'explorer/src', 'devnet', 'bench', 'sim'].flatMap((d) => walk(join(root, d))).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(100);
    const unexplained = files.filter((f) => {
      const lines = readFileSync(f, 'utf8').split('\n');
      if (lines.length <= 400) return false;
      const opening = lines.slice(0, lines.findIndex((l) => !/^\s*(\/\/|$)/.test(l)) + 1 || 40).join('\n');
      return !/why this file is long/i.test(opening);
    });
    expect(unexplained.map((f) => relative(root, f))).toEqual([]);
  });

  it('every subsystem has an index.ts that opens with a comment on its purpose', () => {
    for (const m of Object.keys(ALLOWED)) {
      if (m === 'explorer') continue; // a browser bundle; its entry is explorer/src/main.ts
      const text = readFileSync(join(root, m, 'index.ts'), 'utf8');
      expect([m, text.trimStart().startsWith('//')]).toEqual([m, true]);
    }
  });
});
