// notfound: the part of a getdata the peer could not serve, so the requester can
// ask someone else at once instead of waiting for a timeout.
import { decodeList, encodeList, type InvListMessage, MAX_PAYLOAD as LIST_MAX } from './invvect.js';

export const MAX_PAYLOAD = LIST_MAX;

export type NotFoundMessage = InvListMessage;

export function encode(m: NotFoundMessage): Uint8Array {
  return encodeList(m);
}

export function decode(payload: Uint8Array): NotFoundMessage {
  return decodeList(payload);
}
