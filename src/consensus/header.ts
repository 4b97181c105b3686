// Header rules in two tiers, as Core's CheckBlockHeader / ContextualCheckBlockHeader:
// sanity needs only the header and params (cheap, run first on anything a peer sends);
// context needs the branch the header extends and the local time.
import type { BlockHeader } from '../primitives/index.js';
import { equalBytes } from '../primitives/index.js';
import { medianTimePast, nextWorkRequired, type HeaderAncestry } from './difficulty.js';
import { RuleError } from './errors.js';
import type { ConsensusParams } from './params.js';
import { hashToBigInt, targetFromBits } from './pow.js';

/** nBits must be a usable target (bad-diffbits) and the hash must meet it (high-hash). */
export function checkHeaderSanity(header: BlockHeader, params: ConsensusParams): void {
  const target = targetFromBits(header.bits, params);
  if (target === undefined) {
    throw new RuleError('bad-diffbits', `nBits 0x${header.bits.toString(16).padStart(8, '0')} is not a target in (0, powLimit]`);
  }
  if (hashToBigInt(header.hash()) > target) throw new RuleError('high-hash', `block ${header.hashHex()} does not meet its target`);
}

/**
 * Rules that depend on the parent branch and the clock. `now` is the local time in
 * seconds (passed in, never read here). Order as Core: difficulty, median time, BIP54
 * time-warp rules, future time.
 */
export function checkHeaderContext(
  header: BlockHeader,
  prevHeight: number,
  ancestry: HeaderAncestry,
  params: ConsensusParams,
  now: number,
): void {
  const prev = ancestry.ancestor(prevHeight);
  if (!prev) throw new Error(`header: ancestry has no parent at height ${prevHeight}`);
  if (!equalBytes(prev.hash, header.prevBlock)) throw new Error(`header: parent at height ${prevHeight} is not this header's prevBlock`);
  const height = prevHeight + 1;

  const expected = nextWorkRequired(prevHeight, ancestry, header.time, params);
  if (header.bits !== expected) {
    throw new RuleError(
      'bad-diffbits',
      `nBits 0x${header.bits.toString(16).padStart(8, '0')} at height ${height}, expected 0x${expected.toString(16).padStart(8, '0')}`,
    );
  }

  const mtp = medianTimePast(prevHeight, ancestry);
  if (header.time <= mtp) throw new RuleError('time-too-old', `time ${header.time} not after median time past ${mtp}`);

  // BIP54 bounds the two timestamps a retarget reads; ASERT and fixed difficulty have no
  // retarget window, so there is nothing for these rules to protect there.
  const rule = params.difficulty;
  if (params.bip54 && rule.kind === 'bitcoin') {
    if (height % rule.interval === 0 && header.time < prev.time - params.timewarpGrace) {
      throw new RuleError(
        'time-timewarp-attack',
        `first block of a period at ${header.time}, more than ${params.timewarpGrace}s before its parent (${prev.time})`,
      );
    }
    if (height % rule.interval === rule.interval - 1) {
      const first = ancestry.ancestor(height - (rule.interval - 1));
      if (!first) throw new Error(`header: ancestry has no header at height ${height - (rule.interval - 1)}`);
      if (header.time < first.time) {
        throw new RuleError(
          'time-negative-interval',
          `last block of a period at ${header.time}, before the period's first block (${first.time})`,
        );
      }
    }
  }

  if (header.time > now + params.maxFutureBlockTime) {
    throw new RuleError('time-too-new', `time ${header.time} more than ${params.maxFutureBlockTime}s after local time ${now}`);
  }
}
