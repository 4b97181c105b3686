// Relay policy: what this node is willing to hold and forward, on top of consensus. A tx
// failing policy is not invalid (a block may contain it); it is merely not standard here.
// Policy may import consensus, never the reverse. Codes are Bitcoin Core's reject strings
// where one exists, so operators and tools recognise them.
import { classifyScript, isOpReturn, isP2TR, type Tx } from '../primitives/index.js';

export const POLICY_CODES = {
  version: 'transaction version is not 1 or 2',
  'tx-size': 'transaction weight above the standard limit',
  'tx-size-small': 'transaction smaller than the minimum standard non-witness size',
  scriptpubkey: 'output script is not standard (P2TR, or OP_RETURN with one push of at most the data limit)',
  'multi-op-return': 'more than one OP_RETURN output',
  dust: 'output below the dust limit',
  coinbase: 'a coinbase transaction cannot be relayed loose',
  'non-final': 'transaction cannot be included in the next block (locktime)',
  'min-relay-fee-not-met': 'fee rate below the minimum relay fee rate',
  'mempool-min-fee-not-met': 'fee rate below the mempool minimum fee rate (raised by eviction)',
  'too-long-mempool-chain': 'ancestor or descendant count or size limit exceeded',
  'txn-mempool-conflict': 'spends an output another mempool transaction spends (and may not replace it)',
  'insufficient-fee': 'replacement does not pay a higher fee rate and enough absolute fee than what it replaces',
  'too-many-replacements': 'replacement would evict too many transactions',
  'replacement-adds-unconfirmed': 'replacement spends unconfirmed outputs its originals did not',
  'bad-txns-spends-conflicting-tx': 'transaction spends an output of a transaction it would replace',
  'txn-already-in-mempool': 'transaction is already in the mempool',
  'txn-already-known': 'transaction outputs already exist in the chain',
  'mempool-full': 'the mempool is full and this transaction pays too little to stay in it',
  'missing-inputs': 'inputs unknown and the transaction cannot be held as an orphan',
  'orphan-too-large': 'orphan transaction too large to hold',
} as const;

export type PolicyCode = keyof typeof POLICY_CODES;

/** A transaction this node will not hold or relay; it may still be valid in a block. */
export class PolicyError extends Error {
  readonly code: PolicyCode;
  readonly detail: string;
  constructor(code: PolicyCode, detail?: string) {
    const d = detail ?? POLICY_CODES[code];
    super(`${code}: ${d}`);
    this.name = 'PolicyError';
    this.code = code;
    this.detail = d;
  }
}

/** Fee rates are sat per 1000 vbytes (Core's CFeeRate), numbers because rates are not amounts. */
export const DEFAULT_MIN_RELAY_FEE_RATE = 1000;
/** Core's incremental relay fee: what a replacement or post-eviction entry must add. */
export const DEFAULT_INCREMENTAL_RELAY_FEE_RATE = 1000;
/** Dust for a P2TR output (Core's 330 sat for witness v1 at 3 sat/vB); the wallet uses the same. */
export const DUST_P2TR = 330n;
/** Core's MAX_OP_RETURN_RELAY: the whole OP_RETURN script, opcode and push included. */
export const MAX_OP_RETURN_SCRIPT = 83;
export const MAX_STANDARD_TX_WEIGHT = 400_000;
/** Core's MIN_STANDARD_TX_NONWITNESS_SIZE: smaller txs collide with 64-byte merkle nodes. */
export const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;
export const DEFAULT_ANCESTOR_LIMIT = 25;
export const DEFAULT_ANCESTOR_SIZE_LIMIT = 101_000;
export const DEFAULT_DESCENDANT_LIMIT = 25;
export const DEFAULT_DESCENDANT_SIZE_LIMIT = 101_000;
/** Core's MAX_REPLACEMENT_CANDIDATES. */
export const MAX_REPLACEMENT_EVICTIONS = 100;

export interface PolicyOptions {
  /** sat/kvB */
  minRelayFeeRate: number;
  /** sat/kvB */
  incrementalRelayFeeRate: number;
  dustLimit: bigint;
  maxOpReturnScript: number;
  maxTxWeight: number;
}

