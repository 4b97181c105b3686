// One error type for everything cairn-devnet refuses, with a stable code and a hint for
// the person at the terminal. The CLI prints message + hint and exits 1; nothing else
// in devnet/ exits the process.

export type DevnetErrorCode =
  | 'bad-usage'
  | 'no-devnet'
  | 'already-running'
  | 'unknown-node'
  | 'not-running'
  | 'node-unreachable'
  | 'node-error'
  | 'timeout'
  | 'start-failed'
  | 'port-in-use'
  | 'wallet-error'
  | 'state-corrupt'
  | 'not-root'
  | 'unsupported';

export class DevnetError extends Error {
  constructor(
    readonly code: DevnetErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DevnetError';
  }
}
