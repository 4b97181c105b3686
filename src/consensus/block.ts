// Block rules in three tiers, as Core's CheckBlock / ContextualCheckBlock / ConnectBlock:
//  - checkBlockSanity: the block alone. Its checks run in an order chosen so that every
//    failure flagged `corruption` comes before any check that reads uncommitted data:
//    merkle root and mutation, 64-byte txs, then the witness commitment; only once the
//    witness is known to be committed do weight and per-tx rules (which read witnesses)
//    run, so their failures are real invalidity of the header's block.
//  - checkBlockContext: height and parent median time (BIP34, BIP54 coinbase, finality).
//  - connectBlockTxs (connect.ts): values against a coin view; returns what to apply and
//    the signatures to verify, leaving the view untouched.
import { type Block, SEQUENCE_FINAL, equalBytes, findWitnessCommitment, witnessCommitmentHash } from '../primitives/index.js';
import { RuleError, rethrowAtTx } from './errors.js';
import { checkHeaderSanity } from './header.js';
import type { ConsensusParams } from './params.js';
import { encodeHeightPush } from './script-num.js';
import { INVALID_TX_NONWITNESS_SIZE, checkTxSanity, isFinalTx } from './tx.js';

/** Everything checkable from the block alone. See the file comment for the order. */
export function checkBlockSanity(block: Block, params: ConsensusParams): void {
  checkHeaderSanity(block.header, params);
  const txs = block.txs;

  const { root, mutated } = block.merkle();
  if (!equalBytes(root, block.header.merkleRoot)) throw new RuleError('bad-txnmrklroot', 'transactions do not match the header merkle root');
  if (mutated) throw new RuleError('bad-txns-duplicate', 'duplicate adjacent merkle nodes (CVE-2012-2459)');
  // A 64-byte tx may be two inner merkle nodes presented as a transaction, so a block
  // with one is treated like a mutation (and is invalid under BIP54 either way).
  if (params.bip54) {
    txs.forEach((tx, i) => {
      if (tx.baseSize === INVALID_TX_NONWITNESS_SIZE) throw new RuleError('bad-txns-size', 'transaction is exactly 64 bytes without witness', { txIndex: i });
    });
  }

  if (txs.length === 0 || txs.length * 4 > params.maxBlockWeight || block.strippedSize * 4 > params.maxBlockWeight) {
    throw new RuleError('bad-blk-length', `${txs.length} transactions, ${block.strippedSize} bytes without witness`);
  }
  if (!txs[0]!.isCoinbase()) throw new RuleError('bad-cb-missing');
  for (let i = 1; i < txs.length; i++) if (txs[i]!.isCoinbase()) throw new RuleError('bad-cb-multiple', undefined, { txIndex: i });

  checkWitnessCommitment(block);

  if (block.weight > params.maxBlockWeight) throw new RuleError('bad-blk-weight', `weight ${block.weight} > ${params.maxBlockWeight}`);
  txs.forEach((tx, i) => {
    try {
      checkTxSanity(tx, params);
    } catch (e) {
      rethrowAtTx(e, i);
    }
  });
}

/** BIP141: with a commitment, it must match the wtxids; without one, no witness at all. */
function checkWitnessCommitment(block: Block): void {
  const coinbase = block.txs[0]!;
  const pos = findWitnessCommitment(coinbase);
  if (pos >= 0) {
    const w = coinbase.inputs[0]!.witness;
    if (w.length !== 1 || w[0]!.length !== 32) throw new RuleError('bad-witness-nonce-size', undefined, { txIndex: 0 });
    const expected = witnessCommitmentHash(block.witnessRoot(), w[0]!);
    if (!equalBytes(expected, coinbase.outputs[pos]!.script.subarray(6, 38))) throw new RuleError('bad-witness-merkle-match');
    return;
  }
  block.txs.forEach((tx, i) => {
    if (tx.hasWitness) throw new RuleError('unexpected-witness', 'witness data without a witness commitment', { txIndex: i });
  });
}

/**
 * Rules that need the block's height and its parent's median time past (prevMtp, the
 * BIP113 lock-time cutoff). Order as Core: finality, BIP34 height, BIP54 coinbase.
 */
export function checkBlockContext(block: Block, height: number, prevMtp: number, params: ConsensusParams): void {
  block.txs.forEach((tx, i) => {
    if (!isFinalTx(tx, height, prevMtp)) throw new RuleError('bad-txns-nonfinal', `locktime ${tx.locktime} at height ${height}`, { txIndex: i });
  });
  const coinbase = block.txs[0];
  if (!coinbase) throw new RuleError('bad-cb-missing');
  const input = coinbase.inputs[0]!;
  if (height >= params.bip34Height) {
    const expect = encodeHeightPush(height);
    const sig = input.scriptSig;
    if (sig.length < expect.length || !equalBytes(sig.subarray(0, expect.length), expect)) {
      throw new RuleError('bad-cb-height', `coinbase does not start with height ${height}`, { txIndex: 0 });
    }
  }
  if (params.bip54) {
    if (coinbase.locktime !== height - 1) {
      throw new RuleError('bad-cb-locktime', `coinbase locktime ${coinbase.locktime}, expected ${height - 1}`, { txIndex: 0 });
    }
    if (input.sequence === SEQUENCE_FINAL) throw new RuleError('bad-cb-sequence', undefined, { txIndex: 0 });
  }
}

/** Subsidy halves every halvingInterval blocks; zero after 64 halvings (as Core). */
export function blockSubsidy(height: number, params: ConsensusParams): bigint {
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= 64) return 0n;
  return params.subsidy >> BigInt(halvings);
}
