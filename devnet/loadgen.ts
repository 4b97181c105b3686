// In-process transaction load for `cairn-devnet spam`: builds and signs payments with
// Cairn's own transaction and BIP341/BIP340 code (src/primitives: the same Tx,
// TaprootSighasher and Schnorr signing the wallet's builder uses) and keeps every coin in
// memory, so a payment costs one signature and one POST /api/tx instead of starting a
// wallet process (3-10 s each here, which held `spam --tps 5` to 0.3 tx/s).
//
// Devnet code may import only src/primitives (test/architecture.test.ts), and the devnet
// wallets' keys sit in encrypted wallet files only wallet/ can open. So the load runs on
// throwaway keys held in memory: each running node's wallet pays one funding output to
// them through the wallet CLI (once), a fan-out splits it into many coins, and each coin
// is then spent to itself again and again (one input, one output, a fixed fee). A coin
// whose chain of unconfirmed spends reaches the mempool's ancestor limit rests until its
// last spend leaves the mempool (confirmed).
import type { Rng } from '../src/primitives/rng.js';
import { signSchnorr, taprootTweakPubkey, taprootTweakSecret, xOnlyPubkey } from '../src/primitives/schnorr.js';
import { p2trScript } from '../src/primitives/script.js';
import { SIGHASH_DEFAULT, TaprootSighasher } from '../src/primitives/sighash.js';
import { Tx, type OutPoint } from '../src/primitives/tx.js';
import { encodeAddress } from '../src/primitives/address.js';

/** Bitcoin Core's default ancestor limit, which cairnd's mempool uses too. */
export const ANCESTOR_LIMIT = 25;
/** Fee per self-payment: a 1-in-1-out key-path tx is 111 vB; 1 sat/vB is the floor. */
export const SPEND_FEE = 200n;
const DUST = 330n;

export interface LoadKey {
  secret: Uint8Array;
  tweaked: Uint8Array;
  script: Uint8Array;
  address: string;
}

export interface Coin {
  outpoint: OutPoint;
  value: bigint;
  key: LoadKey;
  /** unconfirmed transactions in this coin's ancestry, itself included */
  depth: number;
  /** txid (display hex) of the tx that created it */
  txid: string;
}

export function makeKey(rng: Rng, hrp: string): LoadKey {
  const secret = rng.bytes(32);
  const outputKey = taprootTweakPubkey(xOnlyPubkey(secret)).outputKey;
  return { secret, tweaked: taprootTweakSecret(secret), script: p2trScript(outputKey), address: encodeAddress(outputKey, hrp) };
}

/** Signs every input of `unsigned` (all paying to keys we hold) and returns the final tx. */
export function signAll(unsigned: Tx, prevs: readonly { value: bigint; key: LoadKey }[]): Tx {
  const sighasher = new TaprootSighasher(unsigned, prevs.map((p) => ({ value: p.value, script: p.key.script })));
  const witnesses = prevs.map((p, i) => [signSchnorr(sighasher.hash(i, SIGHASH_DEFAULT), p.key.tweaked)]);
  return new Tx({ ...unsigned, inputs: unsigned.inputs.map((inp, i) => ({ ...inp, witness: witnesses[i]! })) });
}

/** Splits one coin into `n` equal coins over `keys` (the fan-out), at 2 sat/vB. */
export function fanOut(coin: Coin, keys: readonly LoadKey[], n: number): { tx: Tx; coins: Coin[] } {
  // 1 input (57.5 vB signed) + n P2TR outputs (43 vB each) + overhead, rounded up
  const fee = BigInt(2 * Math.ceil(11 + 58 + 43 * n));
  const each = (coin.value - fee) / BigInt(n);
  if (each < DUST + SPEND_FEE) throw new RangeError(`a funding output of ${coin.value} cannot make ${n} coins`);
  const outs = Array.from({ length: n }, (_, i) => ({ value: each, script: keys[i % keys.length]!.script }));
  const unsigned = new Tx({ version: 2, inputs: [{ prevout: coin.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }], outputs: outs, locktime: 0 });
  const tx = signAll(unsigned, [coin]);
  const txid = tx.txidHex();
  return { tx, coins: outs.map((o, vout) => ({ outpoint: { txid: tx.txid(), vout }, value: o.value, key: keys[vout % keys.length]!, depth: coin.depth + 1, txid })) };
}

