// One error type for everything the wallet refuses. `code` is stable (tests and scripts
// match on it); `hint` tells a human what to do next. The CLI prints both and exits
// non-zero; nothing is written to the wallet file when one is thrown.

export type WalletErrorCode =
  | 'bad-passphrase'
  | 'weak-passphrase'
  | 'bad-wallet-file'
  | 'wallet-exists'
  | 'no-wallet'
  | 'bad-mnemonic'
  | 'bad-xpub'
  | 'bad-amount'
  | 'bad-fee-rate'
  | 'bad-address'
  | 'wrong-network'
  | 'dust'
  | 'insufficient-funds'
  | 'node-unreachable'
  | 'node-untrusted'
  | 'node-error'
  | 'node-rejected'
  | 'not-found'
  | 'watch-only'
  | 'bad-psbt'
  | 'not-replaceable'
  | 'fee-rate-too-low'
  | 'fee-too-high'
  | 'no-file'
  | 'bad-input'
  | 'aborted';

export class WalletError extends Error {
  readonly code: WalletErrorCode;
  readonly hint: string | undefined;
  constructor(code: WalletErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
    this.hint = hint;
  }
}
