// Transaction rules in tiers: context-free sanity (checkTxSanity), finality against a
// height and time (isFinalTx), value rules against a coin view (checkTxInputs), and the
// signature work (taprootSigChecks builds what must be verified; verifySigChecks or a
// worker pool does it). Nothing here mutates its inputs or reads a clock.
import {
  SIGHASH_DEFAULT,
  SighashError,
  TaprootSighasher,
  classifyScript,
  isNullHash,
  isOpReturn,
  isP2TR,
  isValidTaprootHashType,
  outpointKey,
  outpointMapKey,
  SEQUENCE_FINAL,
  type OutPoint,
  equalBytes,
  type SchnorrVerifier,
  type Tx,
} from '../primitives/index.js';
import { RuleError } from './errors.js';
import type { ConsensusParams } from './params.js';

export const LOCKTIME_THRESHOLD = 500_000_000;
/** nSequence that opts an input out of lock time (defined once, in primitives). */
export { SEQUENCE_FINAL };
/** BIP54: a transaction this size without witness could pose as an inner merkle node. */
export const INVALID_TX_NONWITNESS_SIZE = 64;

/** An unspent output as the UTXO set stores it. */
export interface Coin {
  readonly value: bigint;
  readonly script: Uint8Array;
  /** Height of the block that created it. */
  readonly height: number;
  readonly coinbase: boolean;
}

/** Synchronous coin lookup: the chain prefetches a block's coins into memory first. */
export interface CoinView {
  getCoin(prevout: OutPoint): Coin | undefined;
}

/** One signature to verify: BIP340 over the BIP341 sighash, against the P2TR output key. */
export interface SigCheck {
  readonly txIndex: number;
  readonly inputIndex: number;
  readonly pubkey: Uint8Array;
  readonly msg: Uint8Array;
  readonly sig: Uint8Array;
}

export function moneyRange(v: bigint, params: Pick<ConsensusParams, 'maxMoney'>): boolean {
  return v >= 0n && v <= params.maxMoney;
}

/** Key-path witness shape: one item, 64 bytes, or 65 with a valid hash type other than DEFAULT. */
export function isKeyPathWitness(witness: readonly Uint8Array[]): boolean {
  if (witness.length !== 1) return false;
  const sig = witness[0]!;
  if (sig.length === 64) return true;
  // BIP341: an explicit 0x00 byte is invalid (DEFAULT is expressed by omitting it).
  return sig.length === 65 && sig[64] !== SIGHASH_DEFAULT && isValidTaprootHashType(sig[64]!);
}

/** CheckTransaction plus BIP54's 64-byte rule and, with cairnRules, Cairn's templates. */
export function checkTxSanity(tx: Tx, params: ConsensusParams): void {
  if (tx.inputs.length === 0) throw new RuleError('bad-txns-vin-empty');
  if (tx.outputs.length === 0) throw new RuleError('bad-txns-vout-empty');
  if (tx.weight > params.maxBlockWeight) throw new RuleError('bad-txns-oversize', `weight ${tx.weight} > ${params.maxBlockWeight}`);
  if (params.bip54 && tx.baseSize === INVALID_TX_NONWITNESS_SIZE) {
    throw new RuleError('bad-txns-size', 'transaction is exactly 64 bytes without witness');
  }

  let total = 0n;
  for (const o of tx.outputs) {
    if (o.value < 0n) throw new RuleError('bad-txns-vout-negative');
    if (o.value > params.maxMoney) throw new RuleError('bad-txns-vout-toolarge');
    total += o.value;
    if (!moneyRange(total, params)) throw new RuleError('bad-txns-txouttotal-toolarge');
  }

  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = outpointMapKey(i.prevout);
    if (seen.has(k)) throw new RuleError('bad-txns-inputs-duplicate', `outpoint ${outpointKey(i.prevout)} spent twice`);
    seen.add(k);
  }

  const coinbase = tx.isCoinbase();
  if (coinbase) {
    const n = tx.inputs[0]!.scriptSig.length;
    if (n < 2 || n > 100) throw new RuleError('bad-cb-length', `coinbase scriptSig is ${n} bytes`);
  } else {
    tx.inputs.forEach((i, idx) => {
      if (isNullHash(i.prevout.txid) && i.prevout.vout === 0xffffffff) {
        throw new RuleError('bad-txns-prevout-null', undefined, { inputIndex: idx });
      }
    });
  }

  if (!params.cairnRules) return;
  tx.outputs.forEach((o, idx) => {
    if (!isP2TR(o.script) && !isOpReturn(o.script)) {
      throw new RuleError('bad-txns-output-template', `output ${idx} is neither P2TR nor OP_RETURN`);
    }
  });
  if (coinbase) return;
  tx.inputs.forEach((i, idx) => {
    if (i.scriptSig.length !== 0) throw new RuleError('bad-txns-scriptsig-nonempty', undefined, { inputIndex: idx });
    if (!isKeyPathWitness(i.witness)) throw new RuleError('bad-witness-shape', undefined, { inputIndex: idx });
  });
}

