// BlockSync: headers-first block download, composed of its stages —
//   headers.ts   getheaders/headers with each peer, presync of low-work chains
//   download.ts  which blocks to request from whom, timeouts and stall detection
//   queue.ts     the reorder buffer and the queue to the chain
//   progress.ts  phase, heights, ETA and the progress log
// — and the per-peer record they share (peerstate.ts). Peers come in through the
// SyncLink port (port.ts); what a failing header or block costs its sender is decided
// by penaltyFor (penalty.ts). Unrequested blocks are processed only if they connect to a
// known block and within a small token-bucket allowance; otherwise they are scored and
// dropped unread (see docs/protocol.md "Sync and relay").
import { EventEmitter } from 'node:events';
import type { Block, Clock, Logger, TimerHandle } from '../primitives/index.js';
import { TokenBucket, bytesToHex, silentLogger } from '../primitives/index.js';
import type { Chain, ChainEntry, TipChange } from '../chain/index.js';
import { BlockDownload } from './download.js';
import { HeaderSync } from './headers.js';
import { syncConfig, type SyncConfig, type SyncOptions } from './options.js';
import { penaltyFor, SyncScore, type PenaltyContext } from './penalty.js';
import { newPeerSync, type PeerSync } from './peerstate.js';
import type { SyncLink } from './port.js';
import { SyncProgress, type SyncState } from './progress.js';
import { BlockQueue } from './queue.js';

export interface SyncEvents {
  progress: [SyncState];
}

export class BlockSync extends EventEmitter<SyncEvents> {
  readonly chain: Chain;
  readonly windowSize: number;
  readonly maxInFlightPerPeer: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly cfg: SyncConfig;
  private readonly peers = new Map<SyncLink, PeerSync>();
  private readonly headers: HeaderSync;
  private readonly download: BlockDownload;
  private readonly queue: BlockQueue<PeerSync>;
  private readonly tracker: SyncProgress;
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** a request walk is due in the next turn of the event loop (see requestBlocks) */
  private requestQueued = false;
  private readonly onTip: (c: TipChange) => void;

