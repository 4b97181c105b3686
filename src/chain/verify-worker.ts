// A verify-pool worker thread (started by verify-pool.ts): loads the BIP340 backend the
// main thread chose, self-tested again here so a native module that misbehaves inside a
// worker fails at start instead of judging blocks, then verifies packed batches and
// multiplies out MuHash elements for the UTXO digest.
import { parentPort, workerData } from 'node:worker_threads';
import { backendVerifier } from '../primitives/verifiers.js';
import { elementsProduct } from './muhash.js';
import { unpackElements, verifyPacked, type VerifyReady, type VerifyWorkerData, type WorkerReply, type WorkerRequest } from './verify-batch.js';

const port = parentPort;
if (!port) throw new Error('verify-worker: must run in a worker thread');
const verifier = backendVerifier((workerData as VerifyWorkerData).backend);
const verify = verifier.verify.bind(verifier);
port.on('message', (m: WorkerRequest) => {
  const reply: WorkerReply =
    'product' in m
      ? { id: m.id, product: elementsProduct(unpackElements(new Uint8Array(m.buf), new Uint32Array(m.ends))) }
      : { id: m.id, bad: verifyPacked(verify, new Uint8Array(m.buf), m.n) };
  port.postMessage(reply);
});
// Loaded: from here the pool may terminate this thread. (A native addon whose module
// initialisation is cut short by terminate() aborts the whole process: bcrypto's
// napi_create_external CHECK, seen as cairnd dying with SIGABRT when stopped at start.)
const ready: VerifyReady = { ready: true };
port.postMessage(ready);
