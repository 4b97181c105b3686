// The active chain view and the block index, on generated block trees, against naive
// models written here: ancestors by walking `prev`, forks by walking both sides, the best
// candidate by sorting, failure by walking every descendant.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BlockIndex } from '../../src/chain/block-index.js';
import { ChainView } from '../../src/chain/chain-view.js';
import { ChainEntry, Status } from '../../src/chain/entry.js';
import { RuleError } from '../../src/consensus/index.js';
import { BlockHeader } from '../../src/primitives/index.js';

const SEED = Number(process.env.CAIRN_PROPERTY_SEED ?? 0x51de);
const RUNS = Number(process.env.CAIRN_PROPERTY_RUNS ?? 100);

/** A tree: entry i > 0 has parent parents[i-1] % i, and work 1..3. */
const treeArb = fc.array(fc.record({ parent: fc.nat(10_000), work: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 120 });

function buildTree(spec: { parent: number; work: number }[], index?: BlockIndex): ChainEntry[] {
  const header = (n: number): BlockHeader => new BlockHeader({ version: 4, prevBlock: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: n, bits: 0x207fffff, nonce: n });
  const hash = (n: number): Uint8Array => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, n + 1);
    return h;
  };
  const all = [new ChainEntry(hash(0), header(0), 0, 1n, Status.HaveData | Status.Valid, null)];
  index?.insert(all[0]!);
  spec.forEach((s, i) => {
    const prev = all[s.parent % all.length]!;
    const e = new ChainEntry(hash(i + 1), header(i + 1), prev.height + 1, prev.chainwork + BigInt(s.work), 0, prev);
    all.push(e);
    index?.insert(e);
  });
  return all;
}

function naiveAncestor(e: ChainEntry, h: number): ChainEntry | undefined {
  if (h < 0 || h > e.height) return undefined;
  let w: ChainEntry = e;
  while (w.height > h) w = w.prev!;
  return w;
}

function naiveFork(a: ChainEntry, b: ChainEntry): ChainEntry {
  const seen = new Set<ChainEntry>();
  for (let w: ChainEntry | null = a; w; w = w.prev) seen.add(w);
  let w: ChainEntry = b;
  while (!seen.has(w)) w = w.prev!;
  return w;
}

describe('ChainView', () => {
  it('answers ancestors, forks and locators like a walk along prev (property)', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), fc.nat(), (spec, tipPick, aPick, bPick) => {
        const all = buildTree(spec, new BlockIndex()); // insert sets the skip pointers
        const view = new ChainView();
        const tip = all[tipPick % all.length]!;
        view.setTip(tip);
        expect(view.tip).toBe(tip);
        expect(view.height).toBe(tip.height);
        for (const e of all) {
          const onPath = naiveAncestor(tip, e.height) === e;
          expect(view.contains(e)).toBe(onPath);
          expect(view.next(e)).toBe(onPath && e !== tip ? naiveAncestor(tip, e.height + 1) : undefined);
        }
        const a = all[aPick % all.length]!;
        const b = all[bPick % all.length]!;
        for (let h = -1; h <= a.height + 1; h++) expect(view.ancestor(a, h)).toBe(naiveAncestor(a, h));
        expect(view.findFork(a, b)).toBe(naiveFork(a, b));
        expect(view.forkOf(a)).toBe(naiveFork(a, tip));
        const loc = view.locator(a);
        expect(loc[0]).toBe(a.hash);
        expect(loc[loc.length - 1]).toBe(all[0]!.hash);
        const heights = loc.map((h) => all.find((e) => e.hash === h)!.height);
        for (let i = 1; i < heights.length; i++) {
          expect(heights[i]!).toBeLessThan(heights[i - 1]!);
          // Dense first: the first eleven steps are one block each.
          if (i <= 10) expect(heights[i]).toBe(heights[i - 1]! - 1);
        }
        for (const h of loc) expect(naiveAncestor(a, all.find((e) => e.hash === h)!.height)!.hash).toBe(h);
        // The locator of a block finds the last active block on its path.
        const lookup = (h: Uint8Array): ChainEntry | undefined => all.find((e) => e.hash === h);
        const fork = view.findLocatorFork(loc, lookup);
        expect(view.contains(fork)).toBe(true);
        expect(naiveAncestor(a, fork.height)).toBe(fork);
        expect(fork.height).toBeLessThanOrEqual(naiveFork(a, tip).height);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('push and pop move the tip one block at a time', () => {
    const all = buildTree([{ parent: 0, work: 1 }, { parent: 1, work: 1 }]);
    const view = new ChainView();
    view.setTip(all[1]!);
    view.push(all[2]!);
    expect(view.tip).toBe(all[2]);
    expect(view.all().length).toBe(3);
    view.pop();
    expect(view.tip).toBe(all[1]);
    expect(view.at(2)).toBeUndefined();
  });
});

/** Best first: more chainwork, then the lower sequence id (first seen). */
function byPreference(x: ChainEntry, y: ChainEntry): number {
  if (x.chainwork !== y.chainwork) return x.chainwork > y.chainwork ? -1 : 1;
  return x.seq - y.seq;
}

describe('BlockIndex', () => {
  it('links, chooses, fails and keeps the best header like the naive rules (property)', () => {
    fc.assert(
      fc.property(treeArb, fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), (spec, dataOrder, failPick) => {
        const index = new BlockIndex();
        const all = buildTree(spec, index);
        const genesis = all[0]!;
        index.assignSeq(genesis);
        index.bestHeader = genesis;
        for (const e of all) index.considerBestHeader(e);
        expect(index.bestHeader.chainwork).toBe(all.reduce((m, e) => (e.chainwork > m ? e.chainwork : m), 0n));
        // Data arrives for every entry, in a generated order; link assigns sequence ids.
        const order = [...all.slice(1)];
        for (const [i, p] of dataOrder.entries()) {
          const j = p % order.length;
          [order[i % order.length], order[j]] = [order[j]!, order[i % order.length]!];
        }
        for (const e of order) {
          e.status |= Status.HaveData;
          index.link(e, genesis);
        }
        // Every entry is connectable now: each has a sequence id after its parent's.
        for (const e of all.slice(1)) expect(e.seq).toBeGreaterThan(e.prev!.seq);
        const best = [...all].sort(byPreference)[0]!;
        expect(index.bestCandidate(genesis)).toBe(best === genesis ? undefined : best);
        // Failing one entry fails its whole subtree and nothing else.
        const failed = all[1 + (failPick % Math.max(1, all.length - 1))];
        if (!failed || failed === genesis) return;
        const changed = index.markFailed(failed, new RuleError('bad-txns-in-belowout'), genesis);
        const inSubtree = (e: ChainEntry): boolean => naiveAncestor(e, failed.height) === failed;
        for (const e of all) expect(e.failed).toBe(inSubtree(e));
        expect(new Set(changed)).toEqual(new Set(all.filter((e) => inSubtree(e) && e !== failed)));
        expect(index.failureOf(failed)?.code).toBe('bad-txns-in-belowout');
        const valid = all.filter((e) => !e.failed);
        const bestValid = [...valid].sort(byPreference)[0]!;
        expect(index.bestCandidate(genesis)).toBe(bestValid === genesis ? undefined : bestValid);
        expect(index.bestHeader.failed).toBe(false);
        expect(index.bestHeader.chainwork).toBe(valid.reduce((m, e) => (e.chainwork > m ? e.chainwork : m), 0n));
        // Leaves: exactly the entries nobody builds on.
        const parents = new Set(all.map((e) => e.prev));
        expect(new Set(index.leaves())).toEqual(new Set(all.filter((e) => !parents.has(e))));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
