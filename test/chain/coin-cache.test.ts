// The coin cache's prefetch may run outside the chain's lock (the mempool calls it while
// blocks connect and flush). A read that overlapped a flush must not put a stale answer
// into the cache: found while fixing issue #14 (a coin restored by a disconnect could be
// hidden, and a coin a flushed block spent could come back).
import { describe, expect, it } from '@jest/globals';
import { CoinCache } from '../../src/chain/index.js';
import type { ChainDB } from '../../src/chain/chaindb.js';
import type { Coin } from '../../src/consensus/index.js';
import { outpointMapKey, type OutPoint } from '../../src/primitives/index.js';
import { applyFlush } from '../support/coin-disk.js';

/** A coin store whose reads answer from the state at the moment they started, when released. */
class SlowDb {
  readonly disk = new Map<string, Coin>();
  readonly held: Array<() => void> = [];
  hold = false;

  async getCoins(ps: readonly OutPoint[]): Promise<Array<Coin | undefined>> {
    const answer = ps.map((p) => this.disk.get(outpointMapKey(p)));
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    return answer;
  }

  apply(cache: CoinCache): void {
    applyFlush(this.disk, cache);
  }
}

const coin: Coin = { value: 5000n, script: Uint8Array.of(0x51, 0x20, ...new Uint8Array(32).fill(7)), height: 3, coinbase: false };
const X: OutPoint = { txid: new Uint8Array(32).fill(1), vout: 0 };

describe('coin cache: prefetch overlapping a flush', () => {
  it.each([
    ['a flush that keeps clean entries', 1 << 30],
    ['a flush that empties the cache', 1],
  ])('does not bring back a coin spent and flushed meanwhile (%s)', async (_name, limit) => {
    const db = new SlowDb();
    db.disk.set(outpointMapKey(X), coin);
    const cache = new CoinCache(db as unknown as ChainDB, limit);
    db.hold = true;
    const reader = cache.prefetch([X]); // e.g. the mempool: reads X, then waits
    db.hold = false;
    await cache.prefetch([X]); // the chain connects a block spending X ...
    expect(cache.spend(X)).toEqual(coin);
    db.apply(cache); // ... and flushes
    expect(db.disk.has(outpointMapKey(X))).toBe(false);
    db.held.splice(0).forEach((r) => r()); // the old read answers "X exists"
    await reader;
    expect(cache.getCoin(X)).toBeUndefined();
  });

  it('does not hide a coin restored and flushed meanwhile', async () => {
    const db = new SlowDb();
    const cache = new CoinCache(db as unknown as ChainDB, 1); // every flush empties it
    db.hold = true;
    const reader = cache.prefetch([X]); // reads "no such coin" and waits
    cache.add(X, coin, false); // a disconnect restores X from undo data ...
    db.apply(cache); // ... and the flush writes it
    expect(db.disk.has(outpointMapKey(X))).toBe(true);
    db.hold = false;
    db.held.splice(0).forEach((r) => r());
    await reader;
    expect(cache.getCoin(X)).toEqual(coin);
  });

  it('still caches what a read returned when no flush overlapped it', async () => {
    const db = new SlowDb();
    db.disk.set(outpointMapKey(X), coin);
    const cache = new CoinCache(db as unknown as ChainDB, 1 << 30);
    await cache.prefetch([X, { ...X, vout: 1 }]);
    expect(cache.has(X) && cache.has({ ...X, vout: 1 })).toBe(true);
    expect(cache.getCoin(X)).toEqual(coin);
    expect(cache.getCoin({ ...X, vout: 1 })).toBeUndefined();
  });
});
