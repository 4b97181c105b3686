// The coin cache against a model: generated sequences of prefetches, adds (fresh or not),
// spends and flushes (keeping clean entries, or emptying the cache) over a few outpoints.
// After every step the cache answers what a plain Map of the coin set holds, and after a
// flush the disk holds exactly that Map (dirty and fresh flags, deletes of coins the disk
// has, nothing written for a coin created and spent between two flushes).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChainDB } from '../../src/chain/chaindb.js';
import { CoinCache } from '../../src/chain/index.js';
import type { Coin } from '../../src/consensus/index.js';
import { outpointMapKey, type OutPoint } from '../../src/primitives/index.js';
import { applyFlush } from '../support/coin-disk.js';

/** The disk: coins by outpointMapKey, written by applying a flush's ops. */
class MapDb {
  readonly disk = new Map<string, Coin>();

  async getCoins(ps: readonly OutPoint[]): Promise<Array<Coin | undefined>> {
    return ps.map((p) => this.disk.get(outpointMapKey(p)));
  }

  apply(cache: CoinCache): void {
    applyFlush(this.disk, cache);
  }
}

// Outpoints that differ in the txid's first and last bytes and in the vout's high bits.
const OUTPOINTS: OutPoint[] = [0, 1, 2, 3, 4, 5].map((i) => {
  const txid = new Uint8Array(32).fill(i * 37);
  txid[31] = 255 - i;
  return { txid, vout: i % 2 === 0 ? i : 0x10000 * i + 1 };
});
const coinOf = (n: number): Coin => ({ value: BigInt(1000 + n), script: Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(n & 0xff)), height: n, coinbase: n % 3 === 0 });

type Step = { op: 'add'; at: number; fresh: boolean; n: number } | { op: 'spend'; at: number } | { op: 'flush' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), at: fc.nat(OUTPOINTS.length - 1), fresh: fc.boolean(), n: fc.nat(1000) }),
  fc.record({ op: fc.constant('spend' as const), at: fc.nat(OUTPOINTS.length - 1) }),
  fc.record({ op: fc.constant('flush' as const) }),
);

describe('coin cache against a Map of the coin set', () => {
  it('answers the model after every step, and the disk equals it after every flush (generated)', async () => {
    await fc.assert(
      // A flush empties a cache over 90 % of its limit, else keeps the clean entries:
      // never, with three entries or more (~200 bytes each), always.
      fc.asyncProperty(fc.constantFrom(1 << 30, 600, 1), fc.array(step, { maxLength: 60 }), async (limit, steps) => {
        const db = new MapDb();
        const model = new Map<string, Coin>();
        const cache = new CoinCache(db as unknown as ChainDB, limit);
        for (const s of steps) {
          if (s.op === 'flush') {
            db.apply(cache);
            expect(new Map(db.disk)).toEqual(model);
            continue;
          }
          const p = OUTPOINTS[s.at]!;
          const k = outpointMapKey(p);
          await cache.prefetch([p]);
          if (s.op === 'add') {
            if (model.has(k)) continue; // never overwrite an unspent coin
            // `fresh` promises the disk has no coin there; only say so when true
            cache.add(p, coinOf(s.n), s.fresh && !db.disk.has(k));
            model.set(k, coinOf(s.n));
          } else {
            expect(cache.spend(p)).toEqual(model.get(k));
            model.delete(k);
          }
          await cache.prefetch(OUTPOINTS); // getCoin answers for what was read
          for (const q of OUTPOINTS) expect(cache.getCoin(q)).toEqual(model.get(outpointMapKey(q)));
        }
        db.apply(cache);
        expect(new Map(db.disk)).toEqual(model);
      }),
      { numRuns: 400 },
    );
  });
});
