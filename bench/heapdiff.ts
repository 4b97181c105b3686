// Compares two V8 heap snapshots (.heapsnapshot JSON) of one process: live objects grouped
// by constructor (or by node type for strings, arrays, code and the like), with count and
// self size in each, sorted by growth. A leak shows up as a group that keeps growing
// between a snapshot taken after warm-up and one taken at the end.
import { readFileSync } from 'node:fs';

interface Group {
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function heapGroups(path: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize, width] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.length];
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const key = type === 'object' || type === 'closure' ? `${type}:${s.strings[s.nodes[i + iName]!]}` : type;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + iSize]!;
    out.set(key, g);
  }
  return out;
}

export function diffHeapSnapshots(earlyPath: string, latePath: string, top = 25): string {
  const a = heapGroups(earlyPath);
  const b = heapGroups(latePath);
  const total = (m: Map<string, Group>): number => [...m.values()].reduce((x, g) => x + g.bytes, 0);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => {
    const x = a.get(k) ?? { count: 0, bytes: 0 };
    const y = b.get(k) ?? { count: 0, bytes: 0 };
    return { k, x, y, d: y.bytes - x.bytes };
  });
  rows.sort((p, q) => q.d - p.d);
  const kb = (n: number): string => (n / 1024).toFixed(1).padStart(9);
  const lines = [
    `heap snapshots: early ${(total(a) / 2 ** 20).toFixed(2)} MB, late ${(total(b) / 2 ** 20).toFixed(2)} MB (self sizes of live objects)`,
    `${'group'.padEnd(48)} ${'early n'.padStart(9)} ${'late n'.padStart(9)} ${'early KB'.padStart(9)} ${'late KB'.padStart(9)} ${'Δ KB'.padStart(9)}`,
    ...rows.slice(0, top).map((r) => `${r.k.slice(0, 48).padEnd(48)} ${String(r.x.count).padStart(9)} ${String(r.y.count).padStart(9)} ${kb(r.x.bytes)} ${kb(r.y.bytes)} ${kb(r.d)}`),
  ];
  return lines.join('\n') + '\n';
}
