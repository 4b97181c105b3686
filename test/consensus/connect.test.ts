// Blocks built with the coinbase/createBlock helpers, spending real P2TR outputs with
// real BIP340 signatures (primitives' signKeyPathInput), connected against a coin view.
import { describe, expect, test } from '@jest/globals';
import {
  SIGHASH_ALL,
  SIGHASH_SINGLE,
  Tx,
  nobleVerifier,
  opReturnScript,
  outpointKey,
  p2trScript,
  sha256,
  signKeyPathInput,
  taprootTweakPubkey,
  backendVerifier,
  wasmVerifier,
  xOnlyPubkey,
  type OutPoint,
  type TxOut,
} from '../../src/primitives/index.js';
import {
  blockSubsidy,
  checkBlockContext,
  checkBlockSanity,
  connectBlockTxs,
  regtestParams,
  taprootSigChecks,
  verifySigChecks,
  type Coin,
  type CoinView,
} from '../../src/consensus/index.js';
import { createBlock } from '../../src/mining/index.js';

// Signature checks run on both node backends (native libsecp256k1, WASM) and on noble.
const nativeVerifier = backendVerifier('native');
const BACKEND_VERIFIERS = [nativeVerifier, wasmVerifier];
import { expectCode } from './helpers.js';

const P = regtestParams;
const COIN = 100_000_000n;

function key(seed: string): { sk: Uint8Array; script: Uint8Array } {
  const sk = sha256(new TextEncoder().encode(seed));
  return { sk, script: p2trScript(taprootTweakPubkey(xOnlyPubkey(sk)).outputKey) };
}
const alice = key('alice');
const bob = key('bob');
const carol = key('carol');

/** A coin view over a map; records nothing and is never written by consensus code. */
class MapView implements CoinView {
  readonly coins = new Map<string, Coin>();
  add(outpoint: OutPoint, coin: Coin): this {
    this.coins.set(outpointKey(outpoint), coin);
    return this;
  }
  getCoin(p: OutPoint): Coin | undefined {
    return this.coins.get(outpointKey(p));
  }
}

const fundTxid = sha256(new TextEncoder().encode('funding'));
const A: OutPoint = { txid: fundTxid, vout: 0 };
const B: OutPoint = { txid: fundTxid, vout: 1 };
const coinA: Coin = { value: 10n * COIN, script: alice.script, height: 5, coinbase: false };
const coinB: Coin = { value: 3n * COIN, script: bob.script, height: 5, coinbase: false };
const HEIGHT = 200;

/** A signed spend of `prevouts` (each signed with its key) paying `outputs`. */
function spend(inputs: Array<{ outpoint: OutPoint; coin: Coin; sk: Uint8Array }>, outputs: TxOut[], hashType?: number): Tx {
  const unsigned = new Tx({
    version: 2,
    inputs: inputs.map((i) => ({ prevout: i.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] })),
    outputs,
    locktime: 0,
  });
  const prevouts = inputs.map((i) => ({ value: i.coin.value, script: i.coin.script }));
  const witnesses = inputs.map((i, idx) => [signKeyPathInput(unsigned, idx, prevouts, i.sk, hashType)]);
  return new Tx({ ...unsigned, inputs: unsigned.inputs.map((inp, idx) => ({ ...inp, witness: witnesses[idx]! })) });
}

function block(txs: Tx[], coinbaseValue: bigint) {
  return createBlock({
    params: P,
    prev: new Uint8Array(32),
    height: HEIGHT,
    time: 1_800_000_000,
    bits: P.powLimitBits,
    txs,
    coinbase: { script: carol.script, value: coinbaseValue },
    mine: true,
  });
}

const subsidy = blockSubsidy(HEIGHT, P);

