// inv: announces transactions or blocks the sender has; the receiver asks for
// what it lacks with getdata.
import { decodeList, encodeList, type InvListMessage, MAX_PAYLOAD as LIST_MAX } from './invvect.js';

export const MAX_PAYLOAD = LIST_MAX;

export type InvMessage = InvListMessage;

export function encode(m: InvMessage): Uint8Array {
  return encodeList(m);
}

export function decode(payload: Uint8Array): InvMessage {
  return decodeList(payload);
}
