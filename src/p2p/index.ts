// Peer-to-peer networking: the wire messages and their framing, transports (WebSocket,
// in-memory, fault injection), the Peer state machine, and the address and ban managers.
// Error contract: decoding untrusted bytes throws only DecodeError, and a Peer turns
// every malformed, oversized, unknown, early or rate-limited message into a
// misbehaviour score or a disconnect (with a logged reason), never a thrown error.
// Invariants: nothing but version/verack is processed before the handshake; every
// message and list is bounded (MAX_PAYLOAD per command, MAX_MESSAGE_SIZE per frame);
// time, randomness and transports are injected. The wire layer (messages, transports
// under transport/ one file each, Noise under secure/, Peer) knows nothing of the chain;
// relay.ts (announcements, getdata, address gossip) and net.ts (P2PNode, the
// composition) sit on top, driving Peers through events and send(). Block sync is its
// own subsystem (src/sync, re-exported here): it meets peers through its SyncLink port,
// which NodePeer satisfies. The chain is read through its public calls and events; the
// mempool only through the RelayMempool interface declared in relay.ts (p2p never imports
// src/mempool).
export * from './messages/index.js';
export * from './transport.js';
export * from './peer.js';
export * from './ratelimit.js';
export * from './addrman.js';
export * from './banman.js';
export * from './store.js';
export * from './nodepeer.js';
export * from '../sync/index.js';
export * from './relay.js';
export * from './compact/index.js';
export * from './net.js';
export { type Clock, type TimerHandle, ManualClock, systemClock, type Rng, cryptoRng, seededRng } from '../primitives/index.js';