describe('connectBlockTxs with real P2TR spends', () => {
  test('a valid spend: fee, undo, created coins, signatures verify under both verifiers', () => {
    const view = new MapView().add(A, coinA);
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [
      { value: 9n * COIN, script: bob.script },
      { value: 0n, script: opReturnScript(Uint8Array.of(1, 2, 3)) },
    ]);
    const b = block([tx], subsidy + COIN);
    checkBlockSanity(b, P);
    checkBlockContext(b, HEIGHT, 1_700_000_000, P);
    const r = connectBlockTxs(b, HEIGHT, view, P);
    expect(r.fees).toBe(COIN);
    expect(r.undo).toEqual([coinA]);
    expect(r.spentOutpoints).toEqual([A]);
    // Coinbase payout (the witness commitment is OP_RETURN) and bob's output; no OP_RETURN coin.
    expect(r.created.map((c) => [c.coin.value, c.coin.coinbase, c.coin.height])).toEqual([
      [subsidy + COIN, true, HEIGHT],
      [9n * COIN, false, HEIGHT],
    ]);
    expect(r.created[1]!.outpoint).toEqual({ txid: tx.txid(), vout: 0 });
    expect(r.sigChecks).toHaveLength(1);
    expect(r.sigChecks[0]!.pubkey).toEqual(alice.script.subarray(2));
    for (const v of [...BACKEND_VERIFIERS, nobleVerifier]) verifySigChecks(r.sigChecks, v);
    expect(view.coins.size).toBe(1); // the view is never written
  });

  test('an explicit SIGHASH_ALL (65-byte) signature verifies', () => {
    const view = new MapView().add(A, coinA);
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: coinA.value, script: bob.script }], SIGHASH_ALL);
    expect(tx.inputs[0]!.witness[0]!.length).toBe(65);
    const r = connectBlockTxs(block([tx], subsidy), HEIGHT, view, P);
    for (const v of BACKEND_VERIFIERS) verifySigChecks(r.sigChecks, v);
  });

  test('an intra-block chain: the middle coin is neither undone nor created', () => {
    const view = new MapView().add(A, coinA);
    const tx1 = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: bob.script }]);
    const mid: OutPoint = { txid: tx1.txid(), vout: 0 };
    const midCoin: Coin = { value: 9n * COIN, script: bob.script, height: HEIGHT, coinbase: false };
    const tx2 = spend([{ outpoint: mid, coin: midCoin, sk: bob.sk }], [{ value: 8n * COIN, script: carol.script }]);
    const b = block([tx1, tx2], subsidy + 2n * COIN);
    checkBlockSanity(b, P);
    const r = connectBlockTxs(b, HEIGHT, view, P);
    expect(r.fees).toBe(2n * COIN);
    expect(r.undo).toEqual([coinA]);
    expect(r.spentOutpoints).toEqual([A]);
    expect(r.created.map((c) => outpointKey(c.outpoint))).toEqual([
      outpointKey({ txid: b.txs[0]!.txid(), vout: 0 }),
      outpointKey({ txid: tx2.txid(), vout: 0 }),
    ]);
    expect(r.sigChecks.map((c) => [c.txIndex, c.inputIndex])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    for (const v of BACKEND_VERIFIERS) verifySigChecks(r.sigChecks, v);
  });

  test('spending a coin before the tx creating it in the same block is missing', () => {
    const view = new MapView().add(A, coinA);
    const tx1 = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: bob.script }]);
    const mid: OutPoint = { txid: tx1.txid(), vout: 0 };
    const tx2 = spend([{ outpoint: mid, coin: { value: 9n * COIN, script: bob.script, height: HEIGHT, coinbase: false }, sk: bob.sk }], [
      { value: 8n * COIN, script: carol.script },
    ]);
    const e = expectCode(() => connectBlockTxs(block([tx2, tx1], subsidy), HEIGHT, view, P), 'bad-txns-inputs-missingorspent');
    expect(e.txIndex).toBe(1);
  });

  test('a double spend within one block is refused at the second spender', () => {
    const view = new MapView().add(A, coinA);
    const tx1 = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: bob.script }]);
    const tx2 = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: carol.script }]);
    const e = expectCode(() => connectBlockTxs(block([tx1, tx2], subsidy), HEIGHT, view, P), 'bad-txns-inputs-missingorspent');
    expect(e.txIndex).toBe(2);
    expect(e.inputIndex).toBe(0);
    expect(e.corruption).toBe(false);
  });

  test('an unknown input is missing', () => {
    const tx = spend([{ outpoint: B, coin: coinB, sk: bob.sk }], [{ value: COIN, script: carol.script }]);
    expectCode(() => connectBlockTxs(block([tx], subsidy), HEIGHT, new MapView().add(A, coinA), P), 'bad-txns-inputs-missingorspent');
  });

  test('outputs worth more than the inputs: bad-txns-in-belowout', () => {
    const view = new MapView().add(A, coinA);
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: coinA.value + 1n, script: bob.script }]);
    expectCode(() => connectBlockTxs(block([tx], subsidy), HEIGHT, view, P), 'bad-txns-in-belowout');
  });

  test('a coinbase output matures after exactly coinbaseMaturity blocks', () => {
    const cb: Coin = { ...coinA, coinbase: true, height: HEIGHT - P.coinbaseMaturity + 1 };
    const tx = spend([{ outpoint: A, coin: cb, sk: alice.sk }], [{ value: COIN, script: bob.script }]);
    const e = expectCode(
      () => connectBlockTxs(block([tx], subsidy), HEIGHT, new MapView().add(A, cb), P),
      'bad-txns-premature-spend-of-coinbase',
    );
    expect(e.txIndex).toBe(1);
    const mature: Coin = { ...cb, height: HEIGHT - P.coinbaseMaturity };
    const tx2 = spend([{ outpoint: A, coin: mature, sk: alice.sk }], [{ value: COIN, script: bob.script }]);
    expect(() => connectBlockTxs(block([tx2], subsidy), HEIGHT, new MapView().add(A, mature), P)).not.toThrow();
  });

  test('the coinbase may claim subsidy + fees and not one unit more', () => {
    const view = new MapView().add(A, coinA);
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: bob.script }]);
    expect(() => connectBlockTxs(block([tx], subsidy + COIN), HEIGHT, view, P)).not.toThrow();
    const e = expectCode(() => connectBlockTxs(block([tx], subsidy + COIN + 1n), HEIGHT, view, P), 'bad-cb-amount');
    expect(e.scope).toBe('block');
  });

  test('input values out of range; accumulated fees out of range', () => {
    const huge: Coin = { ...coinA, value: P.maxMoney + 1n };
    const tx = spend([{ outpoint: A, coin: huge, sk: alice.sk }], [{ value: COIN, script: bob.script }]);
    expectCode(() => connectBlockTxs(block([tx], subsidy), HEIGHT, new MapView().add(A, huge), P), 'bad-txns-inputvalues-outofrange');
    // Two txs each burning maxMoney as fee: each is fine, their sum is not.
    const max1: Coin = { ...coinA, value: P.maxMoney };
    const max2: Coin = { ...coinB, value: P.maxMoney };
    const burn = (o: OutPoint, c: Coin, sk: Uint8Array) => spend([{ outpoint: o, coin: c, sk }], [{ value: 0n, script: opReturnScript(new Uint8Array(0)) }]);
    const view = new MapView().add(A, max1).add(B, max2);
    const e = expectCode(
      () => connectBlockTxs(block([burn(A, max1, alice.sk), burn(B, max2, bob.sk)], subsidy), HEIGHT, view, P),
      'bad-txns-accumulated-fee-outofrange',
    );
    expect(e.txIndex).toBe(2);
  });

  test('a tampered transaction keeps its old signature, which no longer verifies', () => {
    const view = new MapView().add(A, coinA).add(B, coinB);
    const good = spend(
      [
        { outpoint: A, coin: coinA, sk: alice.sk },
        { outpoint: B, coin: coinB, sk: bob.sk },
      ],
      [{ value: 12n * COIN, script: carol.script }],
    );
    // Swap in bob's signature for input 1 made over different outputs.
    const other = spend(
      [
        { outpoint: A, coin: coinA, sk: alice.sk },
        { outpoint: B, coin: coinB, sk: bob.sk },
      ],
      [{ value: 11n * COIN, script: carol.script }],
    );
    const bad = new Tx({ ...good, inputs: [good.inputs[0]!, other.inputs[1]!] });
    const r = connectBlockTxs(block([bad], subsidy + COIN), HEIGHT, view, P);
    for (const v of [...BACKEND_VERIFIERS, nobleVerifier]) {
      const e = expectCode(() => verifySigChecks(r.sigChecks, v), 'bad-schnorr-sig');
      expect([e.txIndex, e.inputIndex]).toEqual([1, 1]);
    }
    // A signature by the wrong key fails too.
    const wrongKey = spend([{ outpoint: A, coin: { ...coinA, script: bob.script }, sk: bob.sk }], [{ value: COIN, script: carol.script }]);
    const r2 = connectBlockTxs(block([wrongKey], subsidy), HEIGHT, new MapView().add(A, coinA), P);
    for (const v of BACKEND_VERIFIERS) expectCode(() => verifySigChecks(r2.sigChecks, v), 'bad-schnorr-sig');
  });

  test('SIGHASH_SINGLE without a matching output is bad-sighash-single', () => {
    const view = new MapView().add(A, coinA).add(B, coinB);
    const base = spend(
      [
        { outpoint: A, coin: coinA, sk: alice.sk },
        { outpoint: B, coin: coinB, sk: bob.sk },
      ],
      [{ value: COIN, script: carol.script }],
    );
    const single = new Uint8Array(65).fill(7);
    single[64] = SIGHASH_SINGLE;
    const tx = new Tx({ ...base, inputs: [base.inputs[0]!, { ...base.inputs[1]!, witness: [single] }] });
    const e = expectCode(() => connectBlockTxs(block([tx], subsidy), HEIGHT, view, P), 'bad-sighash-single');
    expect([e.txIndex, e.inputIndex]).toEqual([1, 1]);
  });

  test('spending a coin that is not P2TR is refused', () => {
    const odd: Coin = { ...coinA, script: Uint8Array.of(0x51) };
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: COIN, script: bob.script }]);
    expectCode(() => connectBlockTxs(block([tx], subsidy), HEIGHT, new MapView().add(A, odd), P), 'bad-txns-spend-nonp2tr');
  });
});

