// Relay: announcing new blocks and transactions, answering getdata, fetching announced
// transactions into the mempool, and address gossip.
//
// Rules (see docs/protocol.md "Sync and relay"):
//   - a block is announced only once the chain made it (part of) the active tip, i.e.
//     after full validation; peers that asked with sendheaders get headers, others inv;
//   - a transaction is announced only after the mempool accepted it;
//   - nothing is announced to a peer that is known to have it (per-peer bounded sets);
//   - getdata is answered only with validated blocks (connected once) and mempool txs;
//     anything else gets notfound. A MSG_CMPCT_BLOCK item (BIP152 low-bandwidth mode) is
//     a block request like the others; compact/serve.ts picks cmpctblock or the full
//     block, and an unknown one is listed in notfound as MSG_WITNESS_BLOCK (BIP152 allows
//     type 4 in getdata only, and ignoring it in an inv, as Core, costs nothing);
//   - inv items beyond a token-bucket allowance, unrequested txs beyond another, and
//     transactions failing consensus rules are scored by penaltyFor (src/sync/penalty.ts:
//     banScore, 0 for contextual, transient and corruption codes; policy refusals cost
//     nothing);
//   - an inv is checked against the allowance from its count, before it is decoded; the
//     accepted ones wait in a global queue (bounded: beyond maxQueuedInv items new ones
//     are dropped unread, at no cost to the sender) and are worked off round-robin across
//     peers, at most invItemsPerTurn items per event-loop turn, so a flood from many
//     well-behaved peers cannot stall the API (issue #16). Every item of a well-formed inv
//     is counted once as received and ends up processed or counted as dropped (invStats);
//   - getdata is checked the same way (allowance, queue room) before any of it is read,
//     queued raw and read item by item while being served, yielding to the event loop
//     every serveItemsPerTurn items; a notfound longer than anything we could have asked
//     for is dropped unread.
//
// Why this file is long: one Relay whose handlers share per-peer inventory state and the
// global inventory queue; about 100 of its lines are the comments stating its limits.
import type { Clock, Rng, Tx } from '../primitives/index.js';
import { bytesToHex, hexToBytes, silentLogger, yieldToEventLoop } from '../primitives/index.js';
import type { Chain, ChainEntry, TipChange } from '../chain/index.js';
import type { AddrMan } from './addrman.js';
import { INV_ITEM_SIZE, MAX_ADDR, MAX_INV, MSG_BLOCK, MSG_CMPCT_BLOCK, MSG_TX, MSG_WITNESS_BLOCK, MSG_WITNESS_FLAG, isInvType, type InvItem, type NetAddress } from './messages/index.js';
import { CompactServer } from './compact/serve.js';
import type { NodePeer } from './nodepeer.js';
import { Score, type PeerLogger } from './peer.js';
import { TokenBucket } from './ratelimit.js';
import { penaltyFor, type BlockSync } from '../sync/index.js';

/** What relay needs of a mempool (src/mempool's Mempool satisfies it). */
export interface RelayMempool {
  /** `relay: true`: from a peer, so a tx with unknown parents may wait as an orphan. */
  accept(tx: Tx, opts: { relay: true; source: 'p2p' }): Promise<{ orphan?: boolean }>;
  get(txid: Uint8Array): { readonly tx: Tx } | undefined;
  has(txid: Uint8Array): boolean;
  txids(): string[];
  on(event: 'added', cb: (entry: { readonly tx: Tx; readonly txid: Uint8Array }) => void): unknown;
  off(event: 'added', cb: (entry: { readonly tx: Tx; readonly txid: Uint8Array }) => void): unknown;
}

