// The UTXO set's running statistics: coin count, total value and the MuHash3072 digest of
// every coin (Core's coinstatsindex "muhash", kept incrementally), updated as blocks
// connect and disconnect and stored with the chainstate at each flush. Owned by Chain,
// which calls it under its lock.
//
// Coins created by connected blocks join the digest late (`pending`): many outputs are
// spent within a few blocks, and spending one still pending simply drops it, saving the
// element mapping and the 3072-bit multiplication on both sides. MuHash is a product, so
// the digest is the same whichever order it is folded in; pending coins are folded
// (settle) before the digest is read or stored, and the oldest when there are more than
// PENDING_DIGEST_MAX.
import { BufReader, BufWriter, hashToHex, outpointMapKey, yieldToEventLoop } from '../primitives/index.js';
import type { ConnectResult, CreatedCoin, DisconnectResult } from '../consensus/index.js';
import type { ChainEntry } from './entry.js';
import { coinDigestElement } from './layout.js';
import { MuHash3072, elementToNum } from './muhash.js';

export interface UtxoStats {
  height: number;
  bestBlock: string;
  txouts: number;
  totalAmount: bigint;
  /** MuHash3072 digest of the coin set, display hex */
  digest: string;
}

/** Most coins whose MuHash insertion may wait (see `pending`); about 150 bytes each. */
export const PENDING_DIGEST_MAX = 50_000;
/** Digest insertions folded between two turns of the event loop (~20-40 ms of work). */
const SETTLE_SLICE = 1000;

/** A block's digest work on its spends, done while its signatures verify; nothing applied yet. */
export interface PreparedSpends {
  readonly delta: MuHash3072;
  /** pending insertions the block spends: dropped instead of removed */
  readonly cancelled: string[];
}

export class UtxoStatistics {
  /** coins created by connected blocks and not yet folded into `muhash`, by outpoint */
  private readonly pending = new Map<string, CreatedCoin>();

  private constructor(
    private readonly muhash: MuHash3072,
    private txouts: number,
    private amount: bigint,
  ) {}

  /** The statistics of an empty coin set. */
  static empty(): UtxoStatistics {
    return new UtxoStatistics(new MuHash3072(), 0, 0n);
  }

  static decode(b: Uint8Array): UtxoStatistics {
    const r = new BufReader(b);
    const muhash = MuHash3072.deserialize(r.copy(768));
    const txouts = Number(r.u64());
    const amount = r.u64();
    return new UtxoStatistics(muhash, txouts, amount);
  }

  /** The stored form; settle(0) first, or pending coins are left out. */
  encode(): Uint8Array {
    return new BufWriter(790).bytes(this.muhash.serialize()).u64(BigInt(this.txouts)).u64(this.amount).finish();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Coin count and total value (no digest work). */
  totals(): { txouts: number; totalAmount: bigint } {
    return { txouts: this.txouts, totalAmount: this.amount };
  }

  /**
   * The digest work for the coins a block spends (`res.spentOutpoints` with `res.undo`), to
   * run while its signatures verify: a spent coin still pending is cancelled (the very
   * coin object a connected block created: the cache hands out what it was given), any
   * other is removed from a separate delta. Changes nothing until commitConnect.
   */
  prepareSpends(res: ConnectResult): PreparedSpends {
    const delta = new MuHash3072();
    const cancelled: string[] = [];
    for (let i = 0; i < res.spentOutpoints.length; i++) {
      const p = res.spentOutpoints[i]!;
      const coin = res.undo[i]!;
      const k = outpointMapKey(p);
      if (this.pending.get(k)?.coin === coin) cancelled.push(k);
      else delta.removeNum(elementToNum(coinDigestElement(p, coin)));
    }
    return { delta, cancelled };
  }

  /** A valid block was applied to the coin set: counts, the spends' delta and its created coins. */
  commitConnect(res: ConnectResult, prep: PreparedSpends): void {
    for (const { coin } of res.created) {
      this.txouts++;
      this.amount += coin.value;
    }
    for (const coin of res.undo) {
      this.txouts--;
      this.amount -= coin.value;
    }
    this.muhash.combine(prep.delta);
    for (const k of prep.cancelled) this.pending.delete(k);
    for (const c of res.created) {
      const k = outpointMapKey(c.outpoint);
      // An outpoint created again while its old coin is pending (a duplicate txid, or a
      // block connected again after a disconnect): the old insertion is folded, not lost.
      const old = this.pending.get(k);
      if (old) this.muhash.insertNum(elementToNum(coinDigestElement(old.outpoint, old.coin)));
      this.pending.set(k, c);
    }
  }

  /** A block was taken off the coin set (disconnectBlockTxs's result, applied). */
  commitDisconnect(d: DisconnectResult): void {
    for (const { outpoint, coin } of d.removed) {
      // A removed coin may still be pending: its insertion is folded later, so the product
      // is the same as if it had been folded first.
      this.muhash.remove(coinDigestElement(outpoint, coin));
      this.txouts--;
      this.amount -= coin.value;
    }
    for (const { outpoint, coin } of d.restored) {
      this.muhash.insert(coinDigestElement(outpoint, coin));
      this.txouts++;
      this.amount += coin.value;
    }
  }

  /** Folds the oldest pending insertions if there are more than PENDING_DIGEST_MAX. */
  async settleIfFull(): Promise<void> {
    if (this.pending.size > PENDING_DIGEST_MAX) await this.settle(PENDING_DIGEST_MAX / 2);
  }

  /**
   * Folds pending coin insertions (oldest first) into the digest until at most `keep`
   * remain. Up to 50,000 elements at ~20-40 µs each: done in slices of SETTLE_SLICE with a
   * turn of the event loop between them, so the API and peers are answered meanwhile.
   * Callers hold the chain lock, so nothing else touches `pending` in between.
   */
  async settle(keep: number): Promise<void> {
    let n = 0;
    for (const [k, { outpoint, coin }] of this.pending) {
      if (this.pending.size <= keep) break;
      this.muhash.insertNum(elementToNum(coinDigestElement(outpoint, coin)));
      this.pending.delete(k);
      if (++n % SETTLE_SLICE === 0) await yieldToEventLoop();
    }
  }

  /**
   * The statistics at `tip`, synchronously and without changing anything: pending
   * insertions are folded into a copy of the digest (up to PENDING_DIGEST_MAX foldings).
   */
  snapshot(tip: ChainEntry): UtxoStats {
    const m = this.muhash.clone();
    for (const { outpoint, coin } of this.pending.values()) m.insertNum(elementToNum(coinDigestElement(outpoint, coin)));
    return { height: tip.height, bestBlock: tip.hashHex, txouts: this.txouts, totalAmount: this.amount, digest: hashToHex(m.finalize()) };
  }
}
