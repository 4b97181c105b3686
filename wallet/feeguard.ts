// The wallet's guard against absurd fees, like Bitcoin Core's -maxtxfee: a transaction
// whose fee is more than MAX_FEE (0.1 coin, Core's default maxtxfee) or more than a tenth
// of what it pays out (issue #19) is refused unless the user says --force. A mistyped
// --fee-rate (2000 for 2) or a small --subtract-fee payment are what it catches.
import { formatAmount } from './amount.js';
import { WalletError } from './errors.js';

/** 0.1 coin in base units: Bitcoin Core's default -maxtxfee. */
export const MAX_FEE = 10_000_000n;
/** The fee may be at most this fraction of the amount paid out: 1/10. */
export const MAX_FEE_SHARE_DENOMINATOR = 10n;

/** Why `fee` for paying out `sent` is absurd, or null when it is not. Pure, for tests. */
export function absurdFee(fee: bigint, sent: bigint): string | null {
  if (fee > MAX_FEE) return `the fee ${formatAmount(fee)} is more than ${formatAmount(MAX_FEE)}`;
  if (fee * MAX_FEE_SHARE_DENOMINATOR > sent) return `the fee ${formatAmount(fee)} is more than 10 % of the ${formatAmount(sent)} being sent`;
  return null;
}

/** Throws 'fee-too-high' for an absurd fee unless `force`. */
export function checkFee(fee: bigint, sent: bigint, force: boolean | undefined): void {
  if (force) return;
  const why = absurdFee(fee, sent);
  if (why) {
    throw new WalletError('fee-too-high', `refusing to send: ${why}`, 'check --fee-rate (base units per vbyte); pass --force to pay it anyway. Nothing was sent');
  }
}
