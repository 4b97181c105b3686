// Verifying ahead: while the accept pipeline (accept.ts) checks and commits one batch, the
// signatures of the batch queued after it go to the verify pool, so the workers verify
// batch N+1 while the main thread works on batch N instead of the two taking turns.
//
// Nothing is decided here. What is kept is only which transactions' signatures all
// verified (SigResults, and the pool's signature cache for the block that confirms them):
// that holds whatever the pool or the tip look like later, since a taproot signature
// commits to the coins it spends and an outpoint names exactly one coin. Each tx is
// admitted for real when its batch's turn comes, against the pool and tip of that moment.
// Failures are not recorded, so a tx refused for several reasons gets the reason its real
// admission finds first.
import { type Tx, bytesToHex } from '../primitives/index.js';
import type { SigCheck } from '../consensus/index.js';
import type { VerifyPool } from '../chain/index.js';
import { type AdmitContext, type Verdict, admit } from './admit.js';
import type { ChainSnapshot } from './coinview.js';

export interface AheadContext {
  admit: AdmitContext;
  verifyPool: VerifyPool;
  /** the chain coins these txs spend (the pipeline's read, skipping mempool parents) */
  snapshot(txs: readonly Tx[]): Promise<ChainSnapshot>;
}

/** A queued transaction: `reorg` ones are admitted without fee floors. */
export interface AheadTx {
  readonly tx: Tx;
  readonly reorg: boolean;
}

/**
 * Verifies the signatures of `next` (the batch queued after `current`) and remembers the
 * txs whose signatures all verified. Parents may be in `current` (committed or not yet)
 * or in `next` itself. Never rejects: anything that goes wrong (a storage error, a closed
 * pool) only means the batch's own turn verifies as it would have anyway.
 */
export async function verifyAhead(ctx: AheadContext, current: readonly AheadTx[], next: readonly AheadTx[]): Promise<void> {
  if (next.length === 0) return;
  const { sigs } = ctx.admit;
  try {
    const snap = await ctx.snapshot(next.map((j) => j.tx));
    const mates = new Map<string, Tx>();
    for (const j of current) mates.set(bytesToHex(j.tx.txid()), j.tx);
    for (const j of next) mates.set(bytesToHex(j.tx.txid()), j.tx);
    const checks: SigCheck[] = [];
    const owners: { wtxid: string; end: number }[] = [];
    for (const j of next) {
      const wtxid = j.tx.wtxidHex();
      if (sigs.isGood(wtxid) || sigs.hasBad(wtxid)) continue;
      let v: Verdict;
      try {
        v = admit(ctx.admit, j.tx, j.reorg, mates, snap);
      } catch {
        continue; // refused as things stand now; its own turn decides
      }
      if (v.kind !== 'sigs') continue;
      checks.push(...v.checks);
      owners.push({ wtxid, end: checks.length });
    }
    if (checks.length === 0) return;
    const bad = await ctx.verifyPool.verify(checks, { cache: 'store' });
    for (const o of owners) {
      if (bad >= 0 && o.end > bad) break;
      sigs.rememberGood(o.wtxid);
    }
  } catch {
    // only ahead of time: the batch's own turn verifies
  }
}
