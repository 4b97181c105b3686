// The one error consensus code throws for invalid data. Codes are stable strings (Bitcoin
// Core's reject reasons where one exists) so logs, the API and p2p can match on them.
// What a failure *means* for the caller lives in RULE_CODES, not in the throw site:
//  - corruption: the failing data is not committed to by the header's proof of work (tx
//    list mutated under the same merkle root, witness data stripped or altered). The block
//    is refused, but its hash must NOT be marked invalid: the honest block with the same
//    header may still arrive (Core's BlockValidationResult::BLOCK_MUTATED).
//  - transient: the same data may become valid later (a timestamp too far in the future);
//    refuse now, remember nothing, punish nobody.
//  - contextual: a loose transaction failing this may simply be racing the chain (its
//    inputs are not known yet, or were just spent by a block); relay code should not
//    punish for it, although inside a block it is plain invalidity.
//  - banScore: a suggestion for the p2p layer when a peer sent a header/block failing it.

export type RuleScope = 'header' | 'block' | 'tx';

interface RuleInfo {
  readonly scope: RuleScope;
  readonly description: string;
  readonly banScore: number;
  readonly corruption?: boolean;
  readonly transient?: boolean;
  readonly contextual?: boolean;
}

function rules<T extends Record<string, RuleInfo>>(t: T): { readonly [K in keyof T]: Required<RuleInfo> } {
  const out: Record<string, Required<RuleInfo>> = {};
  for (const [k, v] of Object.entries(t)) {
    out[k] = Object.freeze({ corruption: false, transient: false, contextual: false, ...v });
  }
  return Object.freeze(out) as { readonly [K in keyof T]: Required<RuleInfo> };
}

/** Every rule code with its meaning and the consequences callers should draw from it. */
export const RULE_CODES = rules({
  // --- headers ---
  'high-hash': { scope: 'header', banScore: 100, description: 'block hash above the target its nBits encodes (proof of work fails)' },
  'bad-diffbits': {
    scope: 'header',
    banScore: 100,
    description: 'nBits is not a valid target (zero, negative, overflowing, above powLimit) or not the difficulty the chain requires',
  },
  'time-too-old': { scope: 'header', banScore: 100, description: 'timestamp not after the median time of the previous 11 blocks' },
  'time-too-new': {
    scope: 'header',
    banScore: 0,
    transient: true,
    description: 'timestamp more than maxFutureBlockTime ahead of local time; may become valid later',
  },
  'time-timewarp-attack': {
    scope: 'header',
    banScore: 100,
    description: 'BIP54/BIP94: first block of a retarget period more than timewarpGrace seconds before its parent',
  },
  'time-negative-interval': {
    scope: 'header',
    banScore: 100,
    description: 'BIP54 (Murch-Zawy): last block of a retarget period earlier than the first block of that period',
  },
  'bad-prevblk': { scope: 'header', banScore: 100, description: 'the parent block is known to be invalid' },
  'prev-blk-not-found': {
    scope: 'header',
    banScore: 0,
    transient: true,
    description: 'the parent block is unknown (orphan); may connect later',
  },
  'bad-genesis': { scope: 'header', banScore: 100, description: 'a chain whose first header is not this network\'s genesis' },

  // --- blocks: structure not committed by the header (mutations) ---
  'bad-txnmrklroot': {
    scope: 'block',
    banScore: 0,
    corruption: true,
    description: 'transactions do not hash to the header merkle root',
  },
  'bad-txns-duplicate': {
    scope: 'block',
    banScore: 0,
    corruption: true,
    description: 'merkle tree with two identical adjacent nodes (CVE-2012-2459): same root as another tx list',
  },
  'bad-witness-nonce-size': {
    scope: 'block',
    banScore: 0,
    corruption: true,
    description: 'coinbase witness is not exactly one 32-byte witness reserved value (BIP141)',
  },
  'bad-witness-merkle-match': {
    scope: 'block',
    banScore: 0,
    corruption: true,
    description: 'witness commitment in the coinbase does not match the transactions\' witnesses (BIP141)',
  },
  'unexpected-witness': {
    scope: 'block',
    banScore: 0,
    corruption: true,
    description: 'witness data in a block without a witness commitment (BIP141)',
  },
  'bad-txns-size': {
    scope: 'tx',
    banScore: 0,
    corruption: true,
    description:
      'BIP54: transaction of exactly 64 bytes without witness (could be an inner merkle node; in a block it is treated as a mutation)',
  },

  // --- blocks: committed, plainly invalid ---
  'bad-blk-length': { scope: 'block', banScore: 100, description: 'no transactions, or too many / too large without witness' },
  'bad-blk-weight': { scope: 'block', banScore: 100, description: 'block weight above maxBlockWeight' },
  'bad-cb-missing': { scope: 'block', banScore: 100, description: 'first transaction is not a coinbase' },
  'bad-cb-multiple': { scope: 'block', banScore: 100, description: 'a coinbase other than the first transaction' },
  'bad-cb-height': { scope: 'block', banScore: 100, description: 'coinbase scriptSig does not start with the block height (BIP34)' },
  'bad-cb-amount': { scope: 'block', banScore: 100, description: 'coinbase pays more than subsidy plus fees' },
  'bad-cb-locktime': { scope: 'block', banScore: 100, description: 'BIP54: coinbase nLockTime is not height - 1' },
  'bad-cb-sequence': { scope: 'block', banScore: 100, description: 'BIP54: coinbase input nSequence is final (0xffffffff)' },
  'bad-txns-accumulated-fee-outofrange': { scope: 'block', banScore: 100, description: 'sum of fees in the block out of money range' },

  // --- transactions: context-free ---
  'bad-cb-length': { scope: 'tx', banScore: 100, description: 'coinbase scriptSig not 2..100 bytes' },
  'bad-txns-vin-empty': { scope: 'tx', banScore: 100, description: 'transaction without inputs' },
  'bad-txns-vout-empty': { scope: 'tx', banScore: 100, description: 'transaction without outputs' },
  'bad-txns-oversize': { scope: 'tx', banScore: 100, description: 'transaction weight above maxBlockWeight' },
  'bad-txns-vout-negative': { scope: 'tx', banScore: 100, description: 'output value below zero' },
  'bad-txns-vout-toolarge': { scope: 'tx', banScore: 100, description: 'output value above maxMoney' },
  'bad-txns-txouttotal-toolarge': { scope: 'tx', banScore: 100, description: 'sum of output values above maxMoney' },
  'bad-txns-inputs-duplicate': { scope: 'tx', banScore: 100, description: 'the same outpoint spent twice in one transaction' },
  'bad-txns-prevout-null': { scope: 'tx', banScore: 100, description: 'non-coinbase input with a null prevout' },
  'bad-txns-output-template': {
    scope: 'tx',
    banScore: 100,
    description: 'Cairn: output script is neither P2TR (OP_1 <32 bytes>) nor OP_RETURN',
  },
  'bad-txns-scriptsig-nonempty': { scope: 'tx', banScore: 100, description: 'Cairn: non-coinbase input with a non-empty scriptSig' },
  'bad-witness-shape': {
    scope: 'tx',
    banScore: 100,
    description: 'Cairn: key-path witness must be one item of 64 bytes, or 65 with a valid non-zero hash type (no annex)',
  },

  // --- transactions: against the coin view / chain position ---
  'bad-txns-nonfinal': { scope: 'tx', banScore: 100, contextual: true, description: 'transaction locktime not yet reached' },
  'bad-txns-inputs-missingorspent': {
    scope: 'tx',
    banScore: 100,
    contextual: true,
    description: 'an input spends a coin that does not exist or is already spent',
  },
  'bad-txns-premature-spend-of-coinbase': {
    scope: 'tx',
    banScore: 100,
    contextual: true,
    description: 'spends a coinbase output before coinbaseMaturity confirmations',
  },
  'bad-txns-inputvalues-outofrange': { scope: 'tx', banScore: 100, description: 'an input value or the input sum is out of money range' },
  'bad-txns-in-belowout': { scope: 'tx', banScore: 100, description: 'outputs are worth more than inputs' },
  'bad-txns-fee-outofrange': { scope: 'tx', banScore: 100, description: 'fee out of money range' },
  'bad-txns-spend-nonp2tr': { scope: 'tx', banScore: 100, description: 'Cairn: input spends a coin whose script is not P2TR' },
  'bad-sighash-single': {
    scope: 'tx',
    banScore: 100,
    description: 'SIGHASH_SINGLE on an input without a corresponding output (BIP341 makes this invalid)',
  },
  'bad-schnorr-sig': { scope: 'tx', banScore: 100, description: 'BIP340 signature does not verify against the BIP341 sighash' },
});

