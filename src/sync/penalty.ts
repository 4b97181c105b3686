// What a peer pays for data that failed: the one table from an error (consensus
// RuleError, chain ChainError, anything else) and the context it arrived in to a
// misbehaviour score, used by block sync (headers and blocks) and by relay (loose
// transactions). Validation never knows about peers (docs/protocol.md "Sync and relay").
//
//   context  RuleError                                        ChainError
//   header   banScore, 0 if transient or corruption           duplicate-invalid: KNOWN_INVALID
//   block    as header, and 0 for bad-prevblk (a descendant    0
//            of a block found invalid meanwhile: we asked for
//            it, the ancestor's sender already paid)
//   tx       as header, and 0 for contextual codes (a loose    0
//            tx may be racing the chain)
// Anything else costs nothing: policy refusals, duplicates, storage failures (logged as
// errors) and bugs (logged as errors for headers and blocks).
import { RULE_CODES, RuleError } from '../consensus/index.js';
import { ChainError } from '../chain/index.js';

export type PenaltyContext = 'header' | 'block' | 'tx';

export interface Penalty {
  /** misbehaviour points for the sender; 0 when it is not at fault */
  readonly score: number;
  /** the reason recorded with the score */
  readonly reason: string;
  /** how the receiver logs the failure, and the line */
  readonly level: 'debug' | 'warn' | 'error';
  readonly message: string;
  /** the rule or chain error code, when there is one */
  readonly code?: string;
}

/** Named penalties of block sync (scores for situations, not for failed validation). */
export const SyncScore = {
  NON_CONTINUOUS_HEADERS: 20,
  UNCONNECTING_HEADERS: 20,
  UNREQUESTED_BLOCK: 10,
  /** a block or header we already know to be invalid */
  KNOWN_INVALID: 100,
  /** a headers chain ending below the anti-DoS work threshold (nothing stored) */
  LOW_WORK_HEADERS: 10,
  /** redownloaded headers that are not the ones counted in presync */
  PRESYNC_MISMATCH: 100,
} as const;

const WHAT: Record<PenaltyContext, string> = { header: 'header', block: 'block', tx: 'tx' };

export function penaltyFor(error: unknown, context: PenaltyContext): Penalty {
  const what = WHAT[context];
  if (error instanceof RuleError) {
    const info = RULE_CODES[error.code];
    const excused =
      info.transient || info.corruption || (context === 'block' && error.code === 'bad-prevblk') || (context === 'tx' && info.contextual);
    const score = excused ? 0 : info.banScore;
    const reason = `invalid ${what}: ${error.code}`;
    if (context === 'tx') return { score, reason, level: 'debug', message: 'invalid transaction from peer', code: error.code };
    return { score, reason, level: 'warn', message: `invalid ${what} from peer: ${error.message}`, code: error.code };
  }
  if (context === 'tx') return { score: 0, reason: '', level: 'debug', message: 'transaction not accepted' };
  if (error instanceof ChainError) {
    if (error.code === 'duplicate-invalid' && context === 'header') {
      return { score: SyncScore.KNOWN_INVALID, reason: `${what} known to be invalid`, level: 'debug', message: `${what} known to be invalid`, code: error.code };
    }
    if (error.code.startsWith('db-')) return { score: 0, reason: '', level: 'error', message: 'chain storage failure', code: error.code };
    return { score: 0, reason: '', level: 'debug', message: `${what} not accepted`, code: error.code };
  }
  return { score: 0, reason: '', level: 'error', message: `unexpected error processing ${what}` };
}
