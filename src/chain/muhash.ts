// MuHash3072 (as Bitcoin Core's crypto/muhash.cpp): a multiset hash over the UTXO set.
// Adding or removing one coin is one 3072-bit modular multiplication, so the digest of
// any size of set is kept current on every connect and disconnect, and two nodes with the
// same coins have the same digest whatever history led there.
import { createCipheriv, createHash } from 'node:crypto';
import { sha256 } from '../primitives/index.js';

const BITS = 3072n;
const MASK = (1n << BITS) - 1n;
const C = 1103717n;
/** The largest 3072-bit safe prime, 2^3072 - 1103717. */
export const MUHASH_PRIME = (1n << BITS) - C;

function reduce(x: bigint): bigint {
  // 2^3072 ≡ C (mod P): fold the high part down twice, then one conditional subtract.
  x = (x & MASK) + (x >> BITS) * C;
  x = (x & MASK) + (x >> BITS) * C;
  return x >= MUHASH_PRIME ? x - MUHASH_PRIME : x;
}

function mulmod(a: bigint, b: bigint): bigint {
  return reduce(a * b);
}

function leToBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).reverse().toString('hex') || '0'));
}

function bigIntToLe(x: bigint, len: number): Uint8Array {
  const hex = x.toString(16).padStart(len * 2, '0');
  return new Uint8Array(Buffer.from(hex, 'hex').reverse());
}

const ZERO_IV = Buffer.alloc(16);
const ZERO_384 = Buffer.alloc(384);

/** Maps a set element to a 3072-bit number: ChaCha20 keystream keyed by sha256(element). */
export function elementToNum(data: Uint8Array): bigint {
  const key = sha256(data);
  // The keystream is ours: reverse it in place (little-endian) rather than copying it.
  const stream = createCipheriv('chacha20', key, ZERO_IV).update(ZERO_384).reverse();
  const x = BigInt('0x' + stream.toString('hex'));
  return x >= MUHASH_PRIME ? x - MUHASH_PRIME : x; // x < 2^3072 < 2P: one subtraction reduces it
}

function modpow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = mulmod(result, b);
    b = mulmod(b, b);
    e >>= 1n;
  }
  return result;
}

/** Numerator/denominator form: removal multiplies the denominator, so no inverse per op. */
export class MuHash3072 {
  constructor(
    public numerator = 1n,
    public denominator = 1n,
  ) {}

  insert(data: Uint8Array): void {
    this.numerator = mulmod(this.numerator, elementToNum(data));
  }

  remove(data: Uint8Array): void {
    this.denominator = mulmod(this.denominator, elementToNum(data));
  }

  /** Multiplies a pre-hashed element in; lets a block's elements be combined first. */
  insertNum(n: bigint): void {
    this.numerator = mulmod(this.numerator, n);
  }

  removeNum(n: bigint): void {
    this.denominator = mulmod(this.denominator, n);
  }

  combine(other: MuHash3072): void {
    this.numerator = mulmod(this.numerator, other.numerator);
    this.denominator = mulmod(this.denominator, other.denominator);
  }

  /** sha256 of the 384-byte little-endian value numerator / denominator (Core's Finalize). */
  finalize(): Uint8Array {
    const inv = modpow(this.denominator, MUHASH_PRIME - 2n);
    const value = mulmod(this.numerator, inv);
    // Keep the state compact: after finalizing, the quotient is the whole state.
    this.numerator = value;
    this.denominator = 1n;
    return new Uint8Array(createHash('sha256').update(bigIntToLe(value, 384)).digest());
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(768);
    out.set(bigIntToLe(this.numerator, 384), 0);
    out.set(bigIntToLe(this.denominator, 384), 384);
    return out;
  }

  static deserialize(bytes: Uint8Array): MuHash3072 {
    if (bytes.length !== 768) throw new Error('muhash: serialized state must be 768 bytes');
    return new MuHash3072(leToBigInt(bytes.subarray(0, 384)), leToBigInt(bytes.subarray(384)));
  }

  clone(): MuHash3072 {
    return new MuHash3072(this.numerator, this.denominator);
  }
}

export { mulmod as muhashMulmod };