/**
 * Core's IsFinalTx. lockTimeCutoff is the median time past of the parent block (BIP113)
 * for time-based locktimes; height is the height of the block that would include tx.
 */
export function isFinalTx(tx: Tx, height: number, lockTimeCutoff: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : lockTimeCutoff)) return true;
  for (const i of tx.inputs) if (i.sequence !== SEQUENCE_FINAL) return false;
  return true;
}

/**
 * Core's Consensus::CheckTxInputs for a non-coinbase tx: every input exists, coinbase
 * outputs are mature at spendHeight (the height of the block spending them), values are
 * in range and cover the outputs. Returns the fee and the coins spent, in input order.
 */
export function checkTxInputs(tx: Tx, view: CoinView, spendHeight: number, params: ConsensusParams): { fee: bigint; spent: Coin[] } {
  const spent: Coin[] = new Array(tx.inputs.length);
  for (let i = 0; i < tx.inputs.length; i++) {
    const coin = view.getCoin(tx.inputs[i]!.prevout);
    if (!coin) throw new RuleError('bad-txns-inputs-missingorspent', `${outpointKey(tx.inputs[i]!.prevout)} not found`, { inputIndex: i });
    spent[i] = coin;
  }
  let valueIn = 0n;
  for (let i = 0; i < spent.length; i++) {
    const coin = spent[i]!;
    if (coin.coinbase && spendHeight - coin.height < params.coinbaseMaturity) {
      throw new RuleError(
        'bad-txns-premature-spend-of-coinbase',
        `coinbase from height ${coin.height} spent at ${spendHeight} (maturity ${params.coinbaseMaturity})`,
        { inputIndex: i },
      );
    }
    valueIn += coin.value;
    if (!moneyRange(coin.value, params) || !moneyRange(valueIn, params)) {
      throw new RuleError('bad-txns-inputvalues-outofrange', undefined, { inputIndex: i });
    }
  }
  let valueOut = 0n;
  for (const o of tx.outputs) valueOut += o.value;
  if (valueIn < valueOut) throw new RuleError('bad-txns-in-belowout', `in ${valueIn} < out ${valueOut}`);
  const fee = valueIn - valueOut;
  if (!moneyRange(fee, params)) throw new RuleError('bad-txns-fee-outofrange');
  return { fee, spent };
}

/**
 * The signature checks a non-coinbase tx needs: one per input, the key from the spent
 * P2TR coin, the message from BIP341 with the hash type from the witness. Hashing is
 * linear in the tx size (one TaprootSighasher per tx). Throws RuleError for shapes that
 * cannot verify (non-P2TR coin, bad witness, SIGHASH_SINGLE without its output).
 * `remember` keeps the result for the next call with this object (see sigCheckMemo).
 */
