// sendheaders: asks the peer to announce new blocks with headers instead of inv,
// which saves a round trip per block.
import { decodeEmpty, EMPTY } from './codec.js';

export const MAX_PAYLOAD = 0;

export type SendheadersMessage = Record<never, never>;

export function encode(_m?: SendheadersMessage): Uint8Array {
  return EMPTY;
}

export function decode(payload: Uint8Array): SendheadersMessage {
  decodeEmpty(payload);
  return {};
}