describe('taprootSigChecks reuses a transaction object\'s sighashes only for the same spent coins', () => {
  test('same coins: the same messages under the new tx index; another amount or script: computed again', () => {
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 9n * COIN, script: bob.script }]);
    const first = taprootSigChecks(tx, [coinA], 0, true); // as the mempool does
    // Same values and scripts in other objects (a block's coins come from the UTXO cache).
    const again = taprootSigChecks(tx, [{ ...coinA, script: coinA.script.slice(), height: 7 }], 12);
    expect(again[0]!.txIndex).toBe(12);
    expect(again[0]!.msg).toBe(first[0]!.msg); // reused, not recomputed
    for (const v of BACKEND_VERIFIERS) verifySigChecks(again, v);
    // A coin of another amount: BIP341 commits to it, so the message changes and the
    // signature (made for coinA) no longer verifies: the memo must not answer for it.
    const other = taprootSigChecks(tx, [{ ...coinA, value: coinA.value + 1n }], 12);
    expect(other[0]!.msg).not.toEqual(first[0]!.msg);
    for (const v of BACKEND_VERIFIERS) expectCode(() => verifySigChecks(other, v), 'bad-schnorr-sig');
    // Another script (bob's key): another message and another key, refused as well.
    const moved = taprootSigChecks(tx, [{ ...coinA, script: bob.script }], 1);
    expect(moved[0]!.pubkey).toEqual(bob.script.subarray(2));
    expect(moved[0]!.msg).not.toEqual(first[0]!.msg);
    for (const v of BACKEND_VERIFIERS) expectCode(() => verifySigChecks(moved, v), 'bad-schnorr-sig');
    // And back to the original coin: verifies again, from the memo (the calls in between
    // did not ask to be remembered).
    const back = taprootSigChecks(tx, [coinA], 1);
    expect(back[0]!.msg).toBe(first[0]!.msg);
    for (const v of BACKEND_VERIFIERS) verifySigChecks(back, v);
  });

  test('a transaction hashed without remember (a block transaction seen once) keeps nothing', () => {
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 3n * COIN, script: bob.script }]);
    const a = taprootSigChecks(tx, [coinA], 0);
    const b = taprootSigChecks(tx, [coinA], 0);
    expect(b[0]!.msg).toEqual(a[0]!.msg);
    expect(b[0]!.msg).not.toBe(a[0]!.msg); // computed again, not taken from a memo
  });

  test('a block spending a mempool-hashed tx against a coin of another amount is refused', () => {
    const tx = spend([{ outpoint: A, coin: coinA, sk: alice.sk }], [{ value: 2n * COIN, script: bob.script }]);
    taprootSigChecks(tx, [coinA], 0, true); // as the mempool does, against coinA
    const view = new MapView().add(A, { ...coinA, value: 9n * COIN });
    const r = connectBlockTxs(block([tx], subsidy), HEIGHT, view, P);
    for (const v of BACKEND_VERIFIERS) expectCode(() => verifySigChecks(r.sigChecks, v), 'bad-schnorr-sig');
  });
});
