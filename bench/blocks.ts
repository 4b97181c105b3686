// Deterministic regtest chains for the benchmarks, cached on disk because signing tens of
// thousands of inputs takes longer than connecting them. The cache lives in the
// git-ignored bench-cache/ at the repository root and is keyed by every parameter that
// shapes the blocks (and the genesis hash), so a change of either builds a new file.
//
// The spend chain: block 1's coinbase pays `txsPerBlock` P2TR outputs; blocks 2..100 are
// empty so they mature; then every benchmark block holds `txsPerBlock` 1-input-2-output
// key-path spends, tx i spending output 0 of tx i of the block before. Output 1 of every
// tx stays unspent, so the UTXO set grows by one coin per input as in a real chain.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tiny from 'tiny-secp256k1';
import { blockSubsidy, type ConsensusParams } from '../src/consensus/index.js';
import { createBlock } from '../src/mining/index.js';
import {
  Block,
  BufReader,
  BufWriter,
  TaprootSighasher,
  Tx,
  bytesToHex,
  p2trScript,
  taprootTweakPubkey,
  taprootTweakSecret,
  xOnlyPubkey,
  type OutPoint,
} from '../src/primitives/index.js';

const CACHE_VERSION = 1;
const FEE = 200n;
const CHANGE = 546n;

/** Repository root: the nearest directory above this module holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root');
    dir = up;
  }
  return dir;
}

export function cacheDir(): string {
  const d = join(repoRoot(), 'bench-cache');
  mkdirSync(d, { recursive: true });
  return d;
}

export interface BenchKey {
  secret: Uint8Array;
  script: Uint8Array;
  tweaked: Uint8Array;
}

export function benchKey(seed = 7): BenchKey {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + seed) & 0xff || 1);
  const script = p2trScript(taprootTweakPubkey(xOnlyPubkey(secret)).outputKey);
  return { secret, script, tweaked: taprootTweakSecret(secret) };
}

export interface SpendChain {
  /** heights 1..setup.length: funding and maturity; not timed */
  setup: Uint8Array[];
  /** the timed blocks, each with `txsPerBlock` one-input spends */
  blocks: Uint8Array[];
  txsPerBlock: number;
}

function writeBlocks(file: string, lists: Uint8Array[][]): void {
  const w = new BufWriter(1 << 20);
  w.u32(CACHE_VERSION).varint(lists.length);
  for (const list of lists) {
    w.varint(list.length);
    for (const b of list) w.varBytes(b);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, w.finish());
  renameSync(tmp, file); // a half-written cache is never read
}

function readBlocks(file: string): Uint8Array[][] | undefined {
  if (!existsSync(file)) return undefined;
  const r = new BufReader(new Uint8Array(readFileSync(file)));
  if (r.u32() !== CACHE_VERSION) return undefined;
  const lists: Uint8Array[][] = [];
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    const m = r.varint();
    const list: Uint8Array[] = [];
    for (let j = 0; j < m; j++) list.push(r.varBytes());
    lists.push(list);
  }
  return lists;
}

function cacheFile(kind: string, params: ConsensusParams, parts: number[]): string {
  return join(cacheDir(), `${kind}-${params.name}-${bytesToHex(params.genesisHash).slice(0, 12)}-${parts.join('x')}-v${CACHE_VERSION}.bin`);
}

/** The spend chain for `blocks` timed blocks of `txsPerBlock` spends (built once, then read from the cache). */
export function spendChain(params: ConsensusParams, blocks: number, txsPerBlock: number): SpendChain {
  const file = cacheFile('spend', params, [blocks, txsPerBlock]);
  const cached = readBlocks(file);
  if (cached && cached.length === 2) return { setup: cached[0]!, blocks: cached[1]!, txsPerBlock };
  const built = buildSpendChain(params, blocks, txsPerBlock);
  writeBlocks(file, [built.setup, built.blocks]);
  return built;
}

export function buildSpendChain(params: ConsensusParams, nBlocks: number, txsPerBlock: number): SpendChain {
  const key = benchKey();
  const aux = new Uint8Array(32);
  let prev = params.genesis.header;
  let time = prev.time;
  let height = 0;
  const setup: Uint8Array[] = [];
  const blocks: Uint8Array[] = [];

  const next = (txs: Tx[], coinbaseOutputs?: Array<{ value: bigint; script: Uint8Array }>): Block => {
    height++;
    time++;
    const block = createBlock({
      params,
      prev,
      height,
      time,
      bits: params.powLimitBits,
      txs,
      coinbase: coinbaseOutputs ? { outputs: coinbaseOutputs } : { script: key.script, value: blockSubsidy(height, params) },
      mine: true,
    });
    prev = block.header;
    return block;
  };

  const each = blockSubsidy(1, params) / BigInt(txsPerBlock);
  if (each < (FEE + CHANGE) * BigInt(nBlocks + 1)) throw new RangeError('bench: too many blocks for the funding coinbase');
  const first = next([], Array.from({ length: txsPerBlock }, () => ({ value: each, script: key.script })));
  setup.push(first.encode());
  let utxos: Array<{ outpoint: OutPoint; value: bigint }> = Array.from({ length: txsPerBlock }, (_, vout) => ({
    outpoint: { txid: first.txs[0]!.txid(), vout },
    value: each,
  }));
  while (height < params.coinbaseMaturity) setup.push(next([]).encode());

  for (let b = 0; b < nBlocks; b++) {
    const txs: Tx[] = [];
    const nextUtxos: typeof utxos = [];
    for (const u of utxos) {
      const unsigned = new Tx({
        version: 2,
        inputs: [{ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
        outputs: [
          { value: u.value - FEE - CHANGE, script: key.script },
          { value: CHANGE, script: key.script },
        ],
        locktime: 0,
      });
      const msg = new TaprootSighasher(unsigned, [{ value: u.value, script: key.script }]).hash(0, 0);
      const sig = tiny.signSchnorr(msg, key.tweaked, aux);
      const tx = new Tx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig] }] });
      txs.push(tx);
      nextUtxos.push({ outpoint: { txid: tx.txid(), vout: 0 }, value: u.value - FEE - CHANGE });
    }
    blocks.push(next(txs).encode());
    utxos = nextUtxos;
  }
  return { setup, blocks, txsPerBlock };
}

/** `n` blocks holding only a coinbase (for start-up: the index size is what matters). */
export function emptyChain(params: ConsensusParams, n: number): Uint8Array[] {
  const file = cacheFile('empty', params, [n]);
  const cached = readBlocks(file);
  if (cached && cached.length === 1) return cached[0]!;
  const key = benchKey();
  const out: Uint8Array[] = [];
  let prev = params.genesis.header;
  for (let height = 1; height <= n; height++) {
    const block = createBlock({
      params,
      prev,
      height,
      time: prev.time + 1,
      bits: params.powLimitBits,
      coinbase: { script: key.script, value: blockSubsidy(height, params) },
      mine: true,
    });
    out.push(block.encode());
    prev = block.header;
  }
  writeBlocks(file, [out]);
  return out;
}
