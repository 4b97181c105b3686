// Grinding header nonces: the one loop both the miner's worker threads (miner-worker.ts)
// and mineHeader (generate() on regtest, tests, benches) run. Pure apart from hashing.
import { type BlockHeader, sha256d } from '../primitives/index.js';
import { hashAtOrBelow, targetFromBits, targetToBytesLE, type ConsensusParams } from '../consensus/index.js';

export interface GrindResult {
  /** the first nonce whose hash meets the target, or -1 */
  found: number;
  /** nonces tried */
  hashes: number;
}

/**
 * Tries `count` nonces from `start` (wrapping at 2^32) on the 80-byte header `raw`, which
 * it overwrites at bytes 76..79; stops at the first whose sha256d is at or below
 * `targetLE` (the target as 32 little-endian bytes).
 */
export function grindNonces(raw: Uint8Array, targetLE: Uint8Array, start: number, count: number): GrindResult {
  if (raw.length !== 80) throw new RangeError(`grind: a header is 80 bytes, got ${raw.length}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < count; i++) {
    const nonce = (start + i) >>> 0;
    view.setUint32(76, nonce, true);
    if (hashAtOrBelow(sha256d(raw), targetLE)) return { found: nonce, hashes: i + 1 };
  }
  return { found: -1, hashes: count };
}

/**
 * Tries nonces from header.nonce upward until the hash meets the target; throws if
 * `maxTries` nonces fail. A test/regtest helper, not a miner: single-threaded, no time roll.
 */
export function mineHeader(header: BlockHeader, params: Pick<ConsensusParams, 'powLimit'>, maxTries = 0x1_0000_0000): BlockHeader {
  const target = targetFromBits(header.bits, params);
  if (target === undefined) throw new RangeError('coinbase: header nBits is not a valid target');
  const { found } = grindNonces(header.encode(), targetToBytesLE(target), header.nonce, maxTries);
  if (found < 0) throw new RangeError(`coinbase: no nonce found in ${maxTries} tries`);
  return header.with({ nonce: found });
}
