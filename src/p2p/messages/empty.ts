// The messages that are only a command, with no payload, share one codec:
//   verack       acknowledges the peer's version; the handshake is complete once each
//                side has received the other's version and verack;
//   getaddr      asks for known peer addresses (answered with addr), answered once per
//                connection so it cannot be used to scrape the whole address manager;
//   mempool      asks the peer to announce (inv) the transactions in its mempool, so a
//                freshly started node learns pending transactions without waiting;
//   sendheaders  asks the peer to announce new blocks with headers instead of inv,
//                which saves a round trip per block (BIP130).
import { decodeEmpty, EMPTY } from './codec.js';

export type EmptyMessage = Record<never, never>;
export type VerackMessage = EmptyMessage;
export type GetaddrMessage = EmptyMessage;
export type MempoolMessage = EmptyMessage;
export type SendheadersMessage = EmptyMessage;

/** Codec of a payload-less command: encodes to nothing, decodes only nothing. */
export const emptyCodec = Object.freeze({
  MAX_PAYLOAD: 0,
  encode(_m?: EmptyMessage): Uint8Array {
    return EMPTY;
  },
  decode(payload: Uint8Array): EmptyMessage {
    decodeEmpty(payload);
    return {};
  },
});
