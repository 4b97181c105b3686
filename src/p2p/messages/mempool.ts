// mempool: asks the peer to announce (inv) the transactions in its mempool, so a
// freshly started node learns pending transactions without waiting for new relay.
import { decodeEmpty, EMPTY } from './codec.js';

export const MAX_PAYLOAD = 0;

export type MempoolMessage = Record<never, never>;

export function encode(_m?: MempoolMessage): Uint8Array {
  return EMPTY;
}

export function decode(payload: Uint8Array): MempoolMessage {
  decodeEmpty(payload);
  return {};
}
