// getblocktxn (BIP152 BlockTransactionsRequest): the transactions of a compact block the
// receiver could not find, by differentially encoded index, strictly increasing.
import { MAX_COMPACT_TXS, readDiffIndex, toDifferential } from '../compact/codec.js';
import { decodeWith, encodeWith, writeHash } from './codec.js';

/** block hash, count, and at most MAX_COMPACT_TXS indexes of ≤ 3 bytes each */
export const MAX_PAYLOAD = 32 + 5 + MAX_COMPACT_TXS * 3;

export interface GetblocktxnMessage {
  readonly blockHash: Uint8Array;
  /** absolute, strictly increasing */
  readonly indexes: readonly number[];
}

export function encode(m: GetblocktxnMessage): Uint8Array {
  if (m.indexes.length > MAX_COMPACT_TXS) throw new RangeError(`p2p: getblocktxn of more than ${MAX_COMPACT_TXS} indexes`);
  const diffs = toDifferential(m.indexes);
  return encodeWith(32 + 5 + diffs.length * 3, (w) => {
    writeHash(w, m.blockHash, 'block hash');
    w.varint(diffs.length);
    for (const d of diffs) w.varint(d);
  });
}

export function decode(payload: Uint8Array): GetblocktxnMessage {
  return decodeWith(payload, (r) => {
    const blockHash = r.copy(32);
    const n = r.count(1, MAX_COMPACT_TXS);
    const indexes: number[] = new Array(n);
    let prev = -1;
    for (let i = 0; i < n; i++) prev = indexes[i] = readDiffIndex(r, prev);
    return { blockHash, indexes };
  });
}
