// verack: acknowledges the peer's version; the handshake is complete once each side has
// received the other's version and verack.
import { decodeEmpty, EMPTY } from './codec.js';

export const MAX_PAYLOAD = 0;

export type VerackMessage = Record<never, never>;

export function encode(_m?: VerackMessage): Uint8Array {
  return EMPTY;
}

export function decode(payload: Uint8Array): VerackMessage {
  decodeEmpty(payload);
  return {};
}
