// The transaction graph (graph.ts) on its own: generated families of transactions added in
// any order (children before parents, as after a reorg) and removed in any way (with
// descendants, or a confirmed parent alone), checked after every step against a model that
// derives links, ancestor/descendant sets and totals from the transactions' inputs alone.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { MempoolEntry, TxGraph } from '../../src/mempool/index.js';
import { Tx, bytesToHex, outpointKey, p2trScript, type TxIn } from '../../src/primitives/index.js';

const SCRIPT = p2trScript(new Uint8Array(32).fill(5));

/**
 * `n` txs; tx i spends, for each j in `spends[i]` (j < i), output (i mod outputs of j) of
 * tx j (deduplicated, so no outpoint is spent twice), plus its own external outpoint so
 * every tx is distinct.
 */
function family(n: number, spends: number[][], outputs: number[]): Tx[] {
  const txs: Tx[] = [];
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const inputs: TxIn[] = [{ prevout: { txid: new Uint8Array(32).fill(0xee).map((b, k) => (k === 0 ? i : b)), vout: 7 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }];
    for (const j of spends[i] ?? []) {
      if (j >= i) continue;
      const p = { txid: txs[j]!.txid(), vout: (i + inputs.length) % outputs[j]! };
      const k = outpointKey(p);
      if (used.has(k)) continue;
      used.add(k);
      inputs.push({ prevout: p, scriptSig: new Uint8Array(0), sequence: 0, witness: [] });
    }
    txs.push(new Tx({ version: 2, inputs, outputs: Array.from({ length: outputs[i]! }, () => ({ value: 1000n, script: SCRIPT })), locktime: 0 }));
  }
  return txs;
}

/** Checks every graph invariant against the model built from `present`. */
function checkAgainstModel(graph: TxGraph, present: MempoolEntry[]): void {
  const byKey = new Map(present.map((e) => [e.key, e]));
  const parentsOf = new Map<MempoolEntry, MempoolEntry[]>();
  const childrenOf = new Map<MempoolEntry, MempoolEntry[]>(present.map((e) => [e, []]));
  for (const e of present) {
    const ps: MempoolEntry[] = [];
    for (const i of e.tx.inputs) {
      const p = byKey.get(bytesToHex(i.prevout.txid));
      if (p && !ps.includes(p)) ps.push(p);
    }
    parentsOf.set(e, ps);
    for (const p of ps) childrenOf.get(p)!.push(e);
  }
  const closure = (start: MempoolEntry, next: Map<MempoolEntry, MempoolEntry[]>): MempoolEntry[] => {
    const seen = new Set<MempoolEntry>([start]);
    let frontier = [start];
    while (frontier.length > 0) {
      frontier = frontier.flatMap((x) => next.get(x)!).filter((x) => !seen.has(x));
      for (const x of frontier) seen.add(x);
    }
    return [...seen];
  };
  const sum = (xs: MempoolEntry[], f: (x: MempoolEntry) => number): number => xs.reduce((s, x) => s + f(x), 0);
  const fees = (xs: MempoolEntry[]): bigint => xs.reduce((s, x) => s + x.fee, 0n);
  // spender of every input and output outpoint that involves a present tx
  const outpoints = present.flatMap((e) => [...e.tx.inputs.map((i) => i.prevout), ...e.tx.outputs.map((_, vout) => ({ txid: e.txid, vout }))]);
  const modelSpender = new Map<string, string>();
  for (const e of present) for (const i of e.tx.inputs) modelSpender.set(outpointKey(i.prevout), e.key);

  const actual = {
    size: graph.size,
    order: [...graph.entries()].map((e) => e.key),
    identical: [...graph.entries()].every((e, i) => e === present[i]),
    vsize: graph.vsize,
    fees: graph.fees,
    spenders: outpoints.map((p) => graph.spenderOf(p)?.key),
    entries: present.map((e) => ({
      get: graph.get(e.key) === e,
      parents: keys(e.parents),
      children: keys(e.children),
      ancestors: keys(graph.ancestorsOf([e])),
      descendants: keys(graph.descendantsOf([e])),
      anc: [e.ancestorCount, e.ancestorSize, e.ancestorFee, e.ancestorWeight],
      desc: [e.descendantCount, e.descendantSize, e.descendantFee],
    })),
  };
  const expected = {
    size: present.length,
    order: present.map((e) => e.key),
    identical: true,
    vsize: sum(present, (e) => e.vsize),
    fees: fees(present),
    spenders: outpoints.map((p) => modelSpender.get(outpointKey(p))),
    entries: present.map((e) => {
      const anc = closure(e, parentsOf);
      const desc = closure(e, childrenOf);
      return {
        get: true,
        parents: keys(parentsOf.get(e)!),
        children: keys(childrenOf.get(e)!),
        ancestors: keys(anc),
        descendants: keys(desc),
        anc: [anc.length, sum(anc, (x) => x.vsize), fees(anc), sum(anc, (x) => x.weight)],
        desc: [desc.length, sum(desc, (x) => x.vsize), fees(desc)],
      };
    }),
  };
  expect(actual).toEqual(expected);
}

