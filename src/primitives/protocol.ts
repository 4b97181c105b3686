// Constants of the p2p protocol that more than the wire codecs need: the protocol
// version, Bitcoin's inventory type numbers and the headers-per-message bound (the unit
// of headers-first sync). src/p2p/messages encodes them; src/sync builds requests with
// them; both import them from here so neither depends on the other for a number.

/** Our p2p protocol version (version message, getheaders). */
export const PROTOCOL_VERSION = 1;
/** Oldest protocol version we talk to. */
export const MIN_PROTOCOL_VERSION = 1;

export const MSG_TX = 1;
export const MSG_BLOCK = 2;
/** Asks for the witness serialization (BIP144). */
export const MSG_WITNESS_FLAG = 1 << 30;
export const MSG_WITNESS_TX = MSG_TX | MSG_WITNESS_FLAG;
export const MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG;
/** A block as `cmpctblock` (BIP152 low-bandwidth mode); BIP152 allows it in getdata only. */
export const MSG_CMPCT_BLOCK = 4;

export type InvType = typeof MSG_TX | typeof MSG_BLOCK | typeof MSG_WITNESS_TX | typeof MSG_WITNESS_BLOCK | typeof MSG_CMPCT_BLOCK;

/** Headers in one headers message; a full batch means the sender has more. */
export const MAX_HEADERS = 2000;
