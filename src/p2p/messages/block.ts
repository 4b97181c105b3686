// block: one full block in segwit serialization, sent in answer to getdata.
import { Block } from '../../primitives/index.js';

/**
 * A block's weight is at most 4,000,000 and its serialized size never exceeds its weight,
 * so no valid block is larger than this; anything larger is refused before decoding.
 */
export const MAX_PAYLOAD = 4_000_000;

export interface BlockMessage {
  readonly block: Block;
}

export function encode(m: BlockMessage): Uint8Array {
  const b = m.block.encode();
  if (b.length > MAX_PAYLOAD) throw new RangeError('p2p: block larger than MAX_PAYLOAD');
  return b;
}

export function decode(payload: Uint8Array): BlockMessage {
  return { block: Block.decode(payload) };
}
