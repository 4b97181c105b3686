// Download scheduling: which blocks to ask whom for. The blocks of the best chain each
// peer has shown us are fetched from all peers at once, through a window of `windowSize`
// blocks above our tip, at most `maxInFlightPerPeer` outstanding per peer, peers with
// the fewest requests first. A request older than blockTimeoutMs disconnects its peer;
// the lowest block of the window held up longer than the (adaptive) stall timeout while
// another peer could serve it moves every request of the staller to others, and a peer
// that stalls maxStalls times is disconnected (Core's BLOCK_STALLING_TIMEOUT).
//
// BIP152 low-bandwidth mode: a block is asked for with getdata MSG_CMPCT_BLOCK instead of
// MSG_WITNESS_BLOCK only in Core's case (its headers direct fetch) — the peer's last
// headers message announced it as the one new block on our tip (PeerSync.announced), the
// peer sent sendcmpct version 2, it is the only block this walk asks of the peer and the
// only block in flight at all, and no compact rebuild of it failed before. So a sync of
// many blocks fetches them whole as always. The cmpctblock answer goes to compact relay,
// which frees the slot when the block went to the chain (compactDone) or, when the
// rebuild fails, through compactFailed: the block is then fetched whole, never again
// compact, so a failing rebuild cannot loop.
import type { Clock, Logger } from '../primitives/index.js';
import { MSG_BLOCK, MSG_CMPCT_BLOCK, MSG_WITNESS_BLOCK, MSG_WITNESS_FLAG, bytesToHex } from '../primitives/index.js';
import type { Chain, ChainEntry } from '../chain/index.js';
import type { SyncConfig } from './options.js';
import type { BlockRequest, PeerSync } from './peerstate.js';
import type { SyncInvItem } from './port.js';

/**
 * A block a peer said it does not have is not asked of it again for this long. Without it,
 * a peer that shows a header chain and answers notfound (a header-only branch: cheap at
 * low difficulty) was asked again at once, forever: a getdata/notfound ping-pong at
 * network latency (found by the network simulator's hostile nodes: ~400,000 messages in a
 * 2-hour 8-node world instead of ~25,000).
 */
export const NOTFOUND_RETRY_MS = 60_000;
/** entries taken from the skip list at a time while looking for blocks to fetch (Core's 128) */
const FETCH_BATCH = 128;
/** at most this many notfound marks per peer (oldest forgotten first) */
const MAX_NOTFOUND_MARKS = 4096;
/** blocks remembered as "fetch whole" after a failed compact rebuild (oldest forgotten first) */
const MAX_FULL_ONLY = 1024;

export class BlockDownload {
  /** block hash → the peer it is requested from */
  private readonly requested = new Map<string, PeerSync>();
  /** blocks whose compact rebuild failed: never asked for as cmpctblock again */
  private readonly fullOnly = new Set<string>();
  /** getdata items sent, by kind (for tests and metrics) */
  readonly stats = { full: 0, compact: 0 };
  /** the current stall timeout: doubles on each stall, decays as requested blocks arrive */
  private stallMs: number;

  constructor(
    private readonly chain: Chain,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly cfg: SyncConfig,
  ) {
    this.stallMs = cfg.stallTimeoutMs;
  }

