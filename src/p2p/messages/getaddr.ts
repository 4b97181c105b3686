// getaddr: asks for known peer addresses (answered with addr). Answered once per
// connection so it cannot be used to scrape the whole address manager.
import { decodeEmpty, EMPTY } from './codec.js';

export const MAX_PAYLOAD = 0;

export type GetaddrMessage = Record<never, never>;

export function encode(_m?: GetaddrMessage): Uint8Array {
  return EMPTY;
}

export function decode(payload: Uint8Array): GetaddrMessage {
  decodeEmpty(payload);
  return {};
}
