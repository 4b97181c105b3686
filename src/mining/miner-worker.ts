// A miner worker thread (started by miner.ts through the chain's workerModule, as the
// verify pool starts verify-worker.ts): grinds one work unit per message with the same
// grindNonces the regtest miner runs, and answers with the nonce found (or -1) and the
// number of hashes tried.
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

export interface GrindReply {
  id: number;
  found: number;
  hashes: number;
}

const port = parentPort;
if (!port) throw new Error('miner-worker: must run in a worker thread');
port.on('message', (m: GrindRequest) => {
  // The header arrives as a structured-clone copy, so overwriting its nonce is private.
  const { found, hashes } = grindNonces(m.header, m.target, m.start, m.count);
  const reply: GrindReply = { id: m.id, found, hashes };
  port.postMessage(reply);
});
