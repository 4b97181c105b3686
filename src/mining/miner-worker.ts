// A miner worker thread (started by miner.ts through the chain's workerModule, as the
// verify pool starts verify-worker.ts): grinds one work unit per message with the same
// grindNonces the regtest miner runs, and answers with the nonce found (or -1), the
// number of hashes tried and this thread's V8 heap figures (the main thread's heap gauges
// do not see a worker's isolate, which is where a mining node's extra memory lives).
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { grindNonces } from './grind.js';

/** One work unit: `count` nonces from `start` on the 80-byte `header`. */
export interface GrindRequest {
  id: number;
  header: Uint8Array;
  /** the target as 32 little-endian bytes */
  target: Uint8Array;
  start: number;
  count: number;
}

/** This worker isolate's memory, from v8.getHeapStatistics() after the unit. */
export interface WorkerHeap {
  /** live and not yet collected objects on the worker's V8 heap */
  used: number;
  /** the worker's V8 heap as reserved from the OS */
  total: number;
  /** memory V8 itself holds with malloc (not heap pages) */
  malloced: number;
  /** ArrayBuffer backing stores and other memory outside the heap that V8 tracks */
  external: number;
}

export interface GrindReply {
  id: number;
  found: number;
  hashes: number;
  heap: WorkerHeap;
}

const port = parentPort;
if (!port) throw new Error('miner-worker: must run in a worker thread');
port.on('message', (m: GrindRequest) => {
  // The header arrives as a structured-clone copy, so overwriting its nonce is private.
  const { found, hashes } = grindNonces(m.header, m.target, m.start, m.count);
  const h = getHeapStatistics();
  const heap: WorkerHeap = { used: h.used_heap_size, total: h.total_heap_size, malloced: h.malloced_memory, external: h.external_memory };
  const reply: GrindReply = { id: m.id, found, hashes, heap };
  port.postMessage(reply);
});
