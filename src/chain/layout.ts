// The LevelDB key layout, in one place. Keys and values are raw bytes.
//
//   'V'                      → meta: schema version u32 | network name (varstr) | genesis hash (32)
//   'T'                      → chainstate tip: hash (32) | height u32 — the block the coin set
//                              on disk is exactly at; written in the same batch as the coins
//   'S'                      → UTXO stats at 'T': muhash state (768) | txouts u64 | total amount u64 |
//                              count (varint) | txid (32) + vout u32 of each coin not yet folded
//                              into the muhash (schema 2; schema 1 ends after the amount)
//   'e' + hash (32)          → block index entry: header (80) | height u32 | chainwork (32 BE) | status u8
//   'b' + hash (32)          → raw block
//   'u' + hash (32)          → undo data: the coins the block spent, in input order
//   'c' + txid (32) + vout BE32 → coin: value u64 | (height << 1 | coinbase) u32 | script (varbytes)
//   'h' + height BE32        → hash of the active-chain block at that height (written with 'T')
//
// Written in order: block data and index entries first (synced before a block is
// acknowledged), undo data before the coin flush that uses it, and coins + 'T' + 'S' + 'h'
// in one atomic batch. So on disk the coin set is always exactly the state at 'T', and
// everything needed to move it forward (blocks) or back (undo) is already there.
import { BufReader, BufWriter } from '../primitives/index.js';
import type { OutPoint } from '../primitives/index.js';
import type { Coin } from '../consensus/index.js';

export const SCHEMA_VERSION = 2;
/** Older schemas this one reads as they are (and marks as SCHEMA_VERSION when opened): 1 lacks only the waiting coins in 'S'. */
export const READABLE_SCHEMAS: readonly number[] = [1];

export const K_META = Uint8Array.of(0x56); // 'V'
export const K_TIP = Uint8Array.of(0x54); // 'T'
export const K_STATS = Uint8Array.of(0x53); // 'S'
const P_ENTRY = 0x65; // 'e'
const P_BLOCK = 0x62; // 'b'
const P_UNDO = 0x75; // 'u'
const P_COIN = 0x63; // 'c'
const P_HEIGHT = 0x68; // 'h'

function prefixed(prefix: number, body: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + body.length);
  k[0] = prefix;
  k.set(body, 1);
  return k;
}

export const entryKey = (hash: Uint8Array) => prefixed(P_ENTRY, hash);
export const blockKey = (hash: Uint8Array) => prefixed(P_BLOCK, hash);
export const undoKey = (hash: Uint8Array) => prefixed(P_UNDO, hash);
export const ENTRY_PREFIX = P_ENTRY;

export function coinKey(p: OutPoint): Uint8Array {
  const k = new Uint8Array(37);
  k[0] = P_COIN;
  k.set(p.txid, 1);
  // Bytewise, not a DataView: that would move this small on-heap array off the heap.
  const v = p.vout;
  k[33] = v >>> 24;
  k[34] = v >>> 16;
  k[35] = v >>> 8;
  k[36] = v;
  return k;
}

export function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(5);
  k[0] = P_HEIGHT;
  new DataView(k.buffer).setUint32(1, height, false);
  return k;
}

export function writeCoin(w: BufWriter, c: Coin): void {
  w.u64(c.value).u32(((c.height << 1) | (c.coinbase ? 1 : 0)) >>> 0).varBytes(c.script);
}

export function readCoin(r: BufReader): Coin {
  const value = r.u64();
  const code = r.u32();
  const script = r.varBytes();
  return { value, height: code >>> 1, coinbase: (code & 1) === 1, script };
}

export function encodeCoin(c: Coin): Uint8Array {
  const w = new BufWriter(16 + c.script.length);
  writeCoin(w, c);
  return w.finish();
}

export function decodeCoin(b: Uint8Array): Coin {
  return readCoin(new BufReader(b));
}

/** Element fed to the UTXO MuHash: outpoint | height<<1|coinbase | value | script (Core's TxOutSer). */
export function coinDigestElement(p: OutPoint, c: Coin): Uint8Array {
  // Written by hand rather than through BufWriter: three of these are built per spent input.
  const n = c.script.length;
  const head = n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
  const out = new Uint8Array(48 + head + n);
  const v = new DataView(out.buffer);
  out.set(p.txid, 0);
  v.setUint32(32, p.vout, true);
  v.setUint32(36, ((c.height << 1) | (c.coinbase ? 1 : 0)) >>> 0, true);
  v.setBigInt64(40, BigInt.asIntN(64, c.value), true);
  if (head === 1) out[48] = n;
  else if (head === 3) {
    out[48] = 0xfd;
    v.setUint16(49, n, true);
  } else {
    out[48] = 0xfe;
    v.setUint32(49, n, true);
  }
  out.set(c.script, 48 + head);
  return out;
}

export function encodeUndo(coins: readonly Coin[]): Uint8Array {
  const w = new BufWriter(64 * coins.length + 8);
  w.varint(coins.length);
  for (const c of coins) writeCoin(w, c);
  return w.finish();
}

export function decodeUndo(b: Uint8Array): Coin[] {
  const r = new BufReader(b);
  const n = r.count(13);
  const out: Coin[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readCoin(r);
  r.expectEnd();
  return out;
}
