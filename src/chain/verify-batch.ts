// The verify pool's wire format, shared by the pool and its worker threads: checks packed
// as sig 64 | msg 32 | pubkey 32 bytes, verified in order up to the first failure.
import type { VerifierBackend } from '../primitives/index.js';

export const CHECK_BYTES = 128;

export interface VerifyRequest {
  id: number;
  buf: ArrayBuffer;
  n: number;
}

export interface VerifyReply {
  id: number;
  /** index of the first failing check in the batch, or -1 */
  bad: number;
}

/** A worker's first message: its backend has loaded (a native one passed its self-test). */
export interface VerifyReady {
  ready: true;
}

export interface VerifyWorkerData {
  backend: VerifierBackend;
}

export type VerifyFn = (sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array) => boolean;

/** The first failing check of `n` packed in `buf`, or -1. */
export function verifyPacked(verify: VerifyFn, buf: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const o = i * CHECK_BYTES;
    if (!verify(buf.subarray(o, o + 64), buf.subarray(o + 64, o + 96), buf.subarray(o + 96, o + 128))) return i;
  }
  return -1;
}
