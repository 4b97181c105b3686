// Script numbers and the BIP34 height push: the one encoding that both the block rules
// (checkBlockContext compares the coinbase prefix) and the builders of coinbases (genesis,
// the miner's template) need. It imports nothing of consensus, so genesis and params can
// use it without the import circle params → genesis → coinbase → params.
import { concatBytes } from '../primitives/index.js';

const OP_0 = 0x00;
const OP_1 = 0x51;

/** CScriptNum serialization: minimal little-endian magnitude with a sign bit. */
export function scriptNumEncode(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError('coinbase: script number must be a safe integer');
  if (n === 0) return new Uint8Array(0);
  const neg = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs % 256);
    abs = Math.floor(abs / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0x00);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/**
 * The BIP34 prefix every coinbase scriptSig starts with: `CScript() << height`, i.e.
 * OP_0 for 0, OP_1..OP_16 for 1..16, else a direct push of the minimal CScriptNum.
 */
export function encodeHeightPush(height: number): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError('coinbase: height must be a non-negative integer');
  if (height === 0) return Uint8Array.of(OP_0);
  if (height <= 16) return Uint8Array.of(OP_1 - 1 + height);
  const num = scriptNumEncode(height);
  return concatBytes(Uint8Array.of(num.length), num);
}
