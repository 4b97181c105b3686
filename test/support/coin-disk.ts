// A coin store for CoinCache tests: coins by outpointMapKey in a Map, written by applying
// a flush's ops as LevelDB would (the key is the coin prefix, the txid and the vout).
import type { CoinCache } from '../../src/chain/index.js';
import { decodeCoin } from '../../src/chain/layout.js';
import type { Coin } from '../../src/consensus/index.js';
import { outpointMapKey } from '../../src/primitives/index.js';

/** Writes the cache's flush into `disk` and tells the cache it was written. */
export function applyFlush(disk: Map<string, Coin>, cache: CoinCache): void {
  for (const op of cache.flushOps()) {
    const k = outpointMapKey({ txid: op.key.slice(1, 33), vout: new DataView(op.key.buffer, op.key.byteOffset).getUint32(33, false) });
    if (op.type === 'del') disk.delete(k);
    else disk.set(k, decodeCoin(op.value));
  }
  cache.markFlushed();
}
