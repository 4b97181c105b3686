// Inventory vectors, shared by inv, getdata and notfound: a type and a 32-byte hash,
// with Bitcoin's type numbers. Unknown types are refused at decode time so the layers
// above only ever see kinds they can serve. MSG_CMPCT_BLOCK (4, BIP152) decodes in every
// list; BIP152 allows it in getdata only, so relay ignores it in an inv (as Core) and we
// never put it in a notfound (an unservable one is listed as MSG_WITNESS_BLOCK).
// The type numbers themselves are protocol constants in src/primitives/protocol.ts.
import { BufReader, BufWriter, DecodeError, MSG_BLOCK, MSG_CMPCT_BLOCK, MSG_TX, MSG_WITNESS_BLOCK, MSG_WITNESS_TX, type InvType } from '../../primitives/index.js';
import { decodeWith, encodeWith, writeHash } from './codec.js';

export { MSG_TX, MSG_BLOCK, MSG_WITNESS_FLAG, MSG_WITNESS_TX, MSG_WITNESS_BLOCK, MSG_CMPCT_BLOCK, type InvType } from '../../primitives/index.js';
const KNOWN = new Set<number>([MSG_TX, MSG_BLOCK, MSG_WITNESS_TX, MSG_WITNESS_BLOCK, MSG_CMPCT_BLOCK]);

export const MAX_INV = 50_000;
export const INV_ITEM_SIZE = 36;
export const MAX_PAYLOAD = 3 + MAX_INV * INV_ITEM_SIZE;

export interface InvItem {
  readonly type: InvType;
  /** txid/wtxid or block hash, internal byte order */
  readonly hash: Uint8Array;
}

export interface InvListMessage {
  readonly items: readonly InvItem[];
}

export function isInvType(t: number): t is InvType {
  return KNOWN.has(t);
}

export function writeItems(w: BufWriter, items: readonly InvItem[]): void {
  if (items.length > MAX_INV) throw new RangeError(`p2p: more than ${MAX_INV} inventory items`);
  w.varint(items.length);
  for (const it of items) {
    if (!isInvType(it.type)) throw new RangeError(`p2p: unknown inventory type ${it.type}`);
    w.u32(it.type);
    writeHash(w, it.hash, 'inventory hash');
  }
}

export function readItems(r: BufReader): InvItem[] {
  const n = r.count(INV_ITEM_SIZE, MAX_INV);
  const items: InvItem[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const type = r.u32();
    if (!isInvType(type)) throw new DecodeError('unknown-inv-type', `decode: unknown inventory type ${type}`);
    items[i] = { type, hash: r.copy(32) };
  }
  return items;
}

export function encodeList(m: InvListMessage): Uint8Array {
  return encodeWith(3 + m.items.length * INV_ITEM_SIZE, (w) => writeItems(w, m.items));
}

export function decodeList(payload: Uint8Array): InvListMessage {
  return decodeWith(payload, (r) => ({ items: readItems(r) }));
}
