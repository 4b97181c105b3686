// The mempool on disk across restarts (Bitcoin Core's mempool.dat): written on clean
// shutdown and on request, read back at start, every entry re-validated through the
// normal accept path against the chain as it is then.
//
// File layout (integers little-endian):
//   magic    4 bytes  "CMPL"
//   version  u32      MEMPOOL_FILE_VERSION
//   network  32 bytes the network's genesis block hash (internal order)
//   count    varint
//   count × { time u64 (arrival, ms since epoch), tx varbytes (raw, with witness) }
//   checksum 32 bytes SHA-256 of everything before it
// Entries are in dependency order (parents first). A file that is damaged, truncated, of
// another version or network is reported and ignored, never fatal: the mempool is a cache.
import { readFile } from 'node:fs/promises';
import { BufReader, BufWriter, Tx, bytesToHex, equalBytes, sha256, writeFileAtomic } from '../primitives/index.js';
import type { ConsensusParams } from '../consensus/index.js';
import type { Mempool } from './mempool.js';

export const MEMPOOL_FILE = 'mempool.dat';
export const MEMPOOL_FILE_VERSION = 1;
const MAGIC = Uint8Array.from([0x43, 0x4d, 0x50, 0x4c]); // "CMPL"
const HEADER = 4 + 4 + 32;
const CHECKSUM = 32;

export interface SavedTx {
  tx: Tx;
  /** arrival time, ms since epoch */
  time: number;
}

/** Why a mempool file was not used. */
export class MempoolFileError extends Error {
  constructor(
    readonly reason: 'truncated' | 'bad-magic' | 'bad-version' | 'wrong-network' | 'bad-checksum' | 'bad-entry',
    message: string,
  ) {
    super(message);
    this.name = 'MempoolFileError';
  }
}

/** Orders `txs` so that every tx comes after the txs of the list it spends; otherwise by arrival. */
export function dependencyOrder(txs: readonly SavedTx[]): SavedTx[] {
  const byTime = [...txs].sort((a, b) => a.time - b.time);
  const keys = new Set(byTime.map((s) => bytesToHex(s.tx.txid())));
  const done = new Set<string>();
  const out: SavedTx[] = [];
  let rest = byTime;
  while (rest.length > 0) {
    const next: SavedTx[] = [];
    for (const s of rest) {
      const ready = s.tx.inputs.every((i) => {
        const k = bytesToHex(i.prevout.txid);
        return !keys.has(k) || done.has(k);
      });
      if (ready) {
        out.push(s);
        done.add(bytesToHex(s.tx.txid()));
      } else next.push(s);
    }
    if (next.length === rest.length) {
      out.push(...next); // a cycle cannot be valid; let validation refuse it
      break;
    }
    rest = next;
  }
  return out;
}

export function encodeMempoolFile(params: ConsensusParams, txs: readonly SavedTx[]): Uint8Array {
  const w = new BufWriter(1024);
  w.bytes(MAGIC).u32(MEMPOOL_FILE_VERSION).bytes(params.genesis.hash()).varint(txs.length);
  for (const { tx, time } of dependencyOrder(txs)) w.u64(BigInt(Math.max(0, Math.floor(time)))).varBytes(tx.encode());
  const body = w.finish();
  const out = new Uint8Array(body.length + CHECKSUM);
  out.set(body);
  out.set(sha256(body), body.length);
  return out;
}

export function decodeMempoolFile(params: ConsensusParams, data: Uint8Array): SavedTx[] {
  if (data.length < HEADER + 1 + CHECKSUM) throw new MempoolFileError('truncated', `${data.length} bytes is shorter than any mempool file`);
  if (!equalBytes(data.subarray(0, 4), MAGIC)) throw new MempoolFileError('bad-magic', 'not a Cairn mempool file (bad magic)');
  const r = new BufReader(data.subarray(0, data.length - CHECKSUM));
  r.bytes(4);
  const version = r.u32();
  if (version !== MEMPOOL_FILE_VERSION) throw new MempoolFileError('bad-version', `file version ${version}, this node reads ${MEMPOOL_FILE_VERSION}`);
  if (!equalBytes(r.bytes(32), params.genesis.hash())) throw new MempoolFileError('wrong-network', `the file belongs to another network than ${params.name}`);
  const body = data.subarray(0, data.length - CHECKSUM);
  if (!equalBytes(sha256(body), data.subarray(data.length - CHECKSUM))) {
    throw new MempoolFileError('bad-checksum', 'checksum mismatch (the file is damaged or truncated)');
  }
  try {
    const n = r.count(9);
    const out: SavedTx[] = [];
    for (let i = 0; i < n; i++) {
      const time = Number(r.u64());
      out.push({ time, tx: Tx.decode(r.varBytes()) });
    }
    r.expectEnd();
    return out;
  } catch (e) {
    throw new MempoolFileError('bad-entry', `undecodable entry: ${(e as Error).message}`);
  }
}

// One atomic writer for every file the programs keep (src/primitives/files.ts); still
// exported from here under its old name for existing callers.
export { writeFileAtomic };

/** Saves every mempool entry to `path`; returns how many and the file size. */
export async function saveMempool(mempool: Mempool, path: string): Promise<{ count: number; bytes: number }> {
  await mempool.idle();
  const txs: SavedTx[] = [...mempool.entries()].map((e) => ({ tx: e.tx, time: e.time }));
  const data = encodeMempoolFile(mempool.params, txs);
  await writeFileAtomic(path, data);
  return { count: txs.length, bytes: data.length };
}

export interface LoadResult {
  /** 'missing': no file; 'ignored': unusable file (see warning); 'loaded': entries were tried */
  status: 'missing' | 'ignored' | 'loaded';
  warning?: string;
  read: number;
  accepted: number;
  /** refused by validation now (spent meanwhile, confirmed, below the fee floor, ...) */
  failed: number;
  /** older than the mempool's expiry */
  expired: number;
  /** codes of the refusals, with counts */
  reasons: Record<string, number>;
}

/**
 * Reads `path` and submits each saved tx to `mempool` as a local submission with its
 * saved arrival time, parents first. Never throws for a bad file: it reports it.
 */
export async function loadMempool(mempool: Mempool, path: string): Promise<LoadResult> {
  const result: LoadResult = { status: 'loaded', read: 0, accepted: 0, failed: 0, expired: 0, reasons: {} };
  let data: Uint8Array;
  try {
    data = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...result, status: 'missing' };
    return { ...result, status: 'ignored', warning: `cannot read ${path}: ${(e as Error).message}` };
  }
  let saved: SavedTx[];
  try {
    saved = decodeMempoolFile(mempool.params, data);
  } catch (e) {
    if (!(e instanceof MempoolFileError)) throw e;
    return { ...result, status: 'ignored', warning: `${path} ignored (${e.reason}): ${e.message}` };
  }
  result.read = saved.length;
  const cutoff = mempool.clock.now() - mempool.limits.expiryMs;
  const fresh = dependencyOrder(saved).filter((s) => {
    if (s.time >= cutoff) return true;
    result.expired++;
    return false;
  });
  const outcomes = await Promise.allSettled(fresh.map((s) => mempool.accept(s.tx, { time: s.time })));
  for (const o of outcomes) {
    if (o.status === 'fulfilled') result.accepted++;
    else {
      result.failed++;
      const code = (o.reason as { code?: unknown })?.code;
      const k = typeof code === 'string' ? code : 'other';
      result.reasons[k] = (result.reasons[k] ?? 0) + 1;
    }
  }
  return result;
}