  /**
   * Fills every peer's request slots with the next blocks of the best chain it has.
   * `busy(k)`: the block is already received (held or queued).
   */
  request(peers: Iterable<PeerSync>, busy: (k: string) => boolean): void {
    const tip = this.chain.tip;
    const maxHeight = tip.height + this.cfg.windowSize;
    const list = [...peers].sort((a, b) => a.inFlight.size - b.inFlight.size);
    for (const sp of list) {
      if (!sp.link.ready || sp.inFlight.size >= this.cfg.maxInFlightPerPeer) continue;
      const best = sp.best;
      if (!best || best.failed || best.chainwork <= tip.chainwork) continue;
      const wanted: ChainEntry[] = [];
      const now = this.clock.now();
      this.nextToFetch(sp, best, maxHeight, busy, (e) => {
        const k = e.key;
        if (this.requested.has(k)) return true;
        const nf = sp.notFound.get(k);
        if (nf !== undefined) {
          if (now - nf < NOTFOUND_RETRY_MS) return true;
          sp.notFound.delete(k);
        }
        this.requested.set(k, sp);
        sp.inFlight.set(k, { entry: e, at: now });
        wanted.push(e);
        return sp.inFlight.size < this.cfg.maxInFlightPerPeer;
      });
      if (wanted.length === 0) continue;
      const compact = wanted.length === 1 && this.asCompact(sp, wanted[0]!);
      if (sp.announced && wanted.includes(sp.announced)) sp.announced = undefined;
      const items: SyncInvItem[] = wanted.map((e) => ({ type: compact ? MSG_CMPCT_BLOCK : MSG_WITNESS_BLOCK, hash: e.hash }));
      this.stats[compact ? 'compact' : 'full'] += items.length;
      sp.link.peer.send({ cmd: 'getdata', items });
    }
  }

  /** Core's condition for asking `e` as cmpctblock (see the top of this file). */
  private asCompact(sp: PeerSync, e: ChainEntry): boolean {
    return sp.announced === e && sp.link.providesCompact === true && e.prev === this.chain.tip && this.requested.size === 1 && !this.fullOnly.has(e.key);
  }

  /**
   * A compact rebuild of `e` failed (collision, failed check, getblocktxn unanswered):
   * sp's request for it, if any, is freed, and the block is from now on asked for whole.
   */
  compactFailed(sp: PeerSync, e: ChainEntry): void {
    this.fullOnly.delete(e.key);
    this.fullOnly.add(e.key);
    if (this.fullOnly.size > MAX_FULL_ONLY) this.fullOnly.delete(this.fullOnly.values().next().value!);
    if (sp.announced === e) sp.announced = undefined;
    sp.inFlight.delete(e.key);
    sp.cancelled.delete(e.key);
    if (this.requested.get(e.key) === sp) this.requested.delete(e.key);
  }

  /**
   * Visits, lowest first, the entries without data on the path to the peer's `best` up to
   * `maxHeight`, until `visit` returns false or a failed entry is reached. Core's
   * FindNextBlocksToDownload: the walk starts at the peer's last common block (the highest
   * entry of that path that we and every ancestor of it have), which moves up as blocks
   * arrive, in batches of FETCH_BATCH taken from the skip list. The walk used to rebuild the
   * whole path from `best` down to our chain, a window's 1,024 entries per peer on every
   * arriving block: about a third of the node's time during a 2,000-block sync, and the
   * main cause of slow API answers meanwhile.
   *
   * A block received and waiting for the chain (`busy`: held or queued) counts as one we
   * have, as in Core, where a received block is on disk before it is connected: the queue
   * never drops one (it is connected, or refused and then marked failed), and when
   * connecting lags the download the queue holds hundreds, which every walk passed
   * otherwise. A refusal for any other reason resets every peer's cursor (resetCursors).
   */
  private nextToFetch(sp: PeerSync, best: ChainEntry, maxHeight: number, busy: (k: string) => boolean, visit: (e: ChainEntry) => boolean): void {
    let common = sp.lastCommon;
    // first use, or the peer (or our record of it) moved to another branch
    if (!common || this.chain.getAncestor(best, common.height) !== common) {
      common = this.chain.lastCommonAncestor(common ?? this.chain.getEntryAt(Math.min(best.height, this.chain.height))!, best);
    }
    const stop = Math.min(best.height, maxHeight);
    let contiguous = true;
    try {
      for (let h = common.height; h < stop; ) {
        const top = Math.min(h + FETCH_BATCH, stop);
        const batch = new Array<ChainEntry>(top - h);
        let e = this.chain.getAncestor(best, top)!;
        for (let i = batch.length - 1; i >= 0; i--) {
          batch[i] = e;
          e = e.prev!;
        }
        for (const e of batch) {
          if (e.failed) return;
          if (e.haveData || this.chain.isActive(e) || busy(e.key)) {
            if (contiguous) common = e;
            continue;
          }
          contiguous = false;
          if (!visit(e)) return;
        }
        h = top;
      }
    } finally {
      sp.lastCommon = common;
    }
  }

