// Connect: inputs/s connecting blocks of 1,000 one-input-two-output key-path spends into a
// real Chain on LevelDB, from decoded bytes to a synced flush, next to the verify limit
// measured in the same run. The blocks come from bench-cache/ so signing is never timed.
//
// Cold: nothing seen before, every signature verified (native libsecp256k1; the WASM
// backend once beside it). Hot: each block's transactions were accepted to a mempool first
// (not timed), so their signatures come from the signature cache. Cold and hot alternate
// and the medians are reported, with CPU per input (all threads) and bookkeeping per input
// (CPU per input minus one bare verify) beside the wall figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, SigCache, VerifyPool } from '../src/chain/index.js';
import { regtestParams } from '../src/consensus/index.js';
import { Mempool } from '../src/mempool/index.js';
import { Block, cryptoRng, type VerifierBackend } from '../src/primitives/index.js';
import { spendChain } from './blocks.js';
import { median, secondsSince, type BenchOptions, type BenchResult } from './types.js';
import { ThreadCpu, busyNote } from './thread-cpu.js';
import { measureVerifyLimit, verifyLimit } from './verify.js';

/** bcoin 2.2 with native libsecp256k1, 1,000-tx blocks of 1-in-2-out segwit spends (NOTES.md). */
export const BCOIN_INPUTS_PER_SEC = 4400;
export const TXS_PER_BLOCK = 1000;

export interface ConnectRun {
  inputs: number;
  seconds: number;
  rate: number;
  /** CPU time of the whole process (main thread and workers) per input, µs */
  cpuMicros: number;
  /** CPU time of the main thread alone per input, µs (Linux; undefined elsewhere) */
  mainMicros: number | undefined;
  /** signatures taken from the cache instead of verified */
  cached: number;
  /** coins still waiting to join the UTXO digest after the timed flush (a flush stores them unfolded) */
  waiting: number;
  /** seconds to fold them in afterwards (reading the digest), not part of `seconds` */
  foldSeconds: number;
}

export interface ConnectOptions {
  backend?: VerifierBackend;
  /** accept each block's transactions to a mempool before connecting it (untimed) */
  hot?: boolean;
  txsPerBlock?: number;
}

