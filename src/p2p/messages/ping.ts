// ping: liveness probe; the peer must answer with a pong carrying the same nonce
// before the ping timeout, or it is disconnected as stalled.
import { BufWriter } from '../../primitives/index.js';
import { checkU64, decodeWith } from './codec.js';

export const MAX_PAYLOAD = 8;

export interface PingMessage {
  readonly nonce: bigint;
}

export function encode(m: PingMessage): Uint8Array {
  return new BufWriter(8).u64(checkU64(m.nonce, 'nonce')).finish();
}

export function decode(payload: Uint8Array): PingMessage {
  return decodeWith(payload, (r) => ({ nonce: r.u64() }));
}