export interface RelayOptions {
  chain: Chain;
  sync: BlockSync;
  mempool?: RelayMempool;
  addrman?: AddrMan;
  clock: Clock;
  rng: Rng;
  log?: PeerLogger;
  /** our own address for gossip ('' when not listening) */
  listenUrl?: () => string;
  /** inv items accepted per second per peer, and burst */
  invPerSec?: number;
  invBurst?: number;
  /** unrequested transactions accepted per second, and burst */
  unrequestedTxPerSec?: number;
  unrequestedTxBurst?: number;
  /** transactions requested from one peer at once (Core: 100) */
  maxTxInFlightPerPeer?: number;
  /** a tx request unanswered this long may go to another peer */
  txRequestTimeoutMs?: number;
  /** addresses learned per second per peer, and burst (Core: 0.1/s, 1000) */
  addrPerSec?: number;
  addrBurst?: number;
  /** stop sending getdata answers while this many bytes are queued to the peer */
  maxServeBuffer?: number;
  /** inv items waiting to be processed, over all peers; beyond it new invs are dropped unread */
  maxQueuedInv?: number;
  /** inv items processed per event-loop turn, over all peers */
  invItemsPerTurn?: number;
  /** and at most this long per turn (ms, by the injected clock): a loaded machine runs each item slower */
  invTurnMs?: number;
  /** getdata items accepted per second per peer, and burst */
  getdataPerSec?: number;
  getdataBurst?: number;
  /** getdata items queued per peer; beyond it a getdata is dropped unread */
  maxGetDataQueue?: number;
  /** getdata items answered in one event-loop turn per peer before yielding */
  serveItemsPerTurn?: number;
  /** notfound items beyond this (more than we ever ask one peer for) → dropped unread */
  maxNotFound?: number;
}

/** Inventory counters: received = droppedAllowance + droppedGlobal + accepted; accepted = processed + dropped* + backlog. */
export interface InvStats {
  /** items of every well-formed inv that reached the relay */
  received: number;
  /** over the sender's allowance (INV_FLOOD) */
  droppedAllowance: number;
  /** within the allowance but beyond the global queue bound */
  droppedGlobal: number;
  /** queued for processing */
  accepted: number;
  processed: number;
  /** queued, then their sender disconnected before they were processed */
  droppedDisconnect: number;
  /** queued, after an item of unknown type in the same message */
  droppedMalformed: number;
  maxQueued: number;
  turns: number;
}

/** getdata counters, in items. */
export interface GetDataStats {
  received: number;
  droppedAllowance: number;
  droppedQueue: number;
  served: number;
  notFound: number;
  /** notfound messages dropped unread for listing more than we could have asked for */
  notFoundDropped: number;
}

/** One accepted inv (or getdata) message, worked off in slices. */
interface InvJob {
  payload: Uint8Array;
  /** offset of the next item */
  at: number;
  left: number;
}

export const RelayScore = {
  INV_FLOOD: 10,
  /** getdata items over the allowance */
  GETDATA_FLOOD: 10,
  UNREQUESTED_TX: 10,
  /** getaddr more than once per connection */
  DUPLICATE_GETADDR: 1,
} as const;

/** Most recent blocks sent as headers in one announcement (Core: 8). */
const MAX_BLOCKS_TO_ANNOUNCE = 8;

interface RelayPeer {
  np: NodePeer;
  inv: TokenBucket;
  unrequestedTx: TokenBucket;
  addr: TokenBucket;
  getdataBucket: TokenBucket;
  /** tx hashes requested from this peer */
  txInFlight: Set<string>;
  /** getdata messages waiting to be answered, raw */
  getdata: InvJob[];
  getdataQueued: number;
  serving: boolean;
  gotGetaddr: boolean;
  /** addresses this peer has or was sent */
  knownAddrs: Set<string>;
  pendingTxInv: InvItem[];
  invJobs: InvJob[];
}

