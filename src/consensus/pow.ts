// Proof of work: Bitcoin's compact target encoding (nBits) and work arithmetic.
// decodeCompact/encodeCompact reproduce arith_uint256::SetCompact/GetCompact bit for bit,
// including the sign bit, 256-bit truncation and overflow flag, because nBits values are
// consensus data and "almost the same" decoding would fork.

/**
 * The one parameter the proof-of-work checks read. A ConsensusParams fits; pow.ts does not
 * import params.ts, which imports encodeCompact from here.
 */
export interface PowLimit {
  readonly powLimit: bigint;
}

const TWO_256 = 1n << 256n;

export interface CompactTarget {
  readonly target: bigint;
  readonly negative: boolean;
  readonly overflow: boolean;
}

/** arith_uint256::SetCompact. The target is reduced mod 2^256 exactly as the C++ shift does. */
export function decodeCompact(bits: number): CompactTarget {
  const compact = bits >>> 0;
  const size = compact >>> 24;
  let word = compact & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt.asUintN(256, BigInt(word) << BigInt(8 * (size - 3)));
  }
  const negative = word !== 0 && (compact & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** arith_uint256::GetCompact: the shortest nBits for `target` (0 <= target < 2^256). */
export function encodeCompact(target: bigint, negative = false): number {
  if (target < 0n || target >= TWO_256) throw new RangeError('pow: target must be in [0, 2^256)');
  let size = Math.floor((bitLength(target) + 7) / 8);
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number((target >> BigInt(8 * (size - 3))) & 0xffffffffn);
  // The mantissa is signed: if its top bit would be set, use one more byte of exponent.
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  compact = (compact | (size << 24)) >>> 0;
  if (negative && (compact & 0x007fffff) !== 0) compact = (compact | 0x00800000) >>> 0;
  return compact >>> 0;
}

/** A hash (internal byte order) as the little-endian 256-bit number PoW compares. */
export function hashToBigInt(hash: Uint8Array): bigint {
  let hex = '';
  for (let i = hash.length - 1; i >= 0; i--) hex += (hash[i]! < 16 ? '0' : '') + hash[i]!.toString(16);
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** A target as 32 little-endian bytes, the layout hashes are compared in. */
export function targetToBytesLE(target: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let t = target;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return out;
}

/** hash <= target, both little-endian 32 bytes; no bigint, for grinding loops. */
export function hashAtOrBelow(hash: Uint8Array, targetLE: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (hash[i]! !== targetLE[i]!) return hash[i]! < targetLE[i]!;
  }
  return true;
}

/** The target nBits encodes, or undefined when it is not a usable target under `params`. */
export function targetFromBits(bits: number, params: PowLimit): bigint | undefined {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > params.powLimit) return undefined;
  return target;
}

/** CheckProofOfWork: nBits is a target in (0, powLimit] and the hash is at or below it. */
export function checkProofOfWork(hash: Uint8Array, bits: number, params: PowLimit): boolean {
  const target = targetFromBits(bits, params);
  if (target === undefined) return false;
  return hashToBigInt(hash) <= target;
}

/** Expected number of hashes for a block at this nBits: 2^256 / (target + 1) (GetBlockProof). */
export function blockWork(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}
