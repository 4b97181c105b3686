// Admission: every check one transaction must pass to join the pool, synchronously, over
// a chain snapshot and the graph as they are at this instant (Core's PreChecks,
// PolicyScriptChecks' caching and the package/RBF checks of MemPoolAccept). It changes
// nothing but the signature-result cache; the accept pipeline (accept.ts) decides what to
// do with the verdict and commits.
import { type OutPoint, type Tx, bytesToHex, outpointKey, outpointMapKey } from '../primitives/index.js';
import {
  RuleError,
  checkTxInputs,
  checkTxSanity,
  isFinalTx,
  taprootSigChecks,
  type Coin,
  type CoinView,
  type ConsensusParams,
  type SigCheck,
} from '../consensus/index.js';
import type { Chain } from '../chain/index.js';
import { type ChainSnapshot, unconfirmedCoin } from './coinview.js';
import type { MempoolEntry, TxGraph } from './graph.js';
import { PolicyError, checkPackageLimits, checkReplacement, checkStandardTx, feeForRate, type PackageLimits, type PolicyOptions } from './policy.js';

/** Signature results by wtxid: what verified (kept for 200,000 txs) and what failed. */
export class SigResults {
  private readonly good = new Map<string, true>();
  private readonly bad = new Map<string, RuleError>();

  isGood(wtxid: string): boolean {
    return this.good.has(wtxid);
  }

  rememberGood(wtxid: string): void {
    this.good.set(wtxid, true);
    if (this.good.size > 200_000) {
      const first = this.good.keys().next().value;
      if (first !== undefined) this.good.delete(first);
    }
  }

  rememberBad(wtxid: string, err: RuleError): void {
    if (this.bad.size > 10_000) this.bad.clear(); // only a cache: a miss re-verifies
    this.bad.set(wtxid, err);
  }

  hasBad(wtxid: string): boolean {
    return this.bad.has(wtxid);
  }

  /** The failure recorded for `wtxid`, forgotten as it is handed out. */
  takeBad(wtxid: string): RuleError | undefined {
    const bad = this.bad.get(wtxid);
    if (bad) this.bad.delete(wtxid);
    return bad;
  }
}

export interface AdmitContext {
  chain: Chain;
  params: ConsensusParams;
  policy: PolicyOptions;
  limits: PackageLimits;
  graph: TxGraph;
  sigs: SigResults;
  /** sat/kvB the pool asks of a new tx now (read only when the relay minimum is met) */
  minFeeRate(): number;
}

/** What admission concluded, when it did not throw the reason for refusing. */
export type Verdict =
  /** inputs unknown (internal-order txid hex of the parents); the first missing input */
  | { kind: 'orphan'; parents: string[]; inputIndex: number }
  /** signatures to verify first (then check again) */
  | { kind: 'sigs'; checks: SigCheck[] }
  /** spends a batch-mate not committed yet, signatures already good: check again later */
  | { kind: 'defer' }
  /** may join now, evicting `evict` (replacement) */
  | { kind: 'ready'; fee: bigint; vsize: number; spent: Coin[]; tipHeight: number; evict?: Set<MempoolEntry> };

/** The coin output `p.vout` of a mempool tx makes, if that tx is in the graph. */
export function mempoolCoin(graph: TxGraph, p: OutPoint): Coin | undefined {
  const parent = graph.get(bytesToHex(p.txid));
  return parent ? unconfirmedCoin(parent.tx, p.vout) : undefined;
}

/**
 * All checks for one tx. `reorg`: re-added from a disconnected block (no fee floors, no
 * package limits, no replacement). `batch` holds txs of the same batch not yet committed,
 * whose children are checked provisionally (for their signatures) and retried. Throws
 * RuleError (invalid) or PolicyError (not accepted here).
 */
