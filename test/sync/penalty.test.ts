// penaltyFor is the one table of what a failed header, block or loose transaction costs
// its sender (block sync and relay both apply it). This walks every rule code and every
// chain error code in every context against a model written from docs/protocol.md's
// table ("Sync and relay"), not from the implementation.
import { describe, expect, it } from '@jest/globals';
import { RULE_CODES, RuleError, type RuleCode } from '../../src/consensus/index.js';
import { ChainError, type ChainErrorCode } from '../../src/chain/index.js';
import { penaltyFor, SyncScore, type PenaltyContext } from '../../src/sync/index.js';

const CONTEXTS: PenaltyContext[] = ['header', 'block', 'tx'];
const CHAIN_CODES: ChainErrorCode[] = [
  'db-locked',
  'db-corrupt',
  'db-foreign',
  'db-version',
  'duplicate',
  'duplicate-invalid',
  'prev-blk-not-found',
  'bad-prevblk',
  'missing-data',
  'closed',
];

/** The documented rule, stated separately: who is excused, and what the rest pays. */
function expectedRuleScore(code: RuleCode, ctx: PenaltyContext): number {
  const r = RULE_CODES[code];
  // Data the proof of work does not commit to, or that may become valid later: nobody's fault.
  if (r.corruption || r.transient) return 0;
  // A block we asked for whose ancestor turned out invalid: its sender already paid.
  if (ctx === 'block' && code === 'bad-prevblk') return 0;
  // A loose transaction may race the chain.
  if (ctx === 'tx' && r.contextual) return 0;
  return r.banScore;
}

describe('penaltyFor', () => {
  const codes = Object.keys(RULE_CODES) as RuleCode[];

  it('walks every rule code in every context', () => {
    expect(codes.length).toBeGreaterThan(30);
    const got: string[] = [];
    const want: string[] = [];
    for (const code of codes) {
      for (const ctx of CONTEXTS) {
        const p = penaltyFor(new RuleError(code, 'test'), ctx);
        got.push(`${ctx} ${code} ${p.score} ${p.score > 0 ? p.reason : ''} ${p.code}`);
        const s = expectedRuleScore(code, ctx);
        want.push(`${ctx} ${code} ${s} ${s > 0 ? `invalid ${ctx}: ${code}` : ''} ${code}`);
      }
    }
    expect(got).toEqual(want);
  });

  it('the three contexts really differ where the table says (hand-picked rows)', () => {
    const missing = new RuleError('bad-txns-inputs-missingorspent', 'x');
    expect(CONTEXTS.map((c) => penaltyFor(missing, c).score)).toEqual([100, 100, 0]);
    const badPrev = new RuleError('bad-prevblk', 'x');
    expect(CONTEXTS.map((c) => penaltyFor(badPrev, c).score)).toEqual([100, 0, 100]);
    const mutated = new RuleError('bad-txnmrklroot', 'x');
    expect(CONTEXTS.map((c) => penaltyFor(mutated, c).score)).toEqual([0, 0, 0]);
    const future = new RuleError('time-too-new', 'x');
    expect(CONTEXTS.map((c) => penaltyFor(future, c).score)).toEqual([0, 0, 0]);
  });

  it('walks every chain error code: only a header known to be invalid costs, storage failures are errors', () => {
    for (const code of CHAIN_CODES) {
      for (const ctx of CONTEXTS) {
        const p = penaltyFor(new ChainError(code, 'test'), ctx);
        const score = code === 'duplicate-invalid' && ctx === 'header' ? SyncScore.KNOWN_INVALID : 0;
        expect([ctx, code, p.score]).toEqual([ctx, code, score]);
        const level = ctx !== 'tx' && code.startsWith('db-') ? 'error' : 'debug';
        expect([ctx, code, p.level]).toEqual([ctx, code, level]);
      }
    }
  });

  it('anything else costs nothing; a bug while processing a header or block is logged as an error', () => {
    for (const e of [new Error('boom'), 'a string', undefined, { code: 'high-hash' }]) {
      expect(CONTEXTS.map((c) => penaltyFor(e, c).score)).toEqual([0, 0, 0]);
      expect(CONTEXTS.map((c) => penaltyFor(e, c).level)).toEqual(['error', 'error', 'debug']);
    }
  });
});
