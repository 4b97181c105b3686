// cairn-devnet: a local network of real cairnd processes on the devnet, for watching a
// distributed ledger work, breaking it (kills, partitions, latency, network namespaces)
// and seeing it heal. A client of cairnd's HTTP API and of the cairn-wallet CLI: it may
// import only src/primitives. Every refusal is a DevnetError with a stable code; the state
// file (<dir>/state.json) is written atomically after every change of a process, so an
// interrupted command leaves a devnet that `status`, `down` and `reset` still understand.
export { DevnetError, type DevnetErrorCode } from './errors.js';
export * from './state.js';
export * from './topology.js';
export { NodeClient, type NodeInfo, type UtxoSetInfo, type ChainTip, type FetchFn } from './api.js';
export { launchNode, stopNode, killNode, waitReady, cairndArgs, toolsAt, logPath, type Tools, type Progress, type LaunchOptions } from './launcher.js';
export * from './devnet.js';
export * from './faults.js';
export * from './spam.js';
export * from './status.js';
export * from './hosts.js';
export { createWallet, walletBalance, walletJson, walletNewAddress, walletSend, runWallet, type WalletContext, type WalletBalance } from './wallets.js';
export { runDevnet, parseUpOptions, parseIntArg, type DevnetIo } from './program.js';
