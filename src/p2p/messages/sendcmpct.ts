// sendcmpct (BIP152): the sender supports compact blocks of `version` and, with
// `announce` 1, asks to be sent new blocks as cmpctblock right away (high-bandwidth mode).
// Cairn speaks version 2 only (short ids from wtxids); other versions are ignored above
// the codec, as BIP152 says.
import { DecodeError } from '../../primitives/index.js';
import { checkU64, decodeWith, encodeWith } from './codec.js';

export const MAX_PAYLOAD = 9;

export interface SendcmpctMessage {
  readonly announce: boolean;
  readonly version: bigint;
}

export function encode(m: SendcmpctMessage): Uint8Array {
  return encodeWith(9, (w) => w.u8(m.announce ? 1 : 0).u64(checkU64(m.version, 'sendcmpct version')));
}

export function decode(payload: Uint8Array): SendcmpctMessage {
  return decodeWith(payload, (r) => {
    const a = r.u8();
    if (a > 1) throw new DecodeError('bad-flag', `decode: sendcmpct announce must be 0 or 1, got ${a}`);
    return { announce: a === 1, version: r.u64() };
  });
}
