// pong: the answer to ping, echoing its nonce (a pong with an unknown nonce is ignored).
import { BufWriter } from '../../primitives/index.js';
import { checkU64, decodeWith } from './codec.js';

export const MAX_PAYLOAD = 8;

export interface PongMessage {
  readonly nonce: bigint;
}

export function encode(m: PongMessage): Uint8Array {
  return new BufWriter(8).u64(checkU64(m.nonce, 'nonce')).finish();
}

export function decode(payload: Uint8Array): PongMessage {
  return decodeWith(payload, (r) => ({ nonce: r.u64() }));
}
