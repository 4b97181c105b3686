// What block sync needs of a connected peer, declared here so that sync depends on no
// networking code: the four messages it receives (headers, getheaders, block, notfound),
// the three it sends (getheaders, headers, getdata), a misbehaviour score, a disconnect,
// the peer's inventory memory, and whether it speaks BIP152 compact blocks (its answer to
// a getdata MSG_CMPCT_BLOCK is a cmpctblock, which p2p's compact relay handles and reports
// back through BlockSync.compactDone / fetchFull). src/p2p's NodePeer satisfies SyncLink
// as it is, and P2PNode hands its ready peers to BlockSync; tests and simulators can hand
// it anything else that does.
import type { Block, BlockHeader, InvType } from '../primitives/index.js';

export interface SyncInvItem {
  readonly type: InvType;
  /** block hash, internal byte order */
  readonly hash: Uint8Array;
}

/** The messages sync sends (shapes of docs/protocol.md, as src/p2p/messages encodes them). */
export type SyncOutbound =
  | { readonly cmd: 'getheaders'; readonly version: number; readonly locator: readonly Uint8Array[]; readonly stop: Uint8Array }
  | { readonly cmd: 'headers'; readonly headers: readonly BlockHeader[] }
  | { readonly cmd: 'getdata'; readonly items: readonly SyncInvItem[] };

/** The wire side of one peer. */
export interface SyncWire {
  /** for logs */
  readonly remote: string;
  /** 'ready' once the handshake is done */
  readonly state: string;
  send(m: SyncOutbound): unknown;
  /** adds to the peer's misbehaviour score (the peer layer bans at its threshold) */
  misbehave(score: number, reason: string): void;
  close(reason: string): void;
  onCommand(cmd: 'headers', cb: (m: { readonly headers: readonly BlockHeader[] }) => void): unknown;
  onCommand(cmd: 'getheaders', cb: (m: { readonly locator: readonly Uint8Array[]; readonly stop: Uint8Array }) => void): unknown;
  onCommand(cmd: 'block', cb: (m: { readonly block: Block }) => void): unknown;
  onCommand(cmd: 'notfound', cb: (m: { readonly items: readonly SyncInvItem[] }) => void): unknown;
}

/** One connected peer as sync sees it. */
export interface SyncLink {
  readonly peer: SyncWire;
  /** handshake done and not closed */
  readonly ready: boolean;
  /** inventory the peer is known to have: sync records the headers and blocks it saw there */
  readonly known: { add(hash: Uint8Array): void };
  /** when the peer last gave us a block we needed (inbound eviction protects such peers) */
  lastBlockAt: number;
  /**
   * The peer sent sendcmpct version 2 (BIP152): a lone new block it announces may be asked
   * of it with getdata MSG_CMPCT_BLOCK; the answer goes to compact relay, not to sync.
   * Absent: never.
   */
  readonly providesCompact?: boolean;
}