export const DEFAULT_POLICY: PolicyOptions = Object.freeze({
  minRelayFeeRate: DEFAULT_MIN_RELAY_FEE_RATE,
  incrementalRelayFeeRate: DEFAULT_INCREMENTAL_RELAY_FEE_RATE,
  dustLimit: DUST_P2TR,
  maxOpReturnScript: MAX_OP_RETURN_SCRIPT,
  maxTxWeight: MAX_STANDARD_TX_WEIGHT,
});

/** The fee `rate` (sat/kvB) asks of `vsize` vbytes, rounded up so a rate is never undercut. */
export function feeForRate(rate: number, vsize: number): bigint {
  if (rate <= 0) return 0n;
  return BigInt(Math.ceil((rate * vsize) / 1000));
}

/** Fee rate in sat/kvB (for comparisons prefer cross-multiplying bigints, see feeRateAbove). */
export function feeRateOf(fee: bigint, vsize: number): number {
  return vsize > 0 ? (Number(fee) * 1000) / vsize : 0;
}

/** Exact: is fee1/size1 > fee2/size2? */
export function feeRateAbove(fee1: bigint, size1: number, fee2: bigint, size2: number): boolean {
  return fee1 * BigInt(size2) > fee2 * BigInt(size1);
}

/**
 * Core's IsStandardTx for Cairn's output set: version, weight, non-witness size, output
 * templates, one small OP_RETURN, and dust. Context-free: inputs were shaped by consensus.
 */
export function checkStandardTx(tx: Tx, opts: PolicyOptions = DEFAULT_POLICY): void {
  if (tx.version < 1 || tx.version > 2) throw new PolicyError('version', `version ${tx.version}`);
  if (tx.weight > opts.maxTxWeight) throw new PolicyError('tx-size', `weight ${tx.weight} > ${opts.maxTxWeight}`);
  if (tx.baseSize < MIN_STANDARD_TX_NONWITNESS_SIZE) {
    throw new PolicyError('tx-size-small', `${tx.baseSize} bytes without witness < ${MIN_STANDARD_TX_NONWITNESS_SIZE}`);
  }
  let opReturns = 0;
  tx.outputs.forEach((o, i) => {
    if (isP2TR(o.script)) {
      if (o.value < opts.dustLimit) throw new PolicyError('dust', `output ${i} pays ${o.value} < ${opts.dustLimit}`);
      return;
    }
    if (isOpReturn(o.script)) {
      if (o.script.length > opts.maxOpReturnScript) {
        throw new PolicyError('scriptpubkey', `output ${i}: OP_RETURN script of ${o.script.length} bytes > ${opts.maxOpReturnScript}`);
      }
      const info = classifyScript(o.script);
      // A bare OP_RETURN (no data) is standard, as in Core; otherwise exactly one push.
      if (info.type === 'op_return' && info.data === null && o.script.length !== 1) {
        throw new PolicyError('scriptpubkey', `output ${i}: OP_RETURN not followed by exactly one push`);
      }
      if (++opReturns > 1) throw new PolicyError('multi-op-return');
      return;
    }
    throw new PolicyError('scriptpubkey', `output ${i} is neither P2TR nor OP_RETURN`);
  });
}

// ------------------------------------------------------------------ package limits and replacement
// Pure rules over plain numbers and sets: the mempool computes the sets from its graph and
// asks these whether a tx may join. Kept here so the rules read in one place and can be
// tested without a chain.

/** Core's -limitancestorcount/-limitancestorsize/-limitdescendantcount/-limitdescendantsize (vB). */
export interface PackageLimits {
  ancestorCount: number;
  ancestorSize: number;
  descendantCount: number;
  descendantSize: number;
}

/** What the package rules read of an unconfirmed ancestor. */
export interface PackageMember {
  /** display hex, for messages */
  readonly txidHex: string;
  readonly vsize: number;
  /** the member and its in-pool descendants */
  readonly descendantCount: number;
  readonly descendantSize: number;
}

