// Child process for bench/inv-flood.ts: polls one URL as bench/api-latency.ts's poll()
// does (GET every 50 ms, open loop) for --ms milliseconds and prints the latencies as
// JSON. The flood's 60 peers live in the bench process, whose event loop is busy
// encrypting and sending their frames; a poller there would time its own stalls, not the
// node's. Run from dist/ (node dist/bench/poll-child.js --url URL --ms N).
import { performance } from 'node:perf_hooks';
import { poll } from './api-latency.js';

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`poll-child: ${name} is required`);
  return v;
}

const url = arg('--url');
const ms = Number(arg('--ms'));
if (!Number.isFinite(ms) || ms <= 0) throw new Error('poll-child: --ms <positive number> is required');
const end = performance.now() + ms;
const out = await poll(url, () => performance.now() >= end);
process.stdout.write(JSON.stringify(out) + '\n');
