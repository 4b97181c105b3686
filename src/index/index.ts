// Indexes: a chain client that records where each confirmed tx sits (txid → block,
// position), every confirmed output (kept after it is spent) with its spender, and which
// txs touched each script, in its own LevelDB under <datadir>/indexes.
// Error contract: IndexError with a code; 'db-*' means the index must be deleted and is
// rebuilt from the chain at the next start. Queries never throw for unknown keys: they
// return undefined or empty lists.
// Invariants: the indexed tip is always a block the chain stored; after idle() resolves
// the index describes exactly the chain's active path up to the tip of that moment.
// Reorgs and crashes are repaired by walking from the indexed tip to the chain tip.
// Files: indexer.ts (following the chain, writing and querying), layout.ts (keys and
// record codecs), types.ts (options, events, results, IndexError). Blocks are read through
// Chain.getBlock, whose recent-block cache holds the ones just connected or disconnected.
export { Indexer, IndexError } from './indexer.js';
export type { IndexerOptions, IndexedBlock, IndexerEvents, AddressStats, AddressOutput, HistoryItem } from './indexer.js';
export { scriptHash } from './layout.js';
export type { IndexedOutput, Spender, TxLocation } from './layout.js';
