// The mempool's own view of coins (Bitcoin Core's CCoinsViewMemPool over CCoinsViewCache).
//
// A read is one awaited call to the chain (`Chain.readCoins`: its cache, then LevelDB,
// under the chain's lock) for exactly the outpoints asked, without loading them into the
// chain's write-back cache. The answer is a snapshot of the UTXO set at the tip it was read
// at; it stays true as long as `chain.tip` is that tip, which the caller checks
// synchronously before using it. So nothing here depends on which coins the chain's cache
// happens to hold: a flush that empties the cache changes no answer.
//
// Over the snapshot lie the mempool's own outputs (coins at MEMPOOL_HEIGHT) and, taken
// away, the outpoints mempool transactions spend.
import { bytesToHex, outpointMapKey, type OutPoint, type Tx } from '../primitives/index.js';
import { outputCoin, type Coin, type CoinView } from '../consensus/index.js';
import type { Chain, ChainEntry } from '../chain/index.js';

/** Height given to coins created by mempool transactions (Core's MEMPOOL_HEIGHT). */
export const MEMPOOL_HEIGHT = 0x7fffffff;

/** What the view needs of the pool: its transactions and the outpoints they spend. */
export interface MempoolOverlay {
  /** The mempool transaction with this txid (internal-order hex), if any. */
  txByKey(key: string): Tx | undefined;
  /** Whether a mempool transaction spends this outpoint. */
  isSpent(p: OutPoint): boolean;
}

/**
 * The coin output `vout` of `tx` makes, or undefined (no such output, or unspendable):
 * consensus's outputCoin rule, at MEMPOOL_HEIGHT.
 */
export function unconfirmedCoin(tx: Tx, vout: number): Coin | undefined {
  return outputCoin(tx.outputs[vout], MEMPOOL_HEIGHT, false);
}

/** Chain coins as of `tip`, for the outpoints that were read. */
export class ChainSnapshot {
  constructor(
    readonly tip: ChainEntry,
    private readonly coins: ReadonlyMap<string, Coin | undefined>,
  ) {}

  /** Whether the outpoint was part of the read. */
  has(p: OutPoint): boolean {
    return this.coins.has(outpointMapKey(p));
  }

  /** The chain's coin at `p` (undefined: spent, never existed, or not read). */
  getCoin(p: OutPoint): Coin | undefined {
    return this.coins.get(outpointMapKey(p));
  }
}

export class MempoolCoinView {
  constructor(
    private readonly chain: Chain,
    private readonly pool: MempoolOverlay,
  ) {}

  /**
   * Reads the chain coins at `outpoints` and returns them once they describe the current
   * tip (a block connected between the read and now means reading again).
   */
  async snapshot(outpoints: readonly OutPoint[]): Promise<ChainSnapshot> {
    const unique = new Map<string, OutPoint>();
    for (const p of outpoints) unique.set(outpointMapKey(p), p);
    const list = [...unique.values()];
    for (;;) {
      const { tip, coins } = await this.chain.readCoins(list);
      if (tip !== this.chain.tip) continue;
      const map = new Map<string, Coin | undefined>();
      list.forEach((p, i) => map.set(outpointMapKey(p), coins[i]));
      return new ChainSnapshot(tip, map);
    }
  }

  /** A synchronous CoinView over `snap` and the pool as it is at the time of each lookup. */
  over(snap: ChainSnapshot): CoinView {
    return {
      getCoin: (p) => {
        if (this.pool.isSpent(p)) return undefined;
        const parent = this.pool.txByKey(bytesToHex(p.txid));
        if (parent) return unconfirmedCoin(parent, p.vout);
        return snap.getCoin(p);
      },
    };
  }

  /** One coin as the next block on the tip would see it after the pool. */
  async getCoin(p: OutPoint): Promise<Coin | undefined> {
    const snap = await this.snapshot(this.pool.txByKey(bytesToHex(p.txid)) ? [] : [p]);
    return this.over(snap).getCoin(p);
  }
}
