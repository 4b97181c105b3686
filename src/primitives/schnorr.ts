// BIP340 Schnorr signatures and BIP341 key tweaks (key path only, optional merkle root).
// Two verifiers behind one interface: libsecp256k1 compiled to WASM (tiny-secp256k1,
// ~10x faster, what the node uses) and @noble/secp256k1 (pure JS, an independent
// implementation that tests cross-check against). verify() never throws: malformed
// signatures, keys or messages are simply invalid. Signing and tweaking throw
// TypeError/RangeError on bad keys.
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as tiny from 'tiny-secp256k1';
import { taggedHash } from './hash.js';

// noble v3 ships without sync hashing; its sync sign/verify throw until these are set.
secp.hashes.sha256 = (msg) => nobleSha256(msg);
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);

const CURVE_N = secp.Point.CURVE().n;

export interface SchnorrVerifier {
  readonly name: string;
  /** BIP340 verification; false (never an exception) for anything malformed. */
  verify(sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array): boolean;
}

export const nobleVerifier: SchnorrVerifier = {
  name: 'noble',
  verify(sig, msg, pubkey) {
    if (!(sig instanceof Uint8Array) || !(msg instanceof Uint8Array) || !(pubkey instanceof Uint8Array)) return false;
    if (sig.length !== 64 || pubkey.length !== 32) return false;
    try {
      return secp.schnorr.verify(sig, msg, pubkey);
    } catch {
      return false;
    }
  },
};

export const wasmVerifier: SchnorrVerifier = {
  name: 'wasm',
  verify(sig, msg, pubkey) {
    if (!(sig instanceof Uint8Array) || !(msg instanceof Uint8Array) || !(pubkey instanceof Uint8Array)) return false;
    if (sig.length !== 64 || pubkey.length !== 32) return false;
    // tiny-secp256k1 takes only 32-byte messages (all Cairn signs is a 32-byte sighash),
    // and refuses r >= n although BIP340 only needs r < p. Neither occurs on the hot path;
    // hand those rare inputs to noble so this verifier still implements BIP340 exactly.
    if (msg.length !== 32) return nobleVerifier.verify(sig, msg, pubkey);
    try {
      return tiny.verifySchnorr(msg, pubkey, sig);
    } catch {
      return nobleVerifier.verify(sig, msg, pubkey);
    }
  },
};

export const defaultVerifier: SchnorrVerifier = wasmVerifier;

function assertSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32 || !secp.utils.isValidSecretKey(secretKey)) {
    throw new RangeError('schnorr: secret key must be 32 bytes in [1, n-1]');
  }
}

/** BIP340 signature. Without auxRand noble draws fresh randomness (BIP340's recommendation). */
export function signSchnorr(msg: Uint8Array, secretKey: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  assertSecretKey(secretKey);
  if (auxRand !== undefined && auxRand.length !== 32) throw new RangeError('schnorr: auxRand must be 32 bytes');
  if (msg.length !== 32) return secp.schnorr.sign(msg, secretKey, auxRand);
  // libsecp256k1 (WASM) signs a 32-byte message (every sighash) in ~1/14 of noble's time
  // (noble re-verifies with an unprecomputed public key: ~3.5 ms a signature, which held
  // `cairn-devnet spam` to a few hundred tx/s of CPU). The same BIP340 signature (the
  // tests compare both); like noble, the result is verified before it leaves, so a fault
  // while signing can never publish a signature that leaks the key.
  const aux = auxRand ?? globalThis.crypto.getRandomValues(new Uint8Array(32));
  const sig = tiny.signSchnorr(msg, secretKey, aux);
  if (!tiny.verifySchnorr(msg, tiny.xOnlyPointFromScalar(secretKey), sig)) throw new Error('schnorr: the signature did not verify (fault while signing)');
  return sig;
}

export function xOnlyPubkey(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey);
  return secp.schnorr.getPublicKey(secretKey);
}

function bytesToBigInt(b: Uint8Array): bigint {
  return secp.etc.bytesToNumberBE(b);
}

function bigIntTo32(n: bigint): Uint8Array {
  const hex = n.toString(16).padStart(64, '0');
  return secp.etc.hexToBytes(hex);
}

/** t = hash_TapTweak(P || merkle_root); BIP86 (no script tree) hashes P alone. */
export function taprootTweak(internalKey: Uint8Array, merkleRoot?: Uint8Array): bigint {
  if (merkleRoot !== undefined && merkleRoot.length !== 32) throw new RangeError('schnorr: merkle root must be 32 bytes');
  const t = bytesToBigInt(
    merkleRoot ? taggedHash('TapTweak', internalKey, merkleRoot) : taggedHash('TapTweak', internalKey),
  );
  if (t >= CURVE_N) throw new RangeError('schnorr: taproot tweak is not a valid scalar');
  return t;
}

function liftX(xOnly: Uint8Array): secp.Point {
  if (!(xOnly instanceof Uint8Array) || xOnly.length !== 32) throw new TypeError('schnorr: x-only key must be 32 bytes');
  const sec = new Uint8Array(33);
  sec[0] = 0x02;
  sec.set(xOnly, 1);
  try {
    return secp.Point.fromBytes(sec);
  } catch {
    throw new RangeError('schnorr: x-only key is not on the curve');
  }
}

/** Q = lift_x(P) + t*G; outputKey is x(Q) and parity its y's oddness (needed by script path control blocks). */
export function taprootTweakPubkey(
  internalKey: Uint8Array,
  merkleRoot?: Uint8Array,
): { outputKey: Uint8Array; parity: 0 | 1 } {
  const p = liftX(internalKey);
  const t = taprootTweak(internalKey, merkleRoot);
  const q = t === 0n ? p : p.add(secp.Point.BASE.multiply(t));
  if (q.is0()) throw new RangeError('schnorr: tweaked key is the point at infinity');
  const a = q.toAffine();
  return { outputKey: bigIntTo32(a.x), parity: (a.y & 1n) === 1n ? 1 : 0 };
}

/** The secret key for the tweaked output key: negate d if d*G has odd y, then add t. */
export function taprootTweakSecret(secretKey: Uint8Array, merkleRoot?: Uint8Array): Uint8Array {
  assertSecretKey(secretKey);
  let d = bytesToBigInt(secretKey);
  const p = secp.Point.BASE.multiply(d).toAffine();
  if ((p.y & 1n) === 1n) d = CURVE_N - d;
  const t = taprootTweak(bigIntTo32(p.x), merkleRoot);
  const tweaked = (d + t) % CURVE_N;
  if (tweaked === 0n) throw new RangeError('schnorr: tweaked secret key is zero');
  return bigIntTo32(tweaked);
}
