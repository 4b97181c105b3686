// tx: one transaction in segwit serialization, relayed in answer to getdata.
import { Tx } from '../../primitives/index.js';

/**
 * Relay is policy: like Bitcoin's MAX_STANDARD_TX_WEIGHT (400,000), no relayable
 * transaction is larger, so bigger payloads are refused before decoding. Larger
 * (non-standard) transactions still travel inside blocks.
 */
export const MAX_PAYLOAD = 400_000;

export interface TxMessage {
  readonly tx: Tx;
}

export function encode(m: TxMessage): Uint8Array {
  const b = m.tx.encode();
  if (b.length > MAX_PAYLOAD) throw new RangeError('p2p: transaction larger than MAX_PAYLOAD');
  return b;
}

export function decode(payload: Uint8Array): TxMessage {
  return { tx: Tx.decode(payload) };
}