export class Relay {
  private readonly chain: Chain;
  private readonly sync: BlockSync;
  private readonly mempool: RelayMempool | undefined;
  private readonly addrman: AddrMan | undefined;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: PeerLogger;
  private readonly listenUrl: () => string;
  private readonly o: Required<Omit<RelayOptions, 'chain' | 'sync' | 'mempool' | 'addrman' | 'clock' | 'rng' | 'log' | 'listenUrl'>>;
  private readonly peers = new Map<NodePeer, RelayPeer>();
  /** tx hash → when it was requested (from whichever peer) */
  private readonly txRequested = new Map<string, { rp: RelayPeer; at: number }>();
  /** answers getdata MSG_CMPCT_BLOCK (its stats: what each such request got) */
  readonly compactServe: CompactServer;
  private readonly onTip: (c: TipChange) => void;
  private readonly onAdded: (e: { readonly tx: Tx; readonly txid: Uint8Array }) => void;
  private flushScheduled = false;
  private stopped = false;
  /** peers with inv work, in round-robin order */
  private readonly invRing: RelayPeer[] = [];
  private invQueued = 0;
  private invScheduled = false;
  /** for metrics and tests: where every inv item went */
  readonly invStats: InvStats = { received: 0, droppedAllowance: 0, droppedGlobal: 0, accepted: 0, processed: 0, droppedDisconnect: 0, droppedMalformed: 0, maxQueued: 0, turns: 0 };
  readonly getdataStats: GetDataStats = { received: 0, droppedAllowance: 0, droppedQueue: 0, served: 0, notFound: 0, notFoundDropped: 0 };

  constructor(o: RelayOptions) {
    this.chain = o.chain;
    this.sync = o.sync;
    this.mempool = o.mempool;
    this.addrman = o.addrman;
    this.clock = o.clock;
    this.rng = o.rng;
    this.log = o.log ?? silentLogger;
    this.listenUrl = o.listenUrl ?? (() => '');
    this.compactServe = new CompactServer(o.rng);
    this.o = {
      invPerSec: o.invPerSec ?? 5_000,
      invBurst: o.invBurst ?? 50_000,
      unrequestedTxPerSec: o.unrequestedTxPerSec ?? 1,
      unrequestedTxBurst: o.unrequestedTxBurst ?? 20,
      maxTxInFlightPerPeer: o.maxTxInFlightPerPeer ?? 100,
      txRequestTimeoutMs: o.txRequestTimeoutMs ?? 60_000,
      addrPerSec: o.addrPerSec ?? 0.1,
      addrBurst: o.addrBurst ?? 1_000,
      maxServeBuffer: o.maxServeBuffer ?? 8 * 1024 * 1024,
      maxQueuedInv: o.maxQueuedInv ?? 250_000,
      invItemsPerTurn: o.invItemsPerTurn ?? 2_000,
      invTurnMs: o.invTurnMs ?? 10,
      getdataPerSec: o.getdataPerSec ?? 5_000,
      getdataBurst: o.getdataBurst ?? 50_000,
      maxGetDataQueue: o.maxGetDataQueue ?? 2 * MAX_INV,
      serveItemsPerTurn: o.serveItemsPerTurn ?? 1_000,
      // Core's bound: MAX_PEER_TX_ANNOUNCEMENTS + MAX_BLOCKS_IN_TRANSIT_PER_PEER
      maxNotFound: o.maxNotFound ?? 5_000 + 16,
    };
    this.onTip = (c) => this.announceTip(c);
    this.onAdded = (e) => this.announceTx(e.txid);
    this.chain.on('tip', this.onTip);
    this.mempool?.on('added', this.onAdded);
  }

  stop(): void {
    this.stopped = true;
    this.chain.off('tip', this.onTip);
    this.mempool?.off('added', this.onAdded);
  }