  /**
   * Every peer's walk starts again from our chain: a block the queue held was refused
   * without being marked failed (the chain could not process it), so blocks the cursors
   * passed as received may have to be fetched again.
   */
  resetCursors(peers: Iterable<PeerSync>): void {
    for (const sp of peers) sp.lastCommon = undefined;
  }

  /** A block arrived from sp: true if it was requested from sp (now or before a stall moved it). */
  received(sp: PeerSync, k: string): boolean {
    const wasRequested = sp.inFlight.delete(k) || sp.cancelled.delete(k);
    if (this.requested.get(k) === sp) this.requested.delete(k);
    if (wasRequested) this.stallMs = Math.max(this.cfg.stallTimeoutMs, this.stallMs * 0.85);
    return wasRequested;
  }

  /** The peer cannot give us these blocks: frees their slots; true if any was ours. */
  notFound(sp: PeerSync, items: readonly SyncInvItem[]): boolean {
    let freed = false;
    for (const it of items) {
      if ((it.type & ~MSG_WITNESS_FLAG) !== MSG_BLOCK && it.type !== MSG_CMPCT_BLOCK) continue;
      const k = bytesToHex(it.hash);
      if (sp.inFlight.delete(k)) {
        if (this.requested.get(k) === sp) this.requested.delete(k);
        sp.notFound.delete(k);
        sp.notFound.set(k, this.clock.now());
        if (sp.notFound.size > MAX_NOTFOUND_MARKS) sp.notFound.delete(sp.notFound.keys().next().value!);
        freed = true;
      }
    }
    return freed;
  }

  /** Forgets a departed peer's requests so others can take them. */
  removePeer(sp: PeerSync): void {
    for (const k of sp.inFlight.keys()) if (this.requested.get(k) === sp) this.requested.delete(k);
    sp.inFlight.clear();
  }

  /** Disconnects a peer with a request older than blockTimeoutMs. */
  checkTimeouts(sp: PeerSync, now: number): void {
    for (const r of sp.inFlight.values()) {
      if (now - r.at > this.cfg.blockTimeoutMs) {
        sp.link.peer.close(`block ${r.entry.hashHex} request timed out`);
        return;
      }
    }
  }

  /** Moves the requests of the peer holding up the window's lowest block, if another could serve it. */
  detectStall(peers: Iterable<PeerSync>, now: number): void {
    const all = [...peers];
    let lowest: { r: BlockRequest; sp: PeerSync } | undefined;
    for (const sp of all) {
      for (const r of sp.inFlight.values()) if (!lowest || r.entry.height < lowest.r.entry.height) lowest = { r, sp };
    }
    if (!lowest || now - lowest.r.at <= this.stallMs) return;
    const { entry } = lowest.r;
    const sp = lowest.sp;
    const other = all.some(
      (o) => o !== sp && o.link.ready && o.inFlight.size < this.cfg.maxInFlightPerPeer && o.best && this.chain.getAncestor(o.best, entry.height) === entry,
    );
    if (!other) return;
    sp.stalls++;
    this.log.info({ peer: sp.link.peer.remote, block: entry.hashHex, stallMs: this.stallMs, stalls: sp.stalls }, 'peer is stalling block download');
    this.stallMs = Math.min(this.cfg.maxStallTimeoutMs, this.stallMs * 2);
    for (const k of sp.inFlight.keys()) {
      if (this.requested.get(k) === sp) this.requested.delete(k);
      sp.cancelled.add(k);
    }
    sp.inFlight.clear();
    if (sp.stalls >= this.cfg.maxStalls) sp.link.peer.close(`stalling block download (${sp.stalls} times)`);
  }
}
