// cmpctblock (BIP152 HeaderAndShortIDs): a block as its header, a nonce, the 6-byte short
// ids of its transactions and a few prefilled transactions (at least the coinbase) with
// differentially encoded indexes. Decoding checks every bound before allocating: at most
// MAX_COMPACT_TXS transactions in all, prefilled indexes inside the block and ≤ 65,535.
import { BlockHeader, DecodeError, Tx } from '../../primitives/index.js';
import { MAX_COMPACT_TXS, SHORT_ID_SIZE, readDiffIndex, readShortId, toDifferential, writeShortId } from '../compact/codec.js';
import { checkU64, decodeWith, encodeWith } from './codec.js';

/** No larger than a block: honest senders prefill only what the receiver likely lacks. */
export const MAX_PAYLOAD = 4_000_000;

/** Smallest decodable transaction (as Block.decode). */
const MIN_TX_BYTES = 10;

export interface PrefilledTx {
  /** absolute index in the block */
  readonly index: number;
  readonly tx: Tx;
}

export interface CmpctblockMessage {
  readonly header: BlockHeader;
  readonly nonce: bigint;
  /** 48-bit short ids, in block order of the transactions not prefilled */
  readonly shortIds: readonly number[];
  /** in increasing index order */
  readonly prefilled: readonly PrefilledTx[];
}

export function encode(m: CmpctblockMessage): Uint8Array {
  const total = m.shortIds.length + m.prefilled.length;
  if (total > MAX_COMPACT_TXS) throw new RangeError(`p2p: compact block of more than ${MAX_COMPACT_TXS} transactions`);
  const diffs = toDifferential(m.prefilled.map((p) => p.index));
  if (m.prefilled.length > 0 && m.prefilled[m.prefilled.length - 1]!.index >= total) throw new RangeError('p2p: prefilled index beyond the block');
  let size = 80 + 8 + 10 + m.shortIds.length * SHORT_ID_SIZE;
  for (const p of m.prefilled) size += 3 + p.tx.size;
  const out = encodeWith(size, (w) => {
    m.header.write(w);
    w.u64(checkU64(m.nonce, 'nonce'));
    w.varint(m.shortIds.length);
    for (const id of m.shortIds) writeShortId(w, id);
    w.varint(m.prefilled.length);
    m.prefilled.forEach((p, i) => {
      w.varint(diffs[i]!);
      w.bytes(p.tx.encode());
    });
  });
  if (out.length > MAX_PAYLOAD) throw new RangeError('p2p: cmpctblock larger than MAX_PAYLOAD');
  return out;
}

export function decode(payload: Uint8Array): CmpctblockMessage {
  return decodeWith(payload, (r) => {
    const header = BlockHeader.read(r);
    const nonce = r.u64();
    const nShort = r.count(SHORT_ID_SIZE, MAX_COMPACT_TXS);
    const shortIds: number[] = new Array(nShort);
    for (let i = 0; i < nShort; i++) shortIds[i] = readShortId(r);
    const nPre = r.count(1 + MIN_TX_BYTES, MAX_COMPACT_TXS - nShort);
    const total = nShort + nPre;
    if (total === 0) throw new DecodeError('empty', 'decode: compact block without transactions');
    const prefilled: PrefilledTx[] = new Array(nPre);
    let prev = -1;
    for (let i = 0; i < nPre; i++) {
      const index = readDiffIndex(r, prev);
      if (index >= total) throw new DecodeError('bad-index', `decode: prefilled index ${index} beyond the block's ${total} transactions`);
      prefilled[i] = { index, tx: Tx.read(r) };
      prev = index;
    }
    return { header, nonce, shortIds, prefilled };
  });
}