export type RuleCode = keyof typeof RULE_CODES;

export function isRuleCode(s: string): s is RuleCode {
  return Object.prototype.hasOwnProperty.call(RULE_CODES, s);
}

export class RuleError extends Error {
  readonly code: RuleCode;
  readonly scope: RuleScope;
  readonly corruption: boolean;
  readonly transient: boolean;
  /** What exactly failed, without the code or position. */
  readonly detail: string;
  /** Which transaction (index in the block) and input failed, when known. */
  readonly txIndex: number | undefined;
  readonly inputIndex: number | undefined;

  constructor(code: RuleCode, detail?: string, where?: { txIndex?: number | undefined; inputIndex?: number | undefined }) {
    const info = RULE_CODES[code];
    const at =
      where?.txIndex !== undefined
        ? ` (tx ${where.txIndex}${where.inputIndex !== undefined ? ` input ${where.inputIndex}` : ''})`
        : where?.inputIndex !== undefined
          ? ` (input ${where.inputIndex})`
          : '';
    super(`${code}: ${detail ?? info.description}${at}`);
    this.name = 'RuleError';
    this.detail = detail ?? info.description;
    this.code = code;
    this.scope = info.scope;
    this.corruption = info.corruption;
    this.transient = info.transient;
    this.txIndex = where?.txIndex;
    this.inputIndex = where?.inputIndex;
  }

  /** The same failure attributed to a transaction inside a block. */
  atTx(txIndex: number): RuleError {
    if (this.txIndex !== undefined) return this;
    return new RuleError(this.code, this.detail, { txIndex, inputIndex: this.inputIndex });
  }
}

/** Rethrows `e`, a RuleError from checking tx `txIndex` of a block, told which tx it was. */
export function rethrowAtTx(e: unknown, txIndex: number): never {
  if (e instanceof RuleError) throw e.atTx(txIndex);
  throw e;
}

/**
 * Undo data that does not fit the block it should undo, or a coin view missing an output
 * the block created: the stored chain state is damaged (never a rule failure of the block).
 */
export class UndoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndoError';
  }
}