  constructor(o: SyncOptions) {
    super();
    this.chain = o.chain;
    this.clock = o.clock;
    this.log = o.log ?? silentLogger;
    this.cfg = syncConfig(o);
    this.windowSize = this.cfg.windowSize;
    this.maxInFlightPerPeer = this.cfg.maxInFlightPerPeer;
    const stopped = (): boolean => this.stopped;
    this.headers = new HeaderSync(this.chain, this.clock, this.log, this.cfg, {
      stored: () => this.requestBlocks(),
      progress: () => this.progress(),
      refused: (sp, e) => this.punish(sp, e, 'header'),
      stopped,
    });
    this.download = new BlockDownload(this.chain, this.clock, this.log, this.cfg);
    this.queue = new BlockQueue<PeerSync>(this.chain, this.cfg.maxBufferBytes, {
      refused: (from, e) => {
        this.download.resetCursors(this.peers.values());
        if (from) this.punish(from, e, 'block');
        else this.log.warn({ err: String(e) }, 'block refused');
      },
      processed: () => this.requestBlocks(),
      stopped,
    });
    this.tracker = new SyncProgress(this.chain, this.clock, this.log);
    this.onTip = () => this.tipChanged();
    this.chain.on('tip', this.onTip);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.chain.off('tip', this.onTip);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when every received block has been handed to the chain and processed. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // ---------------------------------------------------------------- peers

  addPeer(link: SyncLink): void {
    const sp = newPeerSync(link, new TokenBucket(this.cfg.unrequestedBlocksPerMinute / 60, this.cfg.unrequestedBlockBurst, this.clock));
    this.peers.set(link, sp);
    const p = link.peer;
    p.onCommand('headers', (m) => this.enqueue(sp, () => this.headers.onHeaders(sp, m.headers)));
    p.onCommand('getheaders', (m) => this.headers.onGetHeaders(sp, m.locator, m.stop));
    p.onCommand('block', (m) => this.onBlock(sp, m.block));
    p.onCommand('notfound', (m) => {
      // The peer cannot give us those: ask the others (and it, after its own slots).
      if (this.download.notFound(sp, m.items)) this.requestBlocks();
    });
    // From the parent of our best header, as Core does: the answer then holds at least
    // one header, so we learn how far the peer's chain goes even if it equals ours.
    const best = this.chain.bestHeader;
    this.headers.ask(sp, best.prev ?? best);
  }

  removePeer(link: SyncLink): void {
    const sp = this.peers.get(link);
    if (!sp) return;
    this.peers.delete(link);
    this.download.removePeer(sp);
    this.requestBlocks();
  }

  /** Sends getheaders from our best header (on handshake, and when a peer announces an unknown block). */
  askHeaders(link: SyncLink, from: ChainEntry = this.chain.bestHeader): void {
    const sp = this.peers.get(link);
    if (sp) this.headers.ask(sp, from);
  }

  /**
   * The peer has shown it has `entry` (a header it announced in a compact block, an inv of
   * a block whose header we hold): what Core's UpdateBlockAvailability records. Without
   * it a peer's best was only learnt from `headers` messages, so a node whose peers
   * announce by cmpctblock never learnt that they hold blocks it lacks (a fork's block it
   * skipped, a block whose rebuild failed) and fell behind until some headers message came.
   */
  peerHas(link: SyncLink, entry: ChainEntry): void {
    const sp = this.peers.get(link);
    if (!sp || entry.failed) return;
    sp.link.known.add(entry.hash);
    if (!sp.best || entry.chainwork > sp.best.chainwork) sp.best = entry;
    this.requestBlocks();
  }

  /**
   * Compact relay is done with the peer's cmpctblock for `hash` (BIP152): the rebuilt block
   * went to the chain, or we have or no longer want it. Frees the download slot if the
   * block was asked of this peer (getdata MSG_CMPCT_BLOCK), so the peer is neither timed
   * out nor asked again, and the next blocks can be requested.
   */
  compactDone(link: SyncLink, hash: Uint8Array): void {
    const sp = this.peers.get(link);
    if (sp && this.download.received(sp, bytesToHex(hash))) this.requestBlocks();
  }

  /**
   * A compact rebuild of `entry` from this peer failed (short-id collision, failed check,
   * getblocktxn unanswered): its slot is freed and the block is fetched whole with getdata
   * MSG_WITNESS_BLOCK, from this peer or another that has it, never as cmpctblock again.
   */
  fetchFull(link: SyncLink, entry: ChainEntry): void {
    const sp = this.peers.get(link);
    if (!sp || entry.failed) return;
    this.download.compactFailed(sp, entry);
    this.peerHas(link, entry);
  }

  /** getdata items block download sent: full blocks and cmpctblock requests. */
  get requestStats(): { readonly full: number; readonly compact: number } {
    return this.download.stats;
  }

  /** Blocks in flight from a peer (for PeerInfo). */
  inFlightOf(link: SyncLink): number {
    return this.peers.get(link)?.inFlight.size ?? 0;
  }

  /** Height of the best header a peer has shown us, or -1. */
  peerHeight(link: SyncLink): number {
    return this.peers.get(link)?.best?.height ?? -1;
  }

  private enqueue(sp: PeerSync, fn: () => Promise<void>): void {
    sp.work = sp.work.then(fn).catch((e) => this.log.error({ peer: sp.link.peer.remote, err: e }, 'sync handler failed'));
  }

  // ---------------------------------------------------------------- blocks

  /**
   * Fills every peer's request slots with the next blocks of the best chain it has, once
   * per turn of the event loop however many events asked for it. Every arriving block,
   * every block connected and every tip change asks, and one socket read delivers many
   * blocks at once, so one walk serves them all (a profile under load put the per-event
   * walks at ~8 % of the long stretches; the API p99 gain was not measurable: BENCHMARKS.md).
   * A turn is not time: the simulator runs it before it moves its clock.
   */
  private requestBlocks(): void {
    if (this.stopped || this.requestQueued) return;
    this.requestQueued = true;
    setImmediate(() => {
      this.requestQueued = false;
      if (this.stopped || this.queue.bytes > this.cfg.maxBufferBytes) return;
      this.download.request(this.peers.values(), (k) => this.queue.has(k));
    });
  }

  private onBlock(sp: PeerSync, block: Block): void {
    if (this.stopped) return;
    const hash = block.hash();
    const k = bytesToHex(hash);
    sp.link.known.add(hash);
    if (this.download.received(sp, k)) {
      // A block we needed: what inbound eviction protects (Core's m_last_block_time).
      sp.link.lastBlockAt = this.clock.now();
    } else {
      const parentKnown = this.chain.getEntry(block.header.prevBlock)?.failed === false;
      if (!parentKnown || !sp.unrequested.take(1)) {
        sp.link.peer.misbehave(SyncScore.UNREQUESTED_BLOCK, parentKnown ? 'too many unrequested blocks' : 'unrequested block that does not connect');
        return;
      }
    }
    const known = this.chain.getEntry(hash);
    if (!known?.haveData && !this.queue.has(k)) this.queue.add(k, { block, from: sp, size: block.size });
    this.requestBlocks();
  }

  /** Applies penaltyFor to the sender of a refused header or block. */
  private punish(sp: PeerSync, e: unknown, context: PenaltyContext): void {
    const { peer } = sp.link;
    const p = penaltyFor(e, context);
    const err = p.level === 'error' && p.code === undefined ? e : (e as Error)?.message;
    this.log[p.level]({ peer: peer.remote, ...(p.code ? { code: p.code } : {}), score: p.score, err }, p.message);
    if (p.score > 0) peer.misbehave(p.score, p.reason);
  }

  // ---------------------------------------------------------------- timers

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
      this.schedule();
    }, this.cfg.tickMs);
  }

  /** Timeouts and stall detection; public so simulations can drive it. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const sp of [...this.peers.values()]) {
      if (this.headers.checkTimeout(sp, now)) continue;
      this.download.checkTimeouts(sp, now);
    }
    this.download.detectStall(this.peers.values(), now);
    this.queue.releaseReady();
    this.requestBlocks();
  }

  // ---------------------------------------------------------------- progress

  private tipChanged(): void {
    this.tracker.tipChanged();
    this.requestBlocks();
    this.progress();
  }

  state(): SyncState {
    return this.tracker.state(this.peers.values());
  }

  private progress(): void {
    const s = this.state();
    this.emit('progress', s);
    this.tracker.report(s);
  }
}
