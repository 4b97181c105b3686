// Signature verification shared by every node of a world, memoized: the same triple is
// verified once however many nodes see the transaction. A BIP340 verification is a pure
// function of (signature, message, key), so the cache changes no verdict, only the cost.
import { bytesToHex, wasmVerifier, type SchnorrVerifier, type VerifierSelection } from '../src/primitives/index.js';

const MAX_ENTRIES = 200_000;

export function memoVerifier(inner: SchnorrVerifier = wasmVerifier): SchnorrVerifier & { hits: number; misses: number } {
  const memo = new Map<string, boolean>();
  const v = {
    name: `memo(${inner.name})`,
    hits: 0,
    misses: 0,
    verify(sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array): boolean {
      if (!(sig instanceof Uint8Array) || !(msg instanceof Uint8Array) || !(pubkey instanceof Uint8Array)) return false;
      const k = bytesToHex(sig) + bytesToHex(msg) + bytesToHex(pubkey);
      const hit = memo.get(k);
      if (hit !== undefined) {
        v.hits++;
        return hit;
      }
      v.misses++;
      const ok = inner.verify(sig, msg, pubkey);
      if (memo.size >= MAX_ENTRIES) memo.clear();
      memo.set(k, ok);
      return ok;
    },
  };
  return v;
}

export function memoSelection(v: SchnorrVerifier): VerifierSelection {
  return { backend: 'wasm', requested: 'wasm', verifier: v };
}