const keys = (xs: Iterable<MempoolEntry>): string[] => [...xs].map((x) => x.key).sort();

type Op = { kind: 'add'; i: number } | { kind: 'removeTree'; i: number } | { kind: 'removeOne'; i: number };

describe('TxGraph', () => {
  test('links, package statistics, spenders and totals match the model after any adds and removals', () => {
    const N = 10;
    const arb = fc.record({
      spends: fc.array(fc.array(fc.integer({ min: 0, max: N - 1 }), { minLength: 1, maxLength: 3 }), { minLength: N, maxLength: N }),
      // the family goes in in any order (children first, as after a reorg), then mixed ops
      first: fc.shuffledSubarray([...Array(N).keys()], { minLength: N - 3 }),
      outputs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: N, maxLength: N }),
      fees: fc.array(fc.bigInt({ min: 0n, max: 100_000n }), { minLength: N, maxLength: N }),
      ops: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('add' as const), i: fc.integer({ min: 0, max: N - 1 }) }),
          fc.record({ kind: fc.constant('add' as const), i: fc.integer({ min: 0, max: N - 1 }) }),
          fc.record({ kind: fc.constant('removeTree' as const), i: fc.integer({ min: 0, max: N - 1 }) }),
          fc.record({ kind: fc.constant('removeOne' as const), i: fc.integer({ min: 0, max: N - 1 }) }),
        ),
        { minLength: 10, maxLength: 30 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ spends, outputs, fees, first, ops }) => {
        const txs = family(N, spends, outputs);
        const graph = new TxGraph();
        let present: MempoolEntry[] = [];
        for (const op of [...first.map((i): Op => ({ kind: 'add', i })), ...(ops as Op[])]) {
          const cur = present.find((e) => e.key === bytesToHex(txs[op.i]!.txid()));
          if (op.kind === 'add') {
            if (cur) continue;
            const e = new MempoolEntry(txs[op.i]!, fees[op.i]!, 0, 0, -1);
            graph.add(e);
            present.push(e);
          } else if (cur) {
            // removeTree: with descendants (conflict, eviction); removeOne: confirmed alone
            const set = op.kind === 'removeTree' ? graph.descendantsOf([cur]) : new Set([cur]);
            const removed = graph.remove(set);
            expect(keys(removed)).toEqual(keys(set));
            present = present.filter((e) => !set.has(e));
          }
          checkAgainstModel(graph, present);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('removing the end of a chain updates every ancestor, not only the parent', () => {
    const entries = family(4, [[], [0], [1], [2]], [1, 1, 1, 1]).map((t, i) => new MempoolEntry(t, BigInt(100 * (i + 1)), 0, 0, -1));
    const graph = new TxGraph();
    for (const e of entries) graph.add(e);
    expect(entries[0]!.descendantCount).toBe(4);
    graph.remove(graph.descendantsOf([entries[2]!]));
    expect([entries[0]!.descendantCount, entries[0]!.descendantFee]).toEqual([2, 300n]);
    checkAgainstModel(graph, entries.slice(0, 2));
    graph.remove(new Set([entries[0]!])); // confirmed: its child stays, now without ancestors
    expect([entries[1]!.ancestorCount, entries[1]!.ancestorFee]).toEqual([1, 200n]);
    checkAgainstModel(graph, entries.slice(1, 2));
  });

  test('ancestorsOf stops once it holds more than the limit', () => {
    const txs = family(6, [[], [0], [1], [2], [3], [4]], [1, 1, 1, 1, 1, 1]);
    const graph = new TxGraph();
    const entries = txs.map((t) => new MempoolEntry(t, 100n, 0, 0, -1));
    for (const e of entries) graph.add(e);
    expect(graph.ancestorsOf([entries[5]!]).size).toBe(6);
    expect(graph.ancestorsOf([entries[5]!], 2).size).toBe(3);
    expect(entries[0]!.descendantCount).toBe(6);
  });

  test('removing an entry that already left changes nothing', () => {
    const [a, b] = family(2, [[], [0]], [1, 1]).map((t) => new MempoolEntry(t, 100n, 0, 0, -1));
    const graph = new TxGraph();
    graph.add(a!);
    graph.add(b!);
    expect(graph.remove(new Set([b!]))).toEqual([b]);
    expect(graph.remove(new Set([b!]))).toEqual([]);
    checkAgainstModel(graph, [a!]);
  });

  test('the fee histogram bins by rate, highest first, once a bin holds 50,000 vB', () => {
    const graph = new TxGraph();
    const txs = family(3, [[], [], []], [1, 1, 1]);
    const vs = txs[0]!.vsize;
    [3n, 2n, 1n].forEach((mult, i) => graph.add(new MempoolEntry(txs[i]!, mult * BigInt(vs), 0, 0, -1)));
    // three tiny entries never fill a bin: one bin at the lowest rate
    expect(graph.feeHistogram()).toEqual([[1, 3 * vs]]);
  });
});
