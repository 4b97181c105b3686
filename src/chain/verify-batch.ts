// The verify pool's wire format, shared by the pool and its worker threads: checks packed
// as sig 64 | msg 32 | pubkey 32 bytes, verified in order up to the first failure; and
// MuHash elements packed end to end with their end offsets, answered by their product.
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

/** MuHash elements whose product (muhash.ts elementsProduct) is wanted. */
export interface ProductRequest {
  id: number;
  product: true;
  buf: ArrayBuffer;
  /** Uint32Array: the end offset of each element in buf */
  ends: ArrayBuffer;
}

export interface ProductReply {
  id: number;
  product: bigint;
}

/** What the pool posts to a worker, and what a worker posts back. */
export type WorkerRequest = VerifyRequest | ProductRequest;
export type WorkerReply = VerifyReply | ProductReply | VerifyReady;

/** Elements end to end in one transferable buffer, with each one's end offset. */
export function packElements(elements: readonly Uint8Array[]): { buf: Uint8Array<ArrayBuffer>; ends: Uint32Array<ArrayBuffer> } {
  const ends = new Uint32Array(elements.length);
  let n = 0;
  for (let i = 0; i < elements.length; i++) ends[i] = n += elements[i]!.length;
  const buf = new Uint8Array(n);
  let at = 0;
  for (const e of elements) {
    buf.set(e, at);
    at += e.length;
  }
  return { buf, ends };
}

/** The elements packElements packed, as views into `buf`. */
export function unpackElements(buf: Uint8Array, ends: Uint32Array): Uint8Array[] {
  const out: Uint8Array[] = new Array(ends.length);
  let at = 0;
  for (let i = 0; i < ends.length; i++) {
    out[i] = buf.subarray(at, ends[i]);
    at = ends[i]!;
  }
  return out;
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
