// Randomness as a dependency, like the clock: production passes cryptoRng, tests and
// simulations pass a seeded generator so runs are reproducible.
import { randomBytes } from 'node:crypto';

export interface Rng {
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  bytes(n: number): Uint8Array;
  /** Uniform 64-bit unsigned integer. */
  u64(): bigint;
}

function fromBytes(bytes: (n: number) => Uint8Array): Rng {
  const u32 = (): number => {
    const b = bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  };
  const float = (): number => (u32() * 2 ** 21 + (u32() >>> 11)) / 2 ** 53;
  return {
    float,
    int(n) {
      if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError('rng: n must be a positive integer');
      return Math.floor(float() * n);
    },
    bytes,
    u64() {
      return (BigInt(u32()) << 32n) | BigInt(u32());
    },
  };
}

export const cryptoRng: Rng = fromBytes((n) => new Uint8Array(randomBytes(n)));

/** Deterministic generator (xorshift128+ seeded through splitmix64). Not for keys. */
export function seededRng(seed: number | bigint): Rng {
  const M = (1n << 64n) - 1n;
  let x = BigInt.asUintN(64, BigInt(seed));
  const splitmix = (): bigint => {
    x = (x + 0x9e3779b97f4a7c15n) & M;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  let s0 = splitmix();
  let s1 = splitmix();
  const next = (): bigint => {
    let a = s0;
    const b = s1;
    s0 = b;
    a = (a ^ (a << 23n)) & M;
    s1 = a ^ b ^ (a >> 17n) ^ (b >> 26n);
    return (s1 + b) & M;
  };
  return fromBytes((n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let v = next();
      for (let j = i; j < Math.min(n, i + 8); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  });
}
