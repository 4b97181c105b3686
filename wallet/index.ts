// Cairn's light wallet: BIP39/BIP86 keys, an encrypted wallet file, and a client of
// cairnd's Esplora-style REST API. It imports only src/primitives, never node internals.
// Errors: every refusal is a WalletError{code, hint}; the wallet file is written only
// after an operation succeeds (atomically, mode 0600), so failures change nothing.
// Amounts are bigint base units throughout; text amounts are parsed without floats.
export * from './errors.js';
export * from './amount.js';
export * from './keys.js';
export * from './keystore.js';
export * from './state.js';
export * from './client.js';
export { selectCoins, branchAndBound, txWeight, P2TR_INPUT_WEIGHT, P2TR_OUTPUT_WEIGHT, TX_OVERHEAD_WEIGHT } from './coinselect.js';
export type { Coin, SelectOptions, Selection, Payment as SelectPayment } from './coinselect.js';
export * from './builder.js';
export * from './psbt.js';
export * from './wallet.js';
export { runCli, buildProgram, toJson } from './program.js';
export type { CliIo } from './io.js';
export { processIo } from './io.js';