  addPeer(np: NodePeer): void {
    const rp: RelayPeer = {
      np,
      inv: new TokenBucket(this.o.invPerSec, this.o.invBurst, this.clock),
      unrequestedTx: new TokenBucket(this.o.unrequestedTxPerSec, this.o.unrequestedTxBurst, this.clock),
      addr: new TokenBucket(this.o.addrPerSec, this.o.addrBurst, this.clock),
      getdataBucket: new TokenBucket(this.o.getdataPerSec, this.o.getdataBurst, this.clock),
      txInFlight: new Set(),
      getdata: [],
      getdataQueued: 0,
      serving: false,
      gotGetaddr: false,
      knownAddrs: new Set(),
      pendingTxInv: [],
      invJobs: [],
    };
    this.peers.set(np, rp);
    const p = np.peer;
    p.onCommand('sendheaders', () => (np.sendHeaders = true));
    p.onRawCommand('inv', (payload) => this.onRawInv(rp, payload));
    p.onRawCommand('getdata', (payload) => this.onRawGetData(rp, payload));
    p.onPrecheck('notfound', (payload) => this.checkNotFound(rp, payload));
    p.onCommand('notfound', (m) => this.onNotFound(rp, m.items));
    p.onCommand('tx', (m) => this.onTx(rp, m.tx));
    p.onCommand('mempool', () => this.onMempool(rp));
    p.onCommand('getaddr', () => this.onGetAddr(rp));
    p.onCommand('addr', (m) => this.onAddr(rp, m.addrs));
    p.send({ cmd: 'sendheaders' });
    if (!p.inbound) {
      // Ask for addresses and tell the peer where we can be reached (Core advertises
      // its own address to outbound peers after the handshake).
      p.send({ cmd: 'getaddr' });
      const url = this.listenUrl();
      if (url) p.send({ cmd: 'addr', addrs: [{ time: this.nowSec(), services: 1n, url }] });
    }
    if (this.mempool && np.relayTxs) {
      // A newly connected peer learns our mempool (as the BIP35 'mempool' answer would).
      this.sendInvs(rp, this.mempool.txids().map((h) => ({ type: MSG_TX, hash: reverseHex(h) })));
    }
  }

  removePeer(np: NodePeer): void {
    const rp = this.peers.get(np);
    if (!rp) return;
    this.peers.delete(np);
    for (const j of rp.invJobs) {
      this.invQueued -= j.left;
      this.invStats.droppedDisconnect += j.left;
    }
    rp.invJobs.length = 0;
    rp.getdata.length = 0;
    rp.getdataQueued = 0;
    for (const k of rp.txInFlight) if (this.txRequested.get(k)?.rp === rp) this.txRequested.delete(k);
  }

