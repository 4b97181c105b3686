// The fee floor and trimming (trim.ts) on a bare graph with a manual clock: which entries
// trimming evicts, how far it raises the rolling minimum fee, how that decays once blocks
// come, and expiry in arrival order. Generated pools are checked against a model of
// Core's TrimToSize for independent transactions (score = own fee rate).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_POLICY, MempoolEntry, TxGraph } from '../../src/mempool/index.js';
import { Trimmer } from '../../src/mempool/trim.js';
import { ManualClock, Tx, p2trScript } from '../../src/primitives/index.js';

const SCRIPT = p2trScript(new Uint8Array(32).fill(9));
const HOUR = 3600_000;

/** An unrelated tx (one external input `i`, `outs` outputs), so its vsize grows with `outs`. */
function tx(i: number, outs = 1): Tx {
  const txid = new Uint8Array(32).fill(0xab);
  txid[0] = i & 0xff;
  txid[1] = i >> 8;
  return new Tx({
    version: 2,
    inputs: [{ prevout: { txid, vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }],
    outputs: Array.from({ length: outs }, () => ({ value: 1000n, script: SCRIPT })),
    locktime: 0,
  });
}

function rig(maxBytes: number, expiryMs = 336 * HOUR) {
  const clock = new ManualClock(1_000 * HOUR);
  const graph = new TxGraph();
  const removed: [string, string][] = [];
  const trimmer = new Trimmer({
    graph,
    clock,
    policy: DEFAULT_POLICY,
    limits: { maxBytes, expiryMs },
    remove: (roots, reason) => {
      const set = graph.descendantsOf(roots);
      graph.remove(set);
      for (const e of set) removed.push([e.txidHex, reason]);
    },
  });
  const add = (t: Tx, fee: bigint, time = clock.now()): MempoolEntry => {
    const e = new MempoolEntry(t, fee, time, 0, -1);
    graph.add(e);
    return e;
  };
  return { clock, graph, removed, trimmer, add };
}

describe('Trimmer', () => {
  test('under the size limit nothing goes and the floor is the relay minimum', () => {
    const r = rig(10_000);
    r.add(tx(1), 100n);
    r.trimmer.trimToSize();
    expect(r.graph.size).toBe(1);
    expect(r.trimmer.minFeeRate()).toBe(DEFAULT_POLICY.minRelayFeeRate);
  });

  test('over the limit the cheapest goes and the floor becomes its rate plus the incremental fee', () => {
    const vs = tx(1).vsize;
    const r = rig(2 * vs);
    const cheap = r.add(tx(1), BigInt(3 * vs)); // 3 sat/vB
    r.add(tx(2), BigInt(5 * vs));
    r.add(tx(3), BigInt(4 * vs));
    r.trimmer.trimToSize();
    expect(r.removed).toEqual([[cheap.txidHex, 'evicted']]);
    expect(r.trimmer.minFeeRate()).toBe(3000 + DEFAULT_POLICY.incrementalRelayFeeRate);
  });

  test('a parent paid for by its child is kept over a lone tx at a middling rate (descendant score)', () => {
    const parent = tx(10);
    const child = new Tx({ version: 2, inputs: [{ prevout: { txid: parent.txid(), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }], outputs: [{ value: 500n, script: SCRIPT }], locktime: 0 });
    const r = rig(parent.vsize + child.vsize);
    const p = r.add(parent, 0n); // 0 sat/vB alone, but its package pays 20 sat/vB over two txs
    r.add(child, BigInt(40 * child.vsize));
    const lone = r.add(tx(11), BigInt(5 * tx(11).vsize));
    r.trimmer.trimToSize();
    expect(r.removed).toEqual([[lone.txidHex, 'evicted']]);
    expect(r.graph.has(p.key)).toBe(true);
  });

  test('the floor does not decay before a block connects; after one, decay counts from the raise', () => {
    const vs = tx(1).vsize;
    const r = rig(4 * vs);
    for (let i = 0; i < 5; i++) r.add(tx(i), BigInt((10 + i) * vs));
    r.trimmer.trimToSize(); // evicts the 10 sat/vB one: floor 11 sat/vB
    expect(r.graph.size).toBe(4);
    expect(r.trimmer.minFeeRate()).toBe(11_000);
    r.clock.advance(48 * HOUR);
    expect(r.trimmer.minFeeRate()).toBe(11_000);
    r.trimmer.blockConnected();
    // the pool is full (4 of 4 units): half-life 12 h, counted from the raise 48 h ago, so
    // 60 h of decay take it below half the incremental fee and it is gone
    r.clock.advance(12 * HOUR);
    expect(r.trimmer.minFeeRate()).toBe(DEFAULT_POLICY.minRelayFeeRate);
  });

  test('after a block the floor halves every 12 h while the pool is full', () => {
    const vs = tx(1).vsize;
    const r = rig(4 * vs);
    for (let i = 0; i < 5; i++) r.add(tx(i), BigInt((10 + i) * vs));
    r.trimmer.trimToSize();
    r.clock.advance(HOUR);
    r.trimmer.blockConnected();
    r.clock.advance(12 * HOUR);
    expect(r.trimmer.minFeeRate()).toBeCloseTo(11_000 / 2 ** (13 / 12), 6);
    r.clock.advance(5_000); // within 10 s of the last decay: unchanged
    expect(r.trimmer.minFeeRate()).toBeCloseTo(11_000 / 2 ** (13 / 12), 6);
  });

  test('while the pool is under a quarter full the half-life is 3 h, and below half the incremental fee the floor is gone', () => {
    const vs = tx(1).vsize;
    const r = rig(2 * vs);
    r.add(tx(1), BigInt(100 * vs));
    r.add(tx(2), BigInt(200 * vs));
    r.add(tx(3), BigInt(300 * vs));
    r.trimmer.trimToSize(); // evicts 100 sat/vB: floor 101 sat/vB, pool now full
    expect(r.trimmer.minFeeRate()).toBe(101_000);
    // empty the pool by hand (as a block confirming both would)
    r.graph.remove(new Set(r.graph.entries()));
    r.trimmer.blockConnected();
    r.clock.advance(3 * HOUR); // the pool is empty: half-life 3 h
    expect(r.trimmer.minFeeRate()).toBeCloseTo(101_000 / 2, 6);
    r.clock.advance(30 * HOUR); // 10 more half-lives: ~49 sat/kvB < 500
    expect(r.trimmer.minFeeRate()).toBe(DEFAULT_POLICY.minRelayFeeRate);
  });

  test('expiry drops entries older than the limit in arrival order, with their descendants', () => {
    const r = rig(1_000_000, 10 * HOUR);
    const now = r.clock.now();
    const old = r.add(tx(1), 500n, now - 11 * HOUR);
    const child = r.add(
      new Tx({ version: 2, inputs: [{ prevout: { txid: old.txid, vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }], outputs: [{ value: 1n, script: SCRIPT }], locktime: 0 }),
      500n,
      now,
    );
    const young = r.add(tx(2), 500n, now - 9 * HOUR);
    expect(r.trimmer.expire()).toBe(2);
    expect(r.removed.map(([t]) => t).sort()).toEqual([old.txidHex, child.txidHex].sort());
    expect(r.removed.every(([, why]) => why === 'expired')).toBe(true);
    expect(r.graph.has(young.key)).toBe(true);
    expect(r.trimmer.expire()).toBe(0);
  });

  test('generated pools of unrelated txs: trimming keeps the best-paying ones that fit, and the floor is the best evicted rate plus 1 sat/vB', () => {
    const arb = fc.record({
      txs: fc.array(fc.record({ outs: fc.integer({ min: 1, max: 6 }), rate: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 25 }),
      keepFraction: fc.double({ min: 0, max: 1.2, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, ({ txs, keepFraction }) => {
        const made = txs.map((t, i) => ({ tx: tx(i, t.outs), fee: 0n, rate: t.rate }));
        for (const m of made) m.fee = BigInt(m.rate * m.tx.vsize); // exactly `rate` sat/vB
        const total = made.reduce((s, m) => s + m.tx.vsize, 0);
        const maxBytes = Math.floor(total * keepFraction);
        const r = rig(maxBytes);
        for (const m of made) r.add(m.tx, m.fee);
        r.trimmer.trimToSize();

        // Model: evict the lowest rate (the earliest added among equals) until it fits.
        const left = made.map((m, i) => ({ ...m, i }));
        const evicted: typeof left = [];
        let size = total;
        while (size > maxBytes && left.length > 0) {
          let w = 0;
          for (let k = 1; k < left.length; k++) if (left[k]!.rate < left[w]!.rate) w = k;
          size -= left[w]!.tx.vsize;
          evicted.push(...left.splice(w, 1));
        }
        expect(r.removed.map(([t]) => t)).toEqual(evicted.map((m) => m.tx.txidHex()));
        expect(r.graph.vsize).toBe(size);
        const floor = evicted.length === 0 ? 1000 : Math.max(1000, Math.max(...evicted.map((m) => m.rate * 1000)) + 1000);
        expect(r.trimmer.minFeeRate()).toBe(floor);
      }),
      { numRuns: 300 },
    );
  });
});
