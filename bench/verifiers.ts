// The BIP340 verifiers the benchmark compares, behind one call shape
// (sig, msg, pubkey) → boolean. bcrypto is optional: it is not a dependency (its native
// build needs a C toolchain and install scripts), so it is loaded only when installed.
import type { createRequire } from 'node:module';

export type VerifyFn = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => boolean;

export const LIBS = ['tiny-secp256k1', '@noble/secp256k1', '@noble/curves', 'bcrypto'] as const;

interface Bcrypto {
  native: number;
  verify(msg: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean;
  verifyBatch(batch: Array<[Uint8Array, Uint8Array, Uint8Array]>): boolean;
}

/** bcrypto's BIP340 module, from the project or from $BCRYPTO_DIR (a directory with node_modules/bcrypto). */
export function loadBcrypto(req: ReturnType<typeof createRequire>): { mod: Bcrypto; from: string } | undefined {
  const tries = ['bcrypto/lib/schnorr'];
  if (process.env.BCRYPTO_DIR) tries.push(`${process.env.BCRYPTO_DIR}/node_modules/bcrypto/lib/schnorr`);
  for (const spec of tries) {
    try {
      return { mod: req(spec) as Bcrypto, from: spec };
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** bcrypto asserts Buffer arguments; a view over the same memory costs no copy. */
export function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export async function loadVerifier(lib: string, req: ReturnType<typeof createRequire>): Promise<VerifyFn | undefined> {
  switch (lib) {
    case 'tiny-secp256k1': {
      const tiny = await import('tiny-secp256k1');
      return (sig, msg, pub) => tiny.verifySchnorr(msg, pub, sig);
    }
    case '@noble/secp256k1': {
      // The project's noble wrapper sets the sync hashes noble v3 needs.
      const { nobleVerifier } = await import('../src/primitives/index.js');
      return (sig, msg, pub) => nobleVerifier.verify(sig, msg, pub);
    }
    case '@noble/curves': {
      const { schnorr } = await import('@noble/curves/secp256k1.js');
      return (sig, msg, pub) => schnorr.verify(sig, msg, pub);
    }
    case 'bcrypto': {
      const b = loadBcrypto(req);
      if (!b) return undefined;
      return (sig, msg, pub) => b.mod.verify(buf(msg), buf(sig), buf(pub));
    }
    default:
      return undefined;
  }
}
