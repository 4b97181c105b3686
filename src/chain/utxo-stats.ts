// The UTXO set's running statistics: coin count, total value and the MuHash3072 digest of
// every coin (Core's coinstatsindex "muhash", kept incrementally), updated as blocks
// connect and disconnect and stored with the chainstate at each flush. Owned by Chain,
// which calls it under its lock.
//
// Coins created by connected blocks join the digest late (`pending`): many outputs are
// spent within a few blocks, and spending one still pending simply drops it, saving the
// element mapping and the 3072-bit multiplication on both sides. MuHash is a product, so
// the digest is the same whichever order it is folded in; pending coins are folded
// (settle) before the digest is read, and the oldest when there are more than
// PENDING_DIGEST_MAX. A flush does not fold them: the stored form names them by outpoint
// (their coins are in the coin set stored in the same batch) and they wait on after a
// restart, so a flush never holds the chain for up to PENDING_DIGEST_MAX foldings.
//
// The multiplying itself (~5 µs of CPU per coin) is done off the main thread when an
// offload is given (the verify pool's workers): a block's spends and each slice of pending
// coins become a Factor whose product arrives later; factors are folded in as they arrive
// and all awaited before the digest is stored (foldFactors) or read (settle(0)). A factor is only
// registered when its block is committed, so a block that fails leaves no trace.
import { BufReader, BufWriter, hashToHex, outpointMapKey, yieldToEventLoop } from '../primitives/index.js';
import type { OutPoint } from '../primitives/index.js';
import type { ConnectResult, CreatedCoin, DisconnectResult } from '../consensus/index.js';
import type { ChainEntry } from './entry.js';
import { coinDigestElement } from './layout.js';
import { MuHash3072, elementsProduct } from './muhash.js';

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
/** Digest insertions folded between two turns of the event loop (~5 ms of work), or offloaded as one piece. */
const SETTLE_SLICE = 1000;
/**
 * Fewer elements than this are multiplied out on the calling thread: a worker round trip
 * (~150 µs) costs about as much as 30 elements.
 */
export const OFFLOAD_MIN = 64;
/** Most elements per offloaded product, so a 1,000-input block's spends keep two workers busy. */
const PRODUCT_SLICE = 500;
/** Most offloaded factors in flight (PRODUCT_SLICE elements of ~100 bytes each) before connect waits for them. */
const FACTORS_MAX = 100;

/** Multiplies out MuHash elements off the calling thread (VerifyPool.product). */
export type ProductOffload = (elements: readonly Uint8Array[]) => Promise<bigint>;

/** A product of elements, known now or computed elsewhere. */
interface Factor {
  /** the product, once known */
  value: bigint | undefined;
  /** the elements until then: snapshot() multiplies them out itself rather than wait */
  elements: readonly Uint8Array[] | undefined;
  /** settles, never rejects, once `value` is set */
  ready: Promise<void>;
}

/** A block's digest work on its spends, started while its signatures verify; nothing applied yet. */
export interface PreparedSpends {
  readonly removed: Factor[];
  /** pending insertions the block spends: dropped instead of removed */
  readonly cancelled: string[];
}

const SETTLED = Promise.resolve();

export class UtxoStatistics {
  /** coins created by connected blocks and not yet folded into `muhash`, by outpoint */
  private readonly pending = new Map<string, CreatedCoin>();
  /** committed factors whose product is still being computed elsewhere */
  private readonly inserting: Factor[] = [];
  private readonly removing: Factor[] = [];

  private constructor(
    private readonly muhash: MuHash3072,
    private txouts: number,
    private amount: bigint,
    private readonly offload: ProductOffload | undefined,
  ) {}

  /** The statistics of an empty coin set. */
  static empty(offload?: ProductOffload): UtxoStatistics {
    return new UtxoStatistics(new MuHash3072(), 0, 0n, offload);
  }