  private nowSec(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  // ---------------------------------------------------------------- announcements

  private announceTip(c: TipChange): void {
    if (this.stopped) return;
    // Blocks newly on the active chain, oldest first.
    const fresh: ChainEntry[] = [];
    for (let e: ChainEntry | null = c.tip; e && fresh.length <= MAX_BLOCKS_TO_ANNOUNCE && !this.isAncestor(e, c.previous); e = e.prev) {
      fresh.push(e);
    }
    fresh.reverse();
    for (const rp of this.peers.values()) {
      const { np } = rp;
      if (!np.ready || np.known.has(c.tip.hash)) continue;
      const unknown = fresh.filter((e) => !np.known.has(e.hash));
      const first = unknown[0];
      const connects = first && fresh.length <= MAX_BLOCKS_TO_ANNOUNCE && (first.prev === null || np.known.has(first.prev.hash) || first.prev === c.previous);
      if (np.sendHeaders && connects) {
        np.peer.send({ cmd: 'headers', headers: unknown.map((e) => e.header) });
      } else {
        np.peer.send({ cmd: 'inv', items: [{ type: MSG_BLOCK, hash: c.tip.hash }] });
      }
      for (const e of unknown) np.known.add(e.hash);
      np.known.add(c.tip.hash);
    }
  }

  /** True when `a` is an ancestor of (or equal to) `b` */
  private isAncestor(a: ChainEntry, b: ChainEntry): boolean {
    return a.height <= b.height && this.chain.getAncestor(b, a.height) === a;
  }

  private announceTx(txid: Uint8Array): void {
    if (this.stopped) return;
    for (const rp of this.peers.values()) {
      if (!rp.np.ready || !rp.np.relayTxs || rp.np.known.has(txid)) continue;
      rp.np.known.add(txid);
      rp.pendingTxInv.push({ type: MSG_TX, hash: txid });
    }
    // Announcements made in one turn of the event loop go out as one inv per peer.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        for (const rp of this.peers.values()) {
          const items = rp.pendingTxInv.splice(0);
          if (items.length > 0) this.sendInvs(rp, items);
        }
      });
    }
  }

  private sendInvs(rp: RelayPeer, items: InvItem[]): void {
    for (const it of items) rp.np.known.add(it.hash);
    for (let i = 0; i < items.length; i += MAX_INV) rp.np.peer.send({ cmd: 'inv', items: items.slice(i, i + MAX_INV) });
  }

  // ---------------------------------------------------------------- inv / getdata

  /** An inv, before decoding: structure and allowance from its count, then into the queue. */
  private onRawInv(rp: RelayPeer, payload: Uint8Array): void {
    const { peer } = rp.np;
    const c = readCount(payload);
    if (c === undefined || c.n > MAX_INV || payload.length !== c.at + c.n * INV_ITEM_SIZE) {
      peer.misbehave(Score.MALFORMED, `malformed inv: ${payload.length} bytes do not hold the items their count says`);
      return;
    }
    if (c.n === 0) return;
    this.invStats.received += c.n;
    if (!rp.inv.take(c.n)) {
      this.invStats.droppedAllowance += c.n;
      peer.misbehave(RelayScore.INV_FLOOD, `inv flood (${c.n} items over the allowance)`);
      return;
    }
    if (this.invQueued + c.n > this.o.maxQueuedInv) {
      // Within the peer's allowance, but the node as a whole is behind: announcements
      // are hints, so this one is dropped unread rather than held or punished.
      this.invStats.droppedGlobal += c.n;
      return;
    }
    this.invStats.accepted += c.n;
    this.invQueued += c.n;
    this.invStats.maxQueued = Math.max(this.invStats.maxQueued, this.invQueued);
    if (rp.invJobs.length === 0) this.invRing.push(rp);
    rp.invJobs.push({ payload, at: c.at, left: c.n });
    this.scheduleInv();
  }

  private scheduleInv(): void {
    if (this.invScheduled || this.stopped) return;
    this.invScheduled = true;
    setImmediate(() => {
      this.invScheduled = false;
      this.workInv();
    });
  }

  /** One turn of inv work: up to invItemsPerTurn items, in slices taken round-robin from the peers. */
  private workInv(): void {
    if (this.stopped) return;
    this.invStats.turns++;
    let budget = this.o.invItemsPerTurn;
    const slice = Math.max(1, Math.min(200, Math.ceil(budget / Math.max(1, this.invRing.length))));
    const started = this.clock.now();
    this.expireTxRequests();
    while (budget > 0 && this.invRing.length > 0 && this.clock.now() - started < this.o.invTurnMs) {
      const rp = this.invRing.shift()!;
      if (this.peers.get(rp.np) !== rp || rp.invJobs.length === 0) continue;
      const done = this.invSlice(rp, Math.min(slice, budget));
      budget -= done;
      if (rp.invJobs.length > 0) this.invRing.push(rp);
    }
    if (this.invRing.length > 0) this.scheduleInv();
  }

  /** Processes up to max items of rp's oldest inv; returns how many. */
  private invSlice(rp: RelayPeer, max: number): number {
    const { np } = rp;
    const job = rp.invJobs[0]!;
    const p = job.payload;
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const want: InvItem[] = [];
    let unknownBlock = false;
    let n = 0;
    for (; n < max && job.left > 0; n++, job.left--, job.at += INV_ITEM_SIZE) {
      const type = view.getUint32(job.at, true);
      if (!isInvType(type)) {
        // Items before it were fine and are kept; the rest of the message is dropped.
        this.invQueued -= job.left;
        this.invStats.droppedMalformed += job.left;
        job.left = 0;
        np.peer.misbehave(Score.MALFORMED, `malformed inv: unknown inventory type ${type}`);
        break;
      }
      // BIP152 allows MSG_CMPCT_BLOCK in getdata only: ignored here, at no cost, as Core.
      if (type === MSG_CMPCT_BLOCK) continue;
      const hash = p.subarray(job.at + 4, job.at + 36);
      np.known.add(hash);
      if ((type & ~MSG_WITNESS_FLAG) === MSG_BLOCK) {
        const entry = this.chain.getEntry(hash);
        if (!entry) unknownBlock = true;
        else if (np.ready) this.sync.peerHas(np, entry);
        continue;
      }
      if (!this.mempool || rp.txInFlight.size >= this.o.maxTxInFlightPerPeer) continue;
      const k = bytesToHex(hash);
      if (this.txRequested.has(k) || this.mempool.has(hash)) continue;
      rp.txInFlight.add(k);
      this.txRequested.set(k, { rp, at: this.clock.now() });
      want.push({ type: MSG_TX | MSG_WITNESS_FLAG, hash: hash.slice() } as InvItem);
    }
    this.invQueued -= n;
    this.invStats.processed += n;
    if (job.left === 0) rp.invJobs.shift();
    if (np.ready) {
      if (want.length > 0) np.peer.send({ cmd: 'getdata', items: want });
      // An unknown block: fetch the headers leading to it, then the sync logic fetches it.
      if (unknownBlock) this.sync.askHeaders(np);
    }
    return Math.max(1, n);
  }

  /** inv items accepted but not yet processed, over all peers */
  get invBacklog(): number {
    return this.invQueued;
  }

  private expireTxRequests(): void {
    const now = this.clock.now();
    for (const [k, r] of this.txRequested) {
      if (now - r.at <= this.o.txRequestTimeoutMs) break; // insertion order = age order
      this.txRequested.delete(k);
      r.rp.txInFlight.delete(k);
    }
  }

  private onNotFound(rp: RelayPeer, items: readonly InvItem[]): void {
    for (const it of items) {
      const k = bytesToHex(it.hash);
      if (rp.txInFlight.delete(k) && this.txRequested.get(k)?.rp === rp) this.txRequested.delete(k);
    }
  }

  /** A notfound, before decoding: one listing more than we could have asked for is dropped unread. */
  private checkNotFound(rp: RelayPeer, payload: Uint8Array): boolean {
    const c = readCount(payload);
    // A malformed one is decoded and scored as such by the peer.
    if (c === undefined || c.n <= this.o.maxNotFound) return true;
    this.getdataStats.notFoundDropped++;
    this.log.debug({ peer: rp.np.peer.remote, items: c.n }, 'notfound longer than any request: dropped unread');
    return false;
  }

  /** A getdata, before decoding: structure, allowance and queue room from its count, then queued raw. */
  private onRawGetData(rp: RelayPeer, payload: Uint8Array): void {
    const { peer } = rp.np;
    const c = readCount(payload);
    if (c === undefined || c.n > MAX_INV || payload.length !== c.at + c.n * INV_ITEM_SIZE) {
      peer.misbehave(Score.MALFORMED, `malformed getdata: ${payload.length} bytes do not hold the items their count says`);
      return;
    }
    if (c.n === 0) return;
    this.getdataStats.received += c.n;
    if (!rp.getdataBucket.take(c.n)) {
      this.getdataStats.droppedAllowance += c.n;
      peer.misbehave(RelayScore.GETDATA_FLOOD, `getdata flood (${c.n} items over the allowance)`);
      return;
    }
    if (rp.getdataQueued + c.n > this.o.maxGetDataQueue) {
      // Only a peer that stopped reading our answers gets here (the send buffer limit
      // then disconnects it): drop the request unread.
      this.getdataStats.droppedQueue += c.n;
      return;
    }
    rp.getdata.push({ payload, at: c.at, left: c.n });
    rp.getdataQueued += c.n;
    if (!rp.serving) void this.serve(rp);
  }

  /** The next queued getdata item, read from its message; undefined when none is left (or the rest was malformed). */
  private nextGetData(rp: RelayPeer): InvItem | undefined {
    while (rp.getdata.length > 0) {
      const job = rp.getdata[0]!;
      if (job.left === 0) {
        rp.getdata.shift();
        continue;
      }
      const p = job.payload;
      const type = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(job.at, true);
      if (!isInvType(type)) {
        rp.getdataQueued -= job.left;
        rp.getdata.shift();
        rp.np.peer.misbehave(Score.MALFORMED, `malformed getdata: unknown inventory type ${type}`);
        continue;
      }
      const item = { type, hash: p.slice(job.at + 4, job.at + 36) } as InvItem;
      job.at += INV_ITEM_SIZE;
      job.left--;
      rp.getdataQueued--;
      if (job.left === 0) rp.getdata.shift();
      return item;
    }
    return undefined;
  }

  /**
   * Answers a peer's getdata queue in order, pausing while its send buffer is full and
   * yielding to the event loop every serveItemsPerTurn items (a 50,000-item getdata of
   * unknown hashes is otherwise one long synchronous stretch).
   */
  private async serve(rp: RelayPeer): Promise<void> {
    rp.serving = true;
    const { peer } = rp.np;
    const notFound: InvItem[] = [];
    let sinceYield = 0;
    try {
      while (rp.getdataQueued > 0 && peer.state === 'ready' && !this.stopped) {
        if (peer.sendBuffered > this.o.maxServeBuffer) {
          await new Promise<void>((r) => this.clock.setTimeout(r, 10));
          continue;
        }
        if (++sinceYield > this.o.serveItemsPerTurn) {
          sinceYield = 0;
          await yieldToEventLoop();
          continue;
        }
        const it = this.nextGetData(rp);
        if (!it) break;
        const base = it.type & ~MSG_WITNESS_FLAG;
        const cmpct = it.type === MSG_CMPCT_BLOCK;
        if (base === MSG_BLOCK || cmpct) {
          const e = this.chain.getEntry(it.hash);
          const ok = e !== undefined && e.valid && !e.failed;
          // The chain's recent-block cache answers for blocks just connected (no disk read);
          // a full block goes out as its stored bytes, never decoded (Core serves from disk
          // the same way), so serving a syncing peer costs a read and a copy per block.
          const block = ok && cmpct ? await this.chain.getBlock(it.hash).catch(() => undefined) : undefined;
          const bytes = ok && !cmpct ? await this.chain.getBlockBytes(it.hash).catch(() => undefined) : undefined;
          if (block) peer.send(this.compactServe.answer(e!, block, this.chain.height, rp.np.providesCompact));
          else if (bytes) peer.sendPayload('block', bytes);
          else notFound.push(cmpct ? { type: MSG_WITNESS_BLOCK, hash: it.hash } : it);
          if (block || bytes) {
            rp.np.known.add(it.hash);
            this.getdataStats.served++;
          }
        } else {
          const entry = this.mempool?.get(it.hash);
          if (!entry) notFound.push(it);
          else {
            peer.send({ cmd: 'tx', tx: entry.tx });
            rp.np.known.add(it.hash);
            this.getdataStats.served++;
          }
        }
        if (notFound.length >= MAX_INV) {
          this.getdataStats.notFound += notFound.length;
          peer.send({ cmd: 'notfound', items: notFound.splice(0) });
        }
      }
      if (notFound.length > 0 && peer.state === 'ready') {
        this.getdataStats.notFound += notFound.length;
        peer.send({ cmd: 'notfound', items: notFound });
      }
    } catch (e) {
      this.log.error({ peer: peer.remote, err: e }, 'serving getdata failed');
    } finally {
      rp.serving = false;
    }
  }

  // ---------------------------------------------------------------- transactions

  private onTx(rp: RelayPeer, tx: Tx): void {
    const { np } = rp;
    const txid = tx.txid();
    const k = bytesToHex(txid);
    np.known.add(txid);
    const requested = rp.txInFlight.delete(k);
    if (this.txRequested.get(k)?.rp === rp) this.txRequested.delete(k);
    if (!requested && !rp.unrequestedTx.take(1)) {
      np.peer.misbehave(RelayScore.UNREQUESTED_TX, 'too many unrequested transactions');
      return;
    }
    if (!this.mempool) return;
    if (this.mempool.has(txid)) return;
    this.mempool.accept(tx, { relay: true, source: 'p2p' }).then((r) => {
      // A transaction that made it in: what inbound eviction protects (Core's m_last_tx_time).
      if (!r.orphan) np.lastTxAt = this.clock.now();
    }, (e) => {
      // What a failing tx costs its sender: the one penalty table (src/sync/penalty.ts).
      const p = penaltyFor(e, 'tx');
      this.log.debug({ peer: np.peer.remote, ...(p.code ? { code: p.code, score: p.score } : { err: (e as Error)?.message }) }, p.message);
      if (p.score > 0 && np.ready) np.peer.misbehave(p.score, p.reason);
    });
  }

  private onMempool(rp: RelayPeer): void {
    if (!this.mempool || !rp.np.relayTxs) return;
    const items = this.mempool
      .txids()
      .map((h) => ({ type: MSG_TX, hash: reverseHex(h) }) as InvItem)
      .filter((it) => !rp.np.known.has(it.hash));
    this.sendInvs(rp, items);
  }

  // ---------------------------------------------------------------- addresses

  private onGetAddr(rp: RelayPeer): void {
    const { peer } = rp.np;
    // Only inbound peers are answered, once per connection (as Core): an outbound peer
    // asking is either odd or fingerprinting us.
    if (!peer.inbound) return;
    if (rp.gotGetaddr) {
      peer.misbehave(RelayScore.DUPLICATE_GETADDR, 'repeated getaddr');
      return;
    }
    rp.gotGetaddr = true;
    if (!this.addrman) return;
    // Small tables are shared whole: the 23% cap protects big tables from being scraped,
    // while a young network needs every address to find its members.
    const pct = this.addrman.size < 100 ? 100 : 23;
    const addrs = this.addrman.getAddresses(this.rng, MAX_ADDR, pct).filter((a) => a.url !== peer.remoteVersion?.listenUrl);
    for (const a of addrs) rp.knownAddrs.add(a.url);
    peer.send({ cmd: 'addr', addrs });
  }

  private onAddr(rp: RelayPeer, addrs: readonly NetAddress[]): void {
    if (!this.addrman) return;
    const now = this.nowSec();
    const fresh: NetAddress[] = [];
    for (const a of addrs) {
      rp.knownAddrs.add(a.url);
      if (!rp.addr.take(1)) continue; // beyond the allowance: ignored, not punished (as Core)
      if (a.url === this.listenUrl()) continue;
      this.addrman.add({ url: a.url, services: a.services, time: a.time, ...(a.identity ? { identity: a.identity } : {}) }, rp.np.peer.host);
      if (a.time > now - 600) fresh.push(a);
    }
    // Small unsolicited announcements of fresh addresses travel on to two other peers.
    if (addrs.length <= 10 && fresh.length > 0) {
      const others = [...this.peers.values()].filter((o) => o !== rp && o.np.ready);
      for (let i = 0; i < 2 && others.length > 0; i++) {
        const o = others.splice(this.rng.int(others.length), 1)[0]!;
        const send = fresh.filter((a) => !o.knownAddrs.has(a.url));
        for (const a of send) o.knownAddrs.add(a.url);
        if (send.length > 0) o.np.peer.send({ cmd: 'addr', addrs: send });
      }
    }
  }

  /** For PeerInfo: tx requests outstanding to this peer. */
  txInFlightOf(np: NodePeer): number {
    return this.peers.get(np)?.txInFlight.size ?? 0;
  }
}

/** A minimal CompactSize count at the start of an inv payload, or undefined. */
function readCount(p: Uint8Array): { n: number; at: number } | undefined {
  const b = p[0];
  if (b === undefined) return undefined;
  if (b < 0xfd) return { n: b, at: 1 };
  if (b === 0xfd && p.length >= 3) {
    const n = p[1]! | (p[2]! << 8);
    return n >= 0xfd ? { n, at: 3 } : undefined;
  }
  if (b === 0xfe && p.length >= 5) {
    const n = (p[1]! | (p[2]! << 8) | (p[3]! << 16) | (p[4]! << 24)) >>> 0;
    return n > 0xffff ? { n, at: 5 } : undefined;
  }
  return undefined;
}

/** Display-hex txid (as the mempool lists them) → internal byte order. */
function reverseHex(h: string): Uint8Array {
  return hexToBytes(h).reverse();
}