export function admit(ctx: AdmitContext, tx: Tx, reorg: boolean, batch: ReadonlyMap<string, Tx>, snap: ChainSnapshot): Verdict {
  const { chain, params, policy, limits, graph } = ctx;
  const key = bytesToHex(tx.txid());
  if (graph.has(key)) throw new PolicyError('txn-already-in-mempool');
  checkTxSanity(tx, params);
  if (tx.isCoinbase()) throw new PolicyError('coinbase');
  checkStandardTx(tx, policy);
  const tip = chain.tip;
  const height = tip.height + 1;
  if (!isFinalTx(tx, height, chain.medianTimePast(tip))) throw new PolicyError('non-final');

  // Inputs: from mempool parents, batch-mates (provisional) or the chain snapshot (an
  // outpoint not in it had a mempool parent at read time that is gone now: missing).
  let provisional = false;
  let firstMissing = -1;
  const missing: string[] = [];
  const spentCoins: Coin[] = new Array(tx.inputs.length);
  tx.inputs.forEach((input, i) => {
    const p = input.prevout;
    const pk = bytesToHex(p.txid);
    if (graph.has(pk)) {
      const c = mempoolCoin(graph, p);
      if (!c) throw new RuleError('bad-txns-inputs-missingorspent', `${outpointKey(p)} is not an output of mempool tx`, { inputIndex: i });
      spentCoins[i] = c;
      return;
    }
    const mate = batch.get(pk);
    if (mate) {
      const c = unconfirmedCoin(mate, p.vout);
      if (!c) throw new RuleError('bad-txns-inputs-missingorspent', undefined, { inputIndex: i });
      spentCoins[i] = c;
      provisional = true;
      return;
    }
    const c = snap.getCoin(p);
    if (c) spentCoins[i] = c;
    else {
      missing.push(pk);
      if (firstMissing < 0) firstMissing = i;
    }
  });
  if (snap.getCoin({ txid: tx.txid(), vout: 0 })) throw new PolicyError('txn-already-known');
  if (missing.length > 0) return { kind: 'orphan', parents: missing, inputIndex: firstMissing };
  const byOutpoint = new Map<string, Coin>();
  tx.inputs.forEach((input, i) => byOutpoint.set(outpointMapKey(input.prevout), spentCoins[i]!));
  const view: CoinView = { getCoin: (p) => byOutpoint.get(outpointMapKey(p)) };
  const { fee, spent } = checkTxInputs(tx, view, height, params);
  const vsize = tx.vsize;

  const wtxid = tx.wtxidHex();
  const known = ctx.sigs.isGood(wtxid);
  const bad = ctx.sigs.takeBad(wtxid);
  if (bad) throw bad;
  if (provisional) {
    // A batch-mate is not committed yet: only gather signatures, judge the rest later.
    return known ? { kind: 'defer' } : { kind: 'sigs', checks: taprootSigChecks(tx, spent, 0, true) };
  }

  if (!reorg) {
    if (fee < feeForRate(policy.minRelayFeeRate, vsize)) {
      throw new PolicyError('min-relay-fee-not-met', `fee ${fee} < ${feeForRate(policy.minRelayFeeRate, vsize)} for ${vsize} vB`);
    }
    const minFee = feeForRate(ctx.minFeeRate(), vsize);
    if (fee < minFee) throw new PolicyError('mempool-min-fee-not-met', `fee ${fee} < ${minFee} for ${vsize} vB`);
  }

  // Unconfirmed parents and their ancestors, within Core's package limits.
  const parents = new Set<MempoolEntry>();
  const conflicts = new Set<MempoolEntry>();
  for (const input of tx.inputs) {
    const parent = graph.get(bytesToHex(input.prevout.txid));
    if (parent) parents.add(parent);
    const spender = graph.spenderOf(input.prevout);
    if (spender) conflicts.add(spender);
  }
  const ancestors = graph.ancestorsOf(parents, limits.ancestorCount);
  if (!reorg) checkPackageLimits(ancestors, vsize, limits);

  let evict: Set<MempoolEntry> | undefined;
  if (conflicts.size > 0) {
    if (reorg) throw new PolicyError('txn-mempool-conflict');
    // Full replace-by-fee: what would leave is the conflicts and their descendants.
    evict = graph.descendantsOf(conflicts);
    const conflictParents = new Set<MempoolEntry>();
    for (const c of conflicts) for (const p of c.parents) conflictParents.add(p);
    checkReplacement({ fee, vsize, conflicts, evicted: evict, ancestors, parents, conflictParents }, policy.incrementalRelayFeeRate);
  }

  if (!known) return { kind: 'sigs', checks: taprootSigChecks(tx, spent, 0, true) };
  return { kind: 'ready', fee, vsize, spent, tipHeight: tip.height, ...(evict ? { evict } : {}) };
}