  /**
   * The stored form. The coins still waiting to join the digest come back as outpoints
   * only (`waiting`, oldest first): the caller reads them from the coin set stored in the
   * same batch and hands them to restoreWaiting before anything else. A record written
   * before waiting coins were stored (schema 1) simply ends after the amount.
   */
  static decode(b: Uint8Array, offload?: ProductOffload): { stats: UtxoStatistics; waiting: OutPoint[] } {
    const r = new BufReader(b);
    const muhash = MuHash3072.deserialize(r.copy(768));
    const txouts = Number(r.u64());
    const amount = r.u64();
    const waiting: OutPoint[] = [];
    if (r.remaining > 0) {
      const n = r.count(36);
      for (let i = 0; i < n; i++) waiting.push({ txid: r.copy(32), vout: r.u32() });
    }
    r.expectEnd();
    return { stats: new UtxoStatistics(muhash, txouts, amount, offload), waiting };
  }

  /** Puts back the coins decode() named as waiting, read from the coin set, in the same order. */
  restoreWaiting(coins: readonly CreatedCoin[]): void {
    for (const c of coins) this.pending.set(outpointMapKey(c.outpoint), c);
  }

  /**
   * The stored form: digest, counts and the outpoints of the coins still waiting to join
   * the digest (36 bytes each; at most PENDING_DIGEST_MAX and one block's outputs). Every
   * offloaded factor must have been folded first (foldFactors).
   */
  encode(): Uint8Array {
    if (this.inserting.length > 0 || this.removing.length > 0) {
      throw new Error('utxo-stats: factors are still in flight; foldFactors() before encoding');
    }
    const w = new BufWriter(800 + 36 * this.pending.size);
    w.bytes(this.muhash.serialize()).u64(BigInt(this.txouts)).u64(this.amount).varint(this.pending.size);
    for (const { outpoint } of this.pending.values()) w.bytes(outpoint.txid).u32(outpoint.vout);
    return w.finish();
  }

  /** The product of `elements` as factors: here when few or with no offload, else in slices elsewhere. */
  private factors(elements: Uint8Array[]): Factor[] {
    const offload = this.offload;
    if (!offload || elements.length < OFFLOAD_MIN) return [{ value: elementsProduct(elements), elements: undefined, ready: SETTLED }];
    const pieces = Math.ceil(elements.length / PRODUCT_SLICE);
    const out: Factor[] = [];
    for (let p = 0; p < pieces; p++) {
      const slice = elements.slice(Math.floor((p * elements.length) / pieces), Math.floor(((p + 1) * elements.length) / pieces));
      const f: Factor = { value: undefined, elements: slice, ready: SETTLED };
      // A failed offload (the pool closing) is computed here instead: the digest never skips a factor.
      f.ready = offload(slice).then(
        (v) => void (f.value = v),
        () => void (f.value = elementsProduct(slice)),
      );
      void f.ready.then(() => (f.elements = undefined));
      out.push(f);
    }
    return out;
  }

  /** Folds every committed factor whose product has arrived into the digest. */
  private foldArrived(): void {
    for (const [list, fold] of [
      [this.inserting, (v: bigint) => this.muhash.insertNum(v)],
      [this.removing, (v: bigint) => this.muhash.removeNum(v)],
    ] as const) {
      let kept = 0;
      for (const f of list) {
        if (f.value === undefined) list[kept++] = f;
        else fold(f.value);
      }
      list.length = kept;
    }
  }

