// blocktxn (BIP152 BlockTransactions): the transactions a getblocktxn asked for, in the
// order of its indexes, segwit serialization.
import { Tx } from '../../primitives/index.js';
import { MAX_COMPACT_TXS } from '../compact/codec.js';
import { decodeWith, encodeWith, writeHash } from './codec.js';

export const MAX_PAYLOAD = 4_000_000;

const MIN_TX_BYTES = 10;

export interface BlocktxnMessage {
  readonly blockHash: Uint8Array;
  readonly txs: readonly Tx[];
}

export function encode(m: BlocktxnMessage): Uint8Array {
  if (m.txs.length > MAX_COMPACT_TXS) throw new RangeError(`p2p: blocktxn of more than ${MAX_COMPACT_TXS} transactions`);
  let size = 32 + 5;
  for (const t of m.txs) size += t.size;
  const out = encodeWith(size, (w) => {
    writeHash(w, m.blockHash, 'block hash');
    w.varint(m.txs.length);
    for (const t of m.txs) w.bytes(t.encode());
  });
  if (out.length > MAX_PAYLOAD) throw new RangeError('p2p: blocktxn larger than MAX_PAYLOAD');
  return out;
}

export function decode(payload: Uint8Array): BlocktxnMessage {
  return decodeWith(payload, (r) => {
    const blockHash = r.copy(32);
    const n = r.count(MIN_TX_BYTES, MAX_COMPACT_TXS);
    const txs: Tx[] = new Array(n);
    for (let i = 0; i < n; i++) txs[i] = Tx.read(r);
    return { blockHash, txs };
  });
}