/**
 * Core's package limits for a new tx of `vsize` vB whose in-pool ancestors are `ancestors`
 * (a set cut short once it exceeds the ancestor count still fails the count check).
 * Throws PolicyError too-long-mempool-chain naming the first limit exceeded: ancestor
 * count, ancestor size (the tx included), then per ancestor its descendant count and size
 * with the new tx added.
 */
export function checkPackageLimits(ancestors: ReadonlySet<PackageMember>, vsize: number, limits: PackageLimits): void {
  if (ancestors.size + 1 > limits.ancestorCount) {
    throw new PolicyError('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${limits.ancestorCount}]`);
  }
  let size = vsize;
  for (const a of ancestors) size += a.vsize;
  if (size > limits.ancestorSize) throw new PolicyError('too-long-mempool-chain', `exceeds ancestor size limit [limit: ${limits.ancestorSize}]`);
  for (const a of ancestors) {
    if (a.descendantCount + 1 > limits.descendantCount) {
      throw new PolicyError('too-long-mempool-chain', `too many descendants for tx ${a.txidHex} [limit: ${limits.descendantCount}]`);
    }
    if (a.descendantSize + vsize > limits.descendantSize) {
      throw new PolicyError('too-long-mempool-chain', `exceeds descendant size limit for tx ${a.txidHex} [limit: ${limits.descendantSize}]`);
    }
  }
}

/** What the replacement rules read of a mempool tx. */
export interface ReplacementMember {
  /** display hex, for messages */
  readonly txidHex: string;
  readonly fee: bigint;
  readonly vsize: number;
}

/** A replacement attempt: the new tx and the sets the pool computed for it. */
export interface Replacement<T extends ReplacementMember> {
  fee: bigint;
  vsize: number;
  /** in-pool txs spending an outpoint the new tx spends */
  conflicts: ReadonlySet<T>;
  /** the conflicts and all their descendants: what would leave the pool */
  evicted: ReadonlySet<T>;
  /** the new tx's in-pool ancestors */
  ancestors: ReadonlySet<T>;
  /** the new tx's direct in-pool parents */
  parents: ReadonlySet<T>;
  /** the conflicts' direct in-pool parents */
  conflictParents: ReadonlySet<T>;
}

/**
 * Full replace-by-fee, BIP125 rules 2-5 without signalling (as Core's mempoolfullrbf):
 * the new tx may not spend an output of what it replaces, may evict at most
 * MAX_REPLACEMENT_EVICTIONS txs, may add no unconfirmed input its originals did not have,
 * must pay a higher fee rate than every evicted tx and at least their fees plus
 * `incrementalRelayFeeRate` for its own size. Throws the first PolicyError in that order.
 */
export function checkReplacement<T extends ReplacementMember>(r: Replacement<T>, incrementalRelayFeeRate: number): void {
  for (const a of r.ancestors) {
    if (r.conflicts.has(a)) throw new PolicyError('bad-txns-spends-conflicting-tx', `spends conflicting tx ${a.txidHex}`);
  }
  if (r.evicted.size > MAX_REPLACEMENT_EVICTIONS) {
    throw new PolicyError('too-many-replacements', `would evict ${r.evicted.size} txs > ${MAX_REPLACEMENT_EVICTIONS}`);
  }
  for (const a of r.ancestors) {
    if (r.evicted.has(a)) throw new PolicyError('bad-txns-spends-conflicting-tx', `spends conflicting tx ${a.txidHex}`);
  }
  for (const p of r.parents) {
    if (!r.conflictParents.has(p)) throw new PolicyError('replacement-adds-unconfirmed', `new unconfirmed input from ${p.txidHex}`);
  }
  let evictedFees = 0n;
  for (const e of r.evicted) {
    if (!feeRateAbove(r.fee, r.vsize, e.fee, e.vsize)) {
      throw new PolicyError('insufficient-fee', `fee rate not above ${feeRateOf(e.fee, e.vsize) / 1000} sat/vB of ${e.txidHex}`);
    }
    evictedFees += e.fee;
  }
  const need = evictedFees + feeForRate(incrementalRelayFeeRate, r.vsize);
  if (r.fee < need) throw new PolicyError('insufficient-fee', `fee ${r.fee} < ${need} (replaced fees plus incremental relay fee)`);
}
