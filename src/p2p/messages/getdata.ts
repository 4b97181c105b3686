// getdata: requests the full objects named by inventory vectors; the peer answers
// each with tx/block (a MSG_CMPCT_BLOCK item with cmpctblock or block, BIP152), or lists
// what it cannot serve in notfound.
import { decodeList, encodeList, type InvListMessage, MAX_PAYLOAD as LIST_MAX } from './invvect.js';

export const MAX_PAYLOAD = LIST_MAX;

export type GetDataMessage = InvListMessage;

export function encode(m: GetDataMessage): Uint8Array {
  return encodeList(m);
}

export function decode(payload: Uint8Array): GetDataMessage {
  return decodeList(payload);
}
