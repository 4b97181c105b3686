// Worker for bench/verify.ts: verifies the given signatures with one library in a loop
// for a fixed time after a shared start signal, and reports how many it did.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { loadVerifier } from './verifiers.js';

const port = parentPort!;
const { lib, checks } = workerData as { lib: string; checks: Uint8Array };
const verify = await loadVerifier(lib, createRequire(import.meta.url));
if (!verify) throw new Error(`verify-worker: ${lib} is not available`);
const n = checks.length / 128;
const items = Array.from({ length: n }, (_, i) => {
  const o = i * 128;
  return { sig: checks.subarray(o, o + 64), msg: checks.subarray(o + 64, o + 96), pub: checks.subarray(o + 96, o + 128) };
});

port.on('message', (m: { seconds: number }) => {
  let done = 0;
  let bad = 0;
  const end = performance.now() + m.seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (const it of items) if (!verify(it.sig, it.msg, it.pub)) bad++;
    done += items.length;
  }
  port.postMessage({ done, bad, seconds: (performance.now() - start) / 1000 });
});
port.postMessage({ ready: true });
