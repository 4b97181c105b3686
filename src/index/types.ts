// What the indexer tells its callers: its options, events, query results and errors.
import type { OutPoint } from '../primitives/index.js';
import type { Chain } from '../chain/index.js';
import type { IndexedOutput, Spender } from './layout.js';

export class IndexError extends Error {
  constructor(
    readonly code: 'db-locked' | 'db-corrupt' | 'db-foreign' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'IndexError';
  }
}

export interface IndexerOptions {
  chain: Chain;
  /** LevelDB directory, conventionally <datadir>/indexes */
  path: string;
  /** most blocks written in one batch while catching up */
  batchBlocks?: number;
  /** called with unexpected errors of the background sync (the node logs and stops) */
  onError?: (e: unknown) => void;
}

export interface IndexedBlock {
  hash: string;
  height: number;
  /** script hex → txids (display hex) of this block that paid to or spent from it */
  touched: Map<string, string[]>;
}

export interface IndexerEvents {
  connect: [IndexedBlock];
  disconnect: [IndexedBlock];
}

export interface AddressStats {
  funded_txo_count: number;
  funded_txo_sum: bigint;
  spent_txo_count: number;
  spent_txo_sum: bigint;
  tx_count: number;
}

export interface AddressOutput {
  outpoint: OutPoint;
  output: IndexedOutput;
  spender: Spender | undefined;
}

export interface HistoryItem {
  txid: Uint8Array;
  height: number;
  pos: number;
}
