// Building and rebuilding compact blocks (BIP152), with no I/O: the sender's
// HeaderAndShortIDs, the receiver's partially downloaded block filled from its mempool
// (Core's PartiallyDownloadedBlock), and the check that a rebuilt block is the one its
// header commits to. The roots that check computes stay memoized on the Block, so the
// chain's sanity check of the same block does not hash the trees a second time.
//
// A rebuilt block can be wrong without the block being invalid: two transactions may
// share a short id, or a peer may answer getblocktxn with the wrong transactions. So a
// rebuilt block is checked against its header's merkle root (refusing CVE-2012-2459
// mutations) and its witness commitment before it goes anywhere; a mismatch means "fetch
// the full block", never "this block is invalid".
import { Block, Tx, equalBytes, findWitnessCommitment, witnessCommitmentHash } from '../../primitives/index.js';
import type { CmpctblockMessage, PrefilledTx } from '../messages/index.js';
import { MAX_COMPACT_TXS } from './codec.js';
import { shortId, shortIdKey, type SipKey } from './shortid.js';

/** The compact form of `block`: the transactions at `prefill` (always the coinbase) sent whole. */
export function makeCompact(block: Block, nonce: bigint, prefill: readonly number[] = [0]): CmpctblockMessage {
  const key = shortIdKey(block.header, nonce);
  const pre = new Set(prefill);
  pre.add(0);
  const prefilled: PrefilledTx[] = [];
  const shortIds: number[] = [];
  block.txs.forEach((tx, i) => {
    if (pre.has(i)) prefilled.push({ index: i, tx });
    else shortIds.push(shortId(key, tx.wtxid()));
  });
  return { header: block.header, nonce, shortIds, prefilled };
}

export type InitResult =
  | { readonly status: 'ok'; readonly partial: PartialBlock }
  /** the compact block itself is inconsistent: the sender's fault */
  | { readonly status: 'invalid'; readonly reason: string }
  /** two of its own short ids are equal: fetch the full block (nobody's fault) */
  | { readonly status: 'collision' };

export type FillResult = { readonly status: 'ok'; readonly block: Block } | { readonly status: 'invalid'; readonly reason: string };

/** A compact block being filled in. */
export class PartialBlock {
  private constructor(
    readonly cmpct: CmpctblockMessage,
    private readonly slots: (Tx | undefined)[],
    /** how many slots the pool filled (for stats) */
    readonly fromPool: number,
  ) {}

  /**
   * Places the prefilled transactions, then every pool transaction whose short id
   * matches. A short id matched by two different pool transactions is left empty (asked
   * for), as Core does.
   */
  static init(cmpct: CmpctblockMessage, pool: Iterable<Tx>): InitResult {
    const total = cmpct.shortIds.length + cmpct.prefilled.length;
    if (total === 0 || total > MAX_COMPACT_TXS) return { status: 'invalid', reason: `compact block of ${total} transactions` };
    const slots: (Tx | undefined)[] = new Array(total).fill(undefined);
    let prev = -1;
    for (const p of cmpct.prefilled) {
      if (p.index <= prev || p.index >= total) return { status: 'invalid', reason: `prefilled index ${p.index} out of order or beyond ${total}` };
      slots[p.index] = p.tx;
      prev = p.index;
    }
    if (cmpct.prefilled[0]?.index !== 0) return { status: 'invalid', reason: 'the coinbase is not prefilled' };
    // Short id → slot.
    const bySid = new Map<number, number>();
    let s = 0;
    for (let i = 0; i < total; i++) {
      if (slots[i]) continue;
      const sid = cmpct.shortIds[s++]!;
      if (bySid.has(sid)) return { status: 'collision' };
      bySid.set(sid, i);
    }
    const key: SipKey = shortIdKey(cmpct.header, cmpct.nonce);
    const ambiguous = new Set<number>();
    let found = 0;
    for (const tx of pool) {
      if (found === bySid.size) break;
      const slot = bySid.get(shortId(key, tx.wtxid()));
      if (slot === undefined || ambiguous.has(slot)) continue;
      const have = slots[slot];
      if (have === undefined) {
        slots[slot] = tx;
        found++;
      } else if (!equalBytes(have.wtxid(), tx.wtxid())) {
        slots[slot] = undefined;
        ambiguous.add(slot);
        found--;
      }
    }
    return { status: 'ok', partial: new PartialBlock(cmpct, slots, found) };
  }

  /** Absolute indexes still missing, increasing. */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i]) out.push(i);
    return out;
  }

  get complete(): boolean {
    return this.slots.every((t) => t !== undefined);
  }

  /** Fills the missing slots, in order, with a blocktxn's transactions. */
  fill(txs: readonly Tx[]): FillResult {
    const missing = this.missing();
    if (txs.length !== missing.length) return { status: 'invalid', reason: `blocktxn carries ${txs.length} transactions for ${missing.length} missing` };
    missing.forEach((slot, i) => (this.slots[slot] = txs[i]!));
    return { status: 'ok', block: this.block() };
  }

  /** The block, once complete. */
  block(): Block {
    if (!this.complete) throw new Error('compact: block is not complete');
    // A copy: the block memoizes its merkle roots, so its transaction list must never change.
    return new Block(this.cmpct.header, [...this.slots] as Tx[]);
  }
}

export type CheckResult = 'ok' | 'bad-merkle' | 'mutated' | 'bad-witness';

/**
 * Is `block` exactly what its header commits to? The txid merkle root must match and not
 * be mutated, and the witness data must match the coinbase's commitment (or be absent
 * when there is none). Failing this says the rebuild went wrong, not that the block is bad.
 */
export function checkRebuilt(block: Block): CheckResult {
  const { root, mutated } = block.merkle();
  if (!equalBytes(root, block.header.merkleRoot)) return 'bad-merkle';
  if (mutated) return 'mutated';
  const coinbase = block.txs[0]!;
  const pos = findWitnessCommitment(coinbase);
  if (pos < 0) return block.txs.some((t) => t.hasWitness) ? 'bad-witness' : 'ok';
  const w = coinbase.inputs[0]?.witness;
  if (!w || w.length !== 1 || w[0]!.length !== 32) return 'bad-witness';
  const expected = witnessCommitmentHash(block.witnessRoot(), w[0]!);
  return equalBytes(expected, coinbase.outputs[pos]!.script.subarray(6, 38)) ? 'ok' : 'bad-witness';
}