  /** Waits for every committed factor and folds it in (the waiting coins stay waiting). */
  async foldFactors(): Promise<void> {
    await Promise.all([...this.inserting, ...this.removing].map((f) => f.ready));
    this.foldArrived();
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
   * run while its signatures verify: a spent coin still pending is cancelled, any other
   * goes into the removal factors (multiplied out on the workers when there are enough).
   * Pending coins are always unspent coins of the set (see commitDisconnect), so a pending
   * outpoint being spent is that very coin. Changes nothing until commitConnect.
   */
  prepareSpends(res: ConnectResult): PreparedSpends {
    const removed: Uint8Array[] = [];
    const cancelled: string[] = [];
    for (let i = 0; i < res.spentOutpoints.length; i++) {
      const p = res.spentOutpoints[i]!;
      const coin = res.undo[i]!;
      const k = res.spentKeys[i]!;
      if (this.pending.has(k)) cancelled.push(k);
      else removed.push(coinDigestElement(p, coin));
    }
    return { removed: removed.length > 0 ? this.factors(removed) : [], cancelled };
  }

  /** A valid block was applied to the coin set: counts, the spends' factors and its created coins. */
  commitConnect(res: ConnectResult, prep: PreparedSpends): void {
    for (const { coin } of res.created) {
      this.txouts++;
      this.amount += coin.value;
    }
    for (const coin of res.undo) {
      this.txouts--;
      this.amount -= coin.value;
    }
    this.removing.push(...prep.removed);
    for (const k of prep.cancelled) this.pending.delete(k);
    for (let i = 0; i < res.created.length; i++) {
      const c = res.created[i]!;
      const k = res.createdKeys[i]!;
      // An outpoint created again while its old coin is pending (a duplicate txid, which
      // Cairn's rules rule out but Bitcoin's early blocks have): the old insertion is
      // folded, not lost.
      const old = this.pending.get(k);
      if (old) this.inserting.push(...this.factors([coinDigestElement(old.outpoint, old.coin)]));
      this.pending.set(k, c);
    }
    this.foldArrived();
  }

  /** A block was taken off the coin set (disconnectBlockTxs's result, applied). */
  commitDisconnect(d: DisconnectResult): void {
    for (const { outpoint, coin } of d.removed) {
      // A removed coin still pending is dropped, never folded: what is pending stays a
      // subset of the coin set, as the stored form (coins named by outpoint) needs.
      const k = outpointMapKey(outpoint);
      if (!this.pending.delete(k)) this.muhash.remove(coinDigestElement(outpoint, coin));
      this.txouts--;
      this.amount -= coin.value;
    }
    for (const { outpoint, coin } of d.restored) {
      this.muhash.insert(coinDigestElement(outpoint, coin));
      this.txouts++;
      this.amount += coin.value;
    }
  }

  /**
   * Folds the oldest pending insertions if there are more than PENDING_DIGEST_MAX, and
   * waits for the offloaded factors if more than FACTORS_MAX are in flight (memory bound).
   */
  async settleIfFull(): Promise<void> {
    if (this.pending.size > PENDING_DIGEST_MAX) await this.settle(PENDING_DIGEST_MAX / 2);
    if (this.inserting.length + this.removing.length > FACTORS_MAX) await this.foldFactors();
  }

  /**
   * Folds pending coin insertions (oldest first) into the digest until at most `keep`
   * remain; with keep = 0 also waits for every offloaded factor, so the digest is whole.
   * Up to 50,000 elements at ~5 µs each: offloaded, or done here in slices of SETTLE_SLICE
   * with a turn of the event loop between them, so the API and peers are answered meanwhile.
   * Callers hold the chain lock, so nothing else touches `pending` in between.
   */
  async settle(keep: number): Promise<void> {
    let slice: Uint8Array[] = [];
    const flushSlice = async (): Promise<void> => {
      this.inserting.push(...this.factors(slice));
      slice = [];
      if (!this.offload) await yieldToEventLoop();
    };
    for (const [k, { outpoint, coin }] of this.pending) {
      if (this.pending.size <= keep) break;
      slice.push(coinDigestElement(outpoint, coin));
      this.pending.delete(k);
      if (slice.length === SETTLE_SLICE) await flushSlice();
    }
    if (slice.length > 0) await flushSlice();
    if (keep === 0) await this.foldFactors();
    else this.foldArrived();
  }

  /**
   * The statistics at `tip`, synchronously and without changing anything: pending
   * insertions and factors still in flight are folded into a copy of the digest (up to
   * PENDING_DIGEST_MAX foldings, and the in-flight factors multiplied out here).
   */
  snapshot(tip: ChainEntry): UtxoStats {
    const m = this.muhash.clone();
    const value = (f: Factor): bigint => f.value ?? elementsProduct(f.elements!);
    for (const f of this.inserting) m.insertNum(value(f));
    for (const f of this.removing) m.removeNum(value(f));
    m.insertNum(elementsProduct([...this.pending.values()].map(({ outpoint, coin }) => coinDigestElement(outpoint, coin))));
    return { height: tip.height, bestBlock: tip.hashHex, txouts: this.txouts, totalAmount: this.amount, digest: hashToHex(m.finalize()) };
  }
}