/** One payment: the coin to its own key, less SPEND_FEE. Undefined when the coin is spent down. */
export function spendOnce(coin: Coin): { tx: Tx; next: Coin } | undefined {
  const value = coin.value - SPEND_FEE;
  if (value < DUST) return undefined;
  const unsigned = new Tx({ version: 2, inputs: [{ prevout: coin.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }], outputs: [{ value, script: coin.key.script }], locktime: 0 });
  const tx = signAll(unsigned, [coin]);
  return { tx, next: { outpoint: { txid: tx.txid(), vout: 0 }, value, key: coin.key, depth: coin.depth + 1, txid: tx.txidHex() } };
}

/** A coin may be spent again while its chain of unconfirmed spends stays under the limit (one spare). */
export function canSpend(c: Coin): boolean {
  return c.depth < ANCESTOR_LIMIT - 1;
}


/**
 * Which coins may be spent now: the load's coin bookkeeping, without I/O (spam.ts does the
 * sending and asks the node for its mempool). A coin is idle (spendable), out (its spend is
 * on the wire) or resting: at the ancestor limit, or its spend failed and its state is not
 * known. A resting coin wakes when a mempool listing no longer holds the tx that created
 * it, but only a listing asked for after the coin began to rest: an older listing can miss
 * a tx simply because the node had not accepted it yet when it answered, and waking on it
 * would hand out a coin deep in unconfirmed ancestors (as depth 0).
 */
export class CoinBook {
  private readonly idle: Coin[];
  private resting: { coin: Coin; since: number }[] = [];
  private readonly out = new Set<Coin>();
  private clock = 0;

  constructor(coins: readonly Coin[]) {
    this.idle = coins.filter(canSpend);
    for (const c of coins) if (!canSpend(c)) this.rest(c);
  }

  /** The next coin to spend (now out), or undefined when every coin is out or resting. */
  take(): Coin | undefined {
    const c = this.idle.shift();
    if (c) this.out.add(c);
    return c;
  }

  /** `coin`'s spend was accepted (or found already known: the same tx): `next` replaces it. */
  sent(coin: Coin, next: Coin): void {
    this.settleOut(coin);
    if (canSpend(next)) this.idle.push(next);
    else this.rest(next);
  }

  /** `coin`'s spend failed (it may still have reached the node): it rests until a listing. */
  failed(coin: Coin): void {
    this.settleOut(coin);
    this.rest(coin);
  }

  /** `coin` cannot pay another fee: it leaves the book. */
  drop(coin: Coin): void {
    this.settleOut(coin);
  }

  /** Call when asking the node for its mempool; pass the result to `wake` with the answer. */
  listingAsked(): number {
    return ++this.clock;
  }

  /** Wakes the coins that rested before listing `asked` and whose tx is not in `pool`. */
  wake(asked: number, pool: ReadonlySet<string>): void {
    const still: { coin: Coin; since: number }[] = [];
    for (const r of this.resting) {
      if (r.since < asked && !pool.has(r.coin.txid)) this.idle.push({ ...r.coin, depth: 0 });
      else still.push(r);
    }
    this.resting = still;
  }

  get counts(): { idle: number; out: number; resting: number } {
    return { idle: this.idle.length, out: this.out.size, resting: this.resting.length };
  }

  /** Every coin the book holds, whatever its state (for tests and checks). */
  all(): Coin[] {
    return [...this.idle, ...this.out, ...this.resting.map((r) => r.coin)];
  }

  private rest(c: Coin): void {
    this.resting.push({ coin: c, since: ++this.clock });
  }

  private settleOut(c: Coin): void {
    if (!this.out.delete(c)) throw new Error('CoinBook: a coin settled that was not out');
  }
}