/** Connects the cached spend chain into a fresh datadir; only the spend blocks and the final flush are timed. */
export async function runConnect(nBlocks: number, o: ConnectOptions = {}): Promise<ConnectRun> {
  const txsPerBlock = o.txsPerBlock ?? TXS_PER_BLOCK;
  const data = spendChain(regtestParams, nBlocks, txsPerBlock);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-connect-'));
  const pool = new VerifyPool({ verifier: o.backend ?? 'native', sigCache: new SigCache({ rng: cryptoRng }) });
  const chain = await Chain.open({ params: regtestParams, path: dir, verifyPool: pool });
  const mempool = o.hot ? new Mempool({ chain, verifyPool: pool }) : undefined;
  try {
    for (const raw of data.setup) await chain.processBlock(Block.decode(raw));
    await chain.flush();
    let seconds = 0;
    let cpuMicros = 0;
    const main = new ThreadCpu();
    const cached0 = pool.stats.cached;
    for (const raw of data.blocks) {
      const block = Block.decode(raw);
      if (mempool) {
        const results = await Promise.allSettled(block.txs.slice(1).map((tx) => mempool.accept(tx)));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw new Error(`bench: mempool refused a block tx: ${(failed as PromiseRejectedResult).reason}`);
      }
      const cpu = process.cpuUsage();
      main.start();
      const start = process.hrtime.bigint();
      const r = await chain.processBlock(Block.decode(raw)); // decoding is part of the timed work
      seconds += secondsSince(start);
      main.stop();
      const used = process.cpuUsage(cpu);
      cpuMicros += used.user + used.system;
      if (r.status !== 'connected') throw new Error(`bench: block at height ${chain.height + 1} was ${r.status}, not connected`);
    }
    const cpu = process.cpuUsage();
    main.start();
    const start = process.hrtime.bigint();
    await chain.flush();
    seconds += secondsSince(start);
    main.stop();
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    const expected = data.setup.length + data.blocks.length;
    if (chain.height !== expected) throw new Error(`bench: chain height ${chain.height}, expected ${expected}`);
    const inputs = data.blocks.length * txsPerBlock;
    const mainMicros = main.micros === undefined ? undefined : main.micros / inputs;
    const cached = pool.stats.cached - cached0;
    // Untimed: what folding the waiting coins costs when the digest is next read.
    const waiting = chain.digestWaiting;
    const foldStart = process.hrtime.bigint();
    await chain.utxoStats();
    const foldSeconds = secondsSince(foldStart);
    return { inputs, seconds, rate: inputs / seconds, cpuMicros: cpuMicros / inputs, mainMicros, cached, waiting, foldSeconds };
  } finally {
    mempool?.close();
    await chain.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The digest's share left outside the timed run: a flush stores waiting coins unfolded. */
function waitNote(r: ConnectRun): string {
  return `${r.waiting} coins left waiting to join the UTXO digest, folded afterwards (untimed) in ${(r.foldSeconds * 1000).toFixed(0)} ms`;
}

function mainNote(r: ConnectRun): string {
  return busyNote(r.mainMicros, 1e6 / r.rate, 'input');
}

function medianRun(runs: ConnectRun[]): ConnectRun {
  return {
    inputs: runs[0]!.inputs,
    seconds: median(runs.map((r) => r.seconds)),
    rate: median(runs.map((r) => r.rate)),
    cpuMicros: median(runs.map((r) => r.cpuMicros)),
    mainMicros: runs.every((r) => r.mainMicros !== undefined) ? median(runs.map((r) => r.mainMicros!)) : undefined,
    cached: median(runs.map((r) => r.cached)),
    waiting: median(runs.map((r) => r.waiting)),
    foldSeconds: median(runs.map((r) => r.foldSeconds)),
  };
}

export async function benchConnect(opts: BenchOptions): Promise<BenchResult[]> {
  const nBlocks = opts.quick ? 6 : 20;
  const rounds = opts.quick ? 1 : 3;
  spendChain(regtestParams, nBlocks, TXS_PER_BLOCK); // build (or read) the cache before anything is timed
  // The limit is measured before and after the runs and averaged, so a change in other
  // load on the machine during the run moves both sides alike.
  const before = await verifyLimit(opts, 'native');
  const wasmLimit = await verifyLimit(opts, 'wasm');
  await runConnect(nBlocks, { hot: true }); // warm-up (JIT, caches), not reported
  const cold: ConnectRun[] = [];
  const hot: ConnectRun[] = [];
  for (let i = 0; i < rounds; i++) {
    cold.push(await runConnect(nBlocks));
    hot.push(await runConnect(nBlocks, { hot: true }));
  }
  const wasm = await runConnect(nBlocks, { backend: 'wasm' });
  const after = await measureVerifyLimit(opts.quick ? 2 : 4, 'native');
  const limit = (before.rate + after.rate) / 2;
  const verifyCpu = (before.cpuMicros + after.cpuMicros) / 2;
  const c = medianRun(cold);
  const h = medianRun(hot);
  const spread = (runs: ConnectRun[]) => runs.map((r) => r.rate.toFixed(0)).join(', ');
  const shape = `${nBlocks} blocks of ${TXS_PER_BLOCK} txs incl. a synced flush; medians of ${rounds} alternating cold/hot rounds`;
  const cpuNote = (r: ConnectRun, verify: number) =>
    `CPU ${r.cpuMicros.toFixed(0)} µs per input (all threads), of which bookkeeping ${(r.cpuMicros - verify).toFixed(0)} µs beside ${verify.toFixed(0)} µs per bare verify; ${mainNote(r)}; ${waitNote(r)}`;
  return [
    {
      name: 'connect cold, native (LevelDB)',
      figure: c.rate,
      unit: 'inputs/s',
      limit,
      limitUnit: 'verifies/s (native)',
      ratio: c.rate / limit,
      goal: '≥ 0.8',
      note: `${shape} (cold ${spread(cold)}/s); ${cpuNote(c, verifyCpu)}; limit ${before.rate.toFixed(0)}/s before, ${after.rate.toFixed(0)}/s after`,
    },
    {
      name: 'connect cold, native, vs bcoin 2.2',
      figure: c.rate,
      unit: 'inputs/s',
      limit: BCOIN_INPUTS_PER_SEC,
      limitUnit: 'inputs/s (bcoin, NOTES.md, not this run)',
      ratio: c.rate / BCOIN_INPUTS_PER_SEC,
      goal: '≥ 3',
      note: 'bcoin 2.2 with native libsecp256k1 on a 2-core machine like this one',
    },
    {
      name: 'connect hot (every tx in the mempool) vs cold',
      figure: h.rate,
      unit: 'inputs/s',
      limit: c.rate,
      limitUnit: 'inputs/s (cold)',
      ratio: h.rate / c.rate,
      goal: '≥ 5',
      note: `${shape} (hot ${spread(hot)}/s); ${h.cached / h.inputs === 1 ? 'every' : `${h.cached} of ${h.inputs}`} signature from the signature cache; CPU ${h.cpuMicros.toFixed(0)} µs per input vs ${c.cpuMicros.toFixed(0)} cold; ${mainNote(h)}; ${waitNote(h)}`,
    },
    {
      name: 'connect cold, WASM backend',
      figure: wasm.rate,
      unit: 'inputs/s',
      limit: wasmLimit.rate,
      limitUnit: 'verifies/s (WASM)',
      ratio: wasm.rate / wasmLimit.rate,
      goal: 'info',
      note: `one run; ${cpuNote(wasm, wasmLimit.cpuMicros)}; native cold is ${(c.rate / wasm.rate).toFixed(2)}x this`,
    },
  ];
}
