// headers: up to 2,000 consecutive block headers, the unit of headers-first sync. As in
// Bitcoin each header is followed by a transaction count that must be 0: the format
// reuses the block encoding, but a headers message never carries transactions.
import { BlockHeader, DecodeError, HEADER_SIZE, MAX_HEADERS } from '../../primitives/index.js';
import { decodeWith, encodeWith } from './codec.js';

export { MAX_HEADERS } from '../../primitives/index.js';
export const MAX_PAYLOAD = 3 + MAX_HEADERS * (HEADER_SIZE + 1);

export interface HeadersMessage {
  readonly headers: readonly BlockHeader[];
}

export function encode(m: HeadersMessage): Uint8Array {
  if (m.headers.length > MAX_HEADERS) throw new RangeError(`p2p: more than ${MAX_HEADERS} headers`);
  return encodeWith(3 + m.headers.length * (HEADER_SIZE + 1), (w) => {
    w.varint(m.headers.length);
    for (const h of m.headers) {
      h.write(w);
      w.u8(0);
    }
  });
}

export function decode(payload: Uint8Array): HeadersMessage {
  return decodeWith(payload, (r) => {
    const n = r.count(HEADER_SIZE + 1, MAX_HEADERS);
    const headers: BlockHeader[] = new Array(n);
    for (let i = 0; i < n; i++) {
      headers[i] = BlockHeader.read(r);
      if (r.varint() !== 0) throw new DecodeError('headers-with-txs', 'decode: headers message entry has a non-zero tx count');
    }
    return { headers };
  });
}
