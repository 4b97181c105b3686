// The load generator's coin bookkeeping (devnet/loadgen.ts CoinBook) against a model node:
// generated interleavings of payments, answers that arrive late or are lost, mempool
// listings that were asked before a payment was accepted and answered after, and blocks.
// Whatever the order, the node never refuses a payment the book hands out (no coin spent
// twice by different txs, none past the ancestor limit), and the book ends holding exactly
// one coin per chain it started with.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ANCESTOR_LIMIT, CoinBook, makeKey, spendOnce, type Coin } from '../../devnet/loadgen.js';
import { seededRng } from '../../src/primitives/index.js';

/** A node as the load sees it: one mempool over a chain, spends by txid, Core's ancestor limit. */
class ModelNode {
  readonly mempool = new Set<string>();
  private readonly parentOf = new Map<string, string>(); // txid -> the txid whose output it spends
  private readonly spentBy = new Map<string, string>(); // outpoint -> txid
  private readonly confirmed = new Set<string>();

  /** Each starting coin's tx, with `depth` unconfirmed txs in its chain (0: confirmed). */
  constructor(start: Iterable<{ txid: string; depth: number }>) {
    for (const { txid, depth } of start) {
      if (depth === 0) this.confirmed.add(txid);
      let t = txid;
      for (let i = 0; i < depth; i++) {
        this.mempool.add(t);
        const parent = `${txid}/${i}`;
        this.parentOf.set(t, parent);
        t = parent;
      }
      this.confirmed.add(t);
    }
  }

  /** Unconfirmed txs in the chain ending at `txid`, itself included. */
  depth(txid: string): number {
    let n = 0;
    for (let t: string | undefined = txid; t !== undefined && this.mempool.has(t); t = this.parentOf.get(t)) n++;
    return n;
  }

  submit(coin: Coin, txid: string): 'accepted' | 'txn-already-in-mempool' | 'txn-already-known' | 'missingorspent' | 'too-long-mempool-chain' {
    const op = `${coin.txid}:${coin.outpoint.vout}`;
    if (this.mempool.has(txid)) return 'txn-already-in-mempool';
    if (this.confirmed.has(txid) && !this.spentBy.has(`${txid}:0`)) return 'txn-already-known';
    if (this.spentBy.has(op) || !(this.mempool.has(coin.txid) || this.confirmed.has(coin.txid))) return 'missingorspent';
    if (this.depth(coin.txid) + 1 > ANCESTOR_LIMIT) return 'too-long-mempool-chain';
    this.spentBy.set(op, txid);
    this.parentOf.set(txid, coin.txid);
    this.mempool.add(txid);
    return 'accepted';
  }

  mine(): void {
    for (const t of this.mempool) this.confirmed.add(t);
    this.mempool.clear();
  }
}

type Op =
  | { kind: 'pay'; lose: boolean }
  | { kind: 'answer'; pick: number }
  | { kind: 'ask' }
  | { kind: 'list'; pick: number }
  | { kind: 'mine' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('pay' as const), lose: fc.integer({ min: 0, max: 9 }).map((n) => n < 2) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'ask' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('list' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'mine' as const }) },
);

describe('CoinBook', () => {
  it('never hands out a coin the node must refuse, whatever the order of answers, listings and blocks', () => {
    const key = makeKey(seededRng(3), 'tcrn');
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 160, size: 'max' }), fc.array(fc.oneof(fc.integer({ min: 0, max: ANCESTOR_LIMIT - 1 }), fc.constantFrom(ANCESTOR_LIMIT - 3, ANCESTOR_LIMIT - 2)), { minLength: 1, maxLength: 4 }), (ops, depths) => {
        const nCoins = depths.length;
        const coins: Coin[] = Array.from({ length: nCoins }, (_, i) => {
          const txid = Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j) & 0xff);
          return { outpoint: { txid, vout: 0 }, value: 1_000_000n, key, depth: depths[i]!, txid: Buffer.from(txid).reverse().toString('hex') };
        });
        const node = new ModelNode(coins.map((c) => ({ txid: c.txid, depth: c.depth })));
        const book = new CoinBook(coins);
        const answers: { coin: Coin; next: Coin; outcome: string; lost: boolean }[] = [];
        const listings: { asked: number; pool: Set<string> }[] = [];
        const out = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'pay') {
            const coin = book.take();
            if (!coin) continue;
            const key = `${coin.txid}:${coin.outpoint.vout}`;
            expect(out.has(key)).toBe(false); // one spend on the wire per coin
            out.add(key);
            // the book's depth is never below the node's: else too-long-mempool-chain
            expect(node.depth(coin.txid)).toBeLessThanOrEqual(coin.depth);
            const s = spendOnce(coin)!;
            const outcome = node.submit(coin, s.next.txid);
            expect(['accepted', 'txn-already-in-mempool', 'txn-already-known']).toContain(outcome);
            answers.push({ coin, next: s.next, outcome, lost: o.lose });
          } else if (o.kind === 'answer' && answers.length > 0) {
            const [a] = answers.splice(o.pick % answers.length, 1);
            out.delete(`${a!.coin.txid}:${a!.coin.outpoint.vout}`);
            if (a!.lost) book.failed(a!.coin);
            else book.sent(a!.coin, a!.next); // spam treats already-in-mempool/known as sent
          } else if (o.kind === 'ask') {
            listings.push({ asked: book.listingAsked(), pool: new Set(node.mempool) });
          } else if (o.kind === 'list' && listings.length > 0) {
            const [l] = listings.splice(o.pick % listings.length, 1);
            book.wake(l!.asked, l!.pool);
          } else if (o.kind === 'mine') node.mine();
        }
        for (const a of answers) (a.lost ? book.failed(a.coin) : book.sent(a.coin, a.next));
        // one coin per starting chain, all distinct
        const held = book.all().map((c) => `${c.txid}:${c.outpoint.vout}`);
        expect(new Set(held).size).toBe(nCoins);
      }),
      { numRuns: 100 },
    );
  });

  it('a listing asked before a payment was accepted does not wake the coin that payment rested', () => {
    // the chain of one coin reaches the limit; the listing was asked just before its last spend
    const key = makeKey(seededRng(4), 'tcrn');
    const start: Coin = { outpoint: { txid: new Uint8Array(32).fill(7), vout: 0 }, value: 1_000_000n, key, depth: ANCESTOR_LIMIT - 2, txid: '07'.repeat(32) };
    const book = new CoinBook([start]);
    const c = book.take()!;
    const s = spendOnce(c)!;
    const asked = book.listingAsked(); // the node answers this before it accepts s
    book.sent(c, s.next); // depth ANCESTOR_LIMIT - 1: rests
    expect(book.counts).toEqual({ idle: 0, out: 0, resting: 1 });
    book.wake(asked, new Set()); // s is not in that (older) listing
    expect(book.take()).toBeUndefined();
    book.wake(book.listingAsked(), new Set([s.next.txid])); // still unconfirmed
    expect(book.take()).toBeUndefined();
    book.wake(book.listingAsked(), new Set()); // mined
    expect(book.take()).toMatchObject({ txid: s.next.txid, depth: 0 });
  });
});