export function taprootSigChecks(tx: Tx, spent: readonly Coin[], txIndex: number, remember = false): SigCheck[] {
  if (spent.length !== tx.inputs.length) throw new Error('tx: one spent coin per input is required');
  const memo = sigCheckMemo.get(tx);
  if (memo && sameSpent(memo.spent, spent)) {
    return memo.checks.map((c) => (c.txIndex === txIndex ? c : { ...c, txIndex }));
  }
  const checks = computeSigChecks(tx, spent, txIndex);
  // Only where a second use is likely (`remember`: the mempool, whose objects a block
  // connect finds again). Kept for every block transaction too, the memo put a WeakMap
  // entry and a copy of the spent outputs on each one, and V8's weak-table work on
  // collection slowed cold block connects (a one-process A/B saw 20-30 %).
  if (remember) sigCheckMemo.set(tx, { spent: spent.map((c) => ({ value: c.value, script: c.script })), checks });
  return checks;
}

/**
 * The checks last built for a transaction object, with the (value, script) of the coins
 * they were built against. A transaction accepted to the mempool is the very object a
 * compact block is rebuilt from, so connecting that block finds its sighashes here
 * instead of hashing every input again (Core keeps a transaction's precomputed sighash
 * data the same way). A sighash is a function of the transaction, the input, the hash
 * type (in the witness) and the spent outputs' values and scripts (BIP341 commits to all
 * of them), and the key comes from the spent script: so the memo is used only when every
 * spent coin has the same value and script bytes; otherwise everything is computed again.
 * Weakly held: it goes when the transaction object does.
 */
const sigCheckMemo = new WeakMap<Tx, { spent: readonly { value: bigint; script: Uint8Array }[]; checks: readonly SigCheck[] }>();

function sameSpent(a: readonly { value: bigint; script: Uint8Array }[], b: readonly Coin[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.value !== y.value || (x.script !== y.script && !equalBytes(x.script, y.script))) return false;
  }
  return true;
}

function computeSigChecks(tx: Tx, spent: readonly Coin[], txIndex: number): SigCheck[] {
  const hasher = new TaprootSighasher(
    tx,
    spent.map((c) => ({ value: c.value, script: c.script })),
  );
  const checks: SigCheck[] = new Array(tx.inputs.length);
  for (let i = 0; i < tx.inputs.length; i++) {
    const where = { txIndex, inputIndex: i };
    const info = classifyScript(spent[i]!.script);
    if (info.type !== 'p2tr') throw new RuleError('bad-txns-spend-nonp2tr', `spent coin is ${info.type}`, where);
    const witness = tx.inputs[i]!.witness;
    if (!isKeyPathWitness(witness)) throw new RuleError('bad-witness-shape', undefined, where);
    const item = witness[0]!;
    const hashType = item.length === 65 ? item[64]! : SIGHASH_DEFAULT;
    let msg: Uint8Array;
    try {
      msg = hasher.hash(i, hashType);
    } catch (e) {
      if (e instanceof SighashError && e.code === 'sighash-single-no-output') {
        throw new RuleError('bad-sighash-single', `SIGHASH_SINGLE on input ${i} with ${tx.outputs.length} outputs`, where);
      }
      if (e instanceof SighashError && e.code === 'bad-hashtype') throw new RuleError('bad-witness-shape', e.message, where);
      throw e;
    }
    checks[i] = { txIndex, inputIndex: i, pubkey: info.key, msg, sig: item.subarray(0, 64) };
  }
  return checks;
}

/** Verifies every check in order; throws bad-schnorr-sig naming the first failure. */
export function verifySigChecks(checks: readonly SigCheck[], verifier: SchnorrVerifier): void {
  for (const c of checks) {
    let ok: boolean;
    try {
      ok = verifier.verify(c.sig, c.msg, c.pubkey);
    } catch {
      ok = false; // a key that is not on the curve is an unspendable output, not a crash
    }
    if (!ok) throw new RuleError('bad-schnorr-sig', undefined, { txIndex: c.txIndex, inputIndex: c.inputIndex });
  }
}
