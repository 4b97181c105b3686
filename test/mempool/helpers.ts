// A real regtest chain on a temp dir with a mempool and miner, plus signing helpers, so
// mempool and mining tests exercise the same code the node runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { blockSubsidy, regtestParams, type Coin } from '../../src/consensus/index.js';
import { Mempool, type MempoolLimits, type PolicyOptions } from '../../src/mempool/index.js';
import { Miner, createBlock } from '../../src/mining/index.js';
import {
  ManualClock,
  TaprootSighasher,
  Tx,
  equalBytes,
  hexToHash,
  opReturnScript,
  p2trScript,
  seededRng,
  signKeyPathInputWith,
  taprootTweakPubkey,
  xOnlyPubkey,
  type OutPoint,
  type TxOut,
} from '../../src/primitives/index.js';

export const params = regtestParams;
export const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
export const SCRIPT = p2trScript(taprootTweakPubkey(xOnlyPubkey(SECRET)).outputKey);
export const OTHER_SCRIPT = p2trScript(taprootTweakPubkey(xOnlyPubkey(Uint8Array.from({ length: 32 }, (_, i) => 200 - i))).outputKey);
export { opReturnScript };

export interface Spendable {
  outpoint: OutPoint;
  coin: { value: bigint; script: Uint8Array };
}

export interface Env {
  dir: string;
  clock: ManualClock;
  chain: Chain;
  pool: VerifyPool;
  mempool: Mempool;
  miner: Miner;
  close(): Promise<void>;
}

export async function setup(
  opts: { limits?: Partial<MempoolLimits>; policy?: Partial<PolicyOptions>; blocks?: number; threads?: number; cacheBytes?: number; pool?: VerifyPool } = {},
): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-mempool-'));
  const clock = new ManualClock((params.genesis.header.time + 100_000) * 1000);
  const pool = opts.pool ?? new VerifyPool({ threads: opts.threads ?? 0 });
  const chain = await Chain.open({ params, path: dir, clock, verifyPool: pool, ...(opts.cacheBytes !== undefined ? { cacheBytes: opts.cacheBytes } : {}) });
  const mempool = new Mempool({ chain, verifyPool: pool, clock, rng: seededRng(7), limits: opts.limits, policy: opts.policy });
  const miner = new Miner({ chain, mempool, payTo: SCRIPT, clock, threads: 1 });
  if (opts.blocks) await miner.generate(opts.blocks);
  return {
    dir,
    clock,
    chain,
    pool,
    mempool,
    miner,
    async close() {
      await miner.stop();
      mempool.close();
      await chain.close();
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The coinbase output of the block at `height` on the active chain. */
export async function coinbaseAt(chain: Chain, height: number): Promise<Spendable> {
  const entry = chain.getEntryAt(height)!;
  const block = (await chain.getBlock(entry.hash))!;
  const cb = block.txs[0]!;
  return { outpoint: { txid: cb.txid(), vout: 0 }, coin: cb.outputs[0]! };
}

export interface SpendOptions {
  version?: number;
  locktime?: number;
  sequence?: number;
  secret?: Uint8Array;
}

/** A key-path spend of `inputs` (all paying SECRET's key) to `outputs`, signed. */
export function spend(inputs: readonly Spendable[], outputs: readonly TxOut[], o: SpendOptions = {}): Tx {
  const unsigned = new Tx({
    version: o.version ?? 2,
    inputs: inputs.map((i) => ({ prevout: i.outpoint, scriptSig: new Uint8Array(0), sequence: o.sequence ?? 0xfffffffd, witness: [] })),
    outputs,
    locktime: o.locktime ?? 0,
  });
  const hasher = new TaprootSighasher(unsigned, inputs.map((i) => i.coin));
  const sigs = inputs.map((_, idx) => signKeyPathInputWith(hasher, idx, o.secret ?? SECRET));
  return new Tx({ ...unsigned, inputs: unsigned.inputs.map((inp, idx) => ({ ...inp, witness: [sigs[idx]!] })) });
}

/** Pays `value - fee` back to SCRIPT in `n` equal outputs. */
export function split(input: Spendable, n: number, fee: bigint, o: SpendOptions = {}): Tx {
  const each = (input.coin.value - fee) / BigInt(n);
  return spend([input], Array.from({ length: n }, () => ({ value: each, script: SCRIPT })), o);
}

export function outputOf(tx: Tx, vout: number): Spendable {
  return { outpoint: { txid: tx.txid(), vout }, coin: tx.outputs[vout]! };
}

export function txidBytes(hex: string): Uint8Array {
  return hexToHash(hex);
}

export type { Coin };

/**
 * Mines `n` blocks on top of the active block at `forkHeight` (paying OTHER_SCRIPT, with
 * `txs[i]` in the i-th) and submits them. Returns whether the chain switched to the fork.
 */
export async function fork(env: Env, forkHeight: number, n: number, txs: Tx[][] = [], salt = 0): Promise<boolean> {
  let prev = env.chain.getEntryAt(forkHeight)!;
  let prevHash = prev.hash;
  let time = prev.time;
  let last: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const height = forkHeight + 1 + i;
    time += 1;
    const block = createBlock({
      params,
      prev: prevHash,
      height,
      time: Math.max(time, env.chain.medianTimePast(prev) + 1),
      bits: params.powLimitBits,
      txs: txs[i] ?? [],
      coinbase: { script: OTHER_SCRIPT, value: blockSubsidy(height, params), extraNonce: 0x5a5a0000 + salt * 1000 + i },
      mine: true,
    });
    time = block.header.time;
    try {
      await env.chain.processBlock(block, { durable: false });
    } catch {
      return false;
    }
    prevHash = block.hash();
    last = prevHash;
    const e = env.chain.getEntry(prevHash);
    if (!e) return false;
    prev = e;
  }
  return last !== undefined && equalBytes(env.chain.tip.hash, last);
}
