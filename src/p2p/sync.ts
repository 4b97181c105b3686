// Headers-first block download, as Bitcoin Core's IBD: each peer is asked for headers
// from our best header's locator; headers are validated and stored by the chain; then
// the blocks of the best chain a peer has shown us are fetched from all peers at once,
// through a window of `windowSize` blocks above our tip, at most `maxInFlightPerPeer`
// outstanding per peer. Blocks come back in any order and are held in a small reorder
// buffer so the chain sees them parent-first.
//
// Defences (see docs/protocol.md "Sync and relay"):
//   - a request older than blockTimeoutMs disconnects its peer; the lowest block of the
//     window held up longer than the (adaptive) stall timeout while another peer could
//     serve it moves every request of the staller to others, and a peer that stalls
//     maxStalls times is disconnected;
//   - header batches that do not connect are scored every maxUnconnecting-th time;
//     non-continuous batches and invalid headers (RULE_CODES banScore) are scored;
//   - headers of a chain below the anti-DoS work threshold are never stored: a short one
//     costs LOW_WORK_HEADERS, a long one is counted first (presync.ts, Core's presync);
//   - unrequested blocks are processed only if they connect to a known block and within
//     a small token-bucket allowance; otherwise they are scored and dropped unread;
//   - the reorder buffer and the queue to the chain are bounded in bytes: above the
//     bound no more blocks are requested.
// Rule errors cost the peer that sent the failing block or header the code's banScore
// (0 for corruption, transient and descendants of blocks found invalid meanwhile).
import { EventEmitter } from 'node:events';
import type { Block, BlockHeader, Clock, TimerHandle } from '../primitives/index.js';
import { bytesToHex, equalBytes } from '../primitives/index.js';
import { RULE_CODES, RuleError } from '../consensus/index.js';
import { ChainError } from '../chain/index.js';
import type { Chain, ChainEntry, TipChange } from '../chain/index.js';
import { MAX_HEADERS, MSG_WITNESS_BLOCK, MSG_BLOCK, type InvItem, type MessageOf } from './messages/index.js';
import type { NodePeer } from './nodepeer.js';
import type { PeerLogger } from './peer.js';
import { PROTOCOL_VERSION } from './peer.js';
import { HeadersPresync, antiDosWorkThreshold, sequenceWork, type PresyncStep } from './presync.js';
import { TokenBucket } from './ratelimit.js';

export interface SyncOptions {
  chain: Chain;
  clock: Clock;
  log?: PeerLogger;
  /** blocks above the tip that may be requested (Core: BLOCK_DOWNLOAD_WINDOW 1024) */
  windowSize?: number;
  /** Core: MAX_BLOCKS_IN_TRANSIT_PER_PEER 16 */
  maxInFlightPerPeer?: number;
  /** initial stall timeout; doubles on each stall up to maxStallTimeoutMs, decays as blocks arrive */
  stallTimeoutMs?: number;
  maxStallTimeoutMs?: number;
  maxStalls?: number;
  /** any single block request unanswered this long disconnects the peer */
  blockTimeoutMs?: number;
  /** a getheaders unanswered this long disconnects the peer */
  headersTimeoutMs?: number;
  maxUnconnecting?: number;
  /** the network's minimum chain work (Core's nMinimumChainWork); 0 when unset */
  minimumChainWork?: bigint;
  /** bytes of received blocks waiting for their parent or for the chain */
  maxBufferBytes?: number;
  /** unrequested blocks processed: burst, and refill per minute */
  unrequestedBlockBurst?: number;
  unrequestedBlocksPerMinute?: number;
  tickMs?: number;
}

export const SyncScore = {
  NON_CONTINUOUS_HEADERS: 20,
  UNCONNECTING_HEADERS: 20,
  UNREQUESTED_BLOCK: 10,
  /** a block or header we already know to be invalid */
  KNOWN_INVALID: 100,
  /** a headers chain ending below the anti-DoS work threshold (nothing stored) */
  LOW_WORK_HEADERS: 10,
  /** redownloaded headers that are not the ones counted in presync */
  PRESYNC_MISMATCH: 100,
} as const;

/** Least time between two sync progress log lines. */
const PROGRESS_LOG_MS = 5_000;

export type SyncPhase = 'idle' | 'headers' | 'blocks' | 'synced';

export interface SyncState {
  state: SyncPhase;
  headers_height: number;
  blocks_height: number;
  /** blocks_height / headers_height, 1 when synced */
  progress: number;
  eta_seconds: number | null;
}

export interface SyncEvents {
  progress: [SyncState];
}

interface Request {
  entry: ChainEntry;
  at: number;
}

interface SyncPeer {
  np: NodePeer;
  /** the most-work header the peer has shown us */
  best: ChainEntry | undefined;
  inFlight: Map<string, Request>;
  /** requests moved away from this peer; a late answer is still welcome */
  cancelled: Set<string>;
  headersAskedAt: number | undefined;
  headersSynced: boolean;
  unconnecting: number;
  /** a low-work chain being counted (presync) or fetched again (redownload) */
  presync: HeadersPresync | undefined;
  stalls: number;
  unrequested: TokenBucket;
  /** header batches of this peer are processed in arrival order */
  work: Promise<unknown>;
}

interface Held {
  block: Block;
  from: SyncPeer | undefined;
  size: number;
}

const silent: PeerLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class BlockSync extends EventEmitter<SyncEvents> {
  readonly chain: Chain;
  private readonly clock: Clock;
  private readonly log: PeerLogger;
  readonly windowSize: number;
  readonly maxInFlightPerPeer: number;
  private readonly minStallMs: number;
  private readonly maxStallMs: number;
  private readonly maxStalls: number;
  private readonly blockTimeoutMs: number;
  private readonly headersTimeoutMs: number;
  private readonly maxUnconnecting: number;
  private readonly minimumChainWork: bigint;
  private readonly maxBufferBytes: number;
  private readonly unrequestedBurst: number;
  private readonly unrequestedPerMin: number;
  private readonly tickMs: number;

  private readonly peers = new Map<NodePeer, SyncPeer>();
  /** block hash → the peer it is requested from */
  private readonly requested = new Map<string, SyncPeer>();
  /** received blocks whose parent has no data yet, by their own hash */
  private readonly held = new Map<string, Held>();
  private readonly heldByPrev = new Map<string, Set<string>>();
  private heldBytes = 0;
  /** blocks handed to the chain queue, not yet processed */
  private readonly queue: Held[] = [];
  private readonly queuedKeys = new Set<string>();
  private queuedBytes = 0;
  private processing = false;
  private idleWaiters: (() => void)[] = [];
  private stallMs: number;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly onTip: (c: TipChange) => void;
  /** exponential moving average of blocks connected per second, for the ETA */
  private rate = 0;
  private rateAt: number;
  private rateHeight: number;
  private lastProgressLog = 0;

  constructor(o: SyncOptions) {
    super();
    this.chain = o.chain;
    this.clock = o.clock;
    this.log = o.log ?? silent;
    this.windowSize = o.windowSize ?? 1024;
    this.maxInFlightPerPeer = o.maxInFlightPerPeer ?? 16;
    this.minStallMs = o.stallTimeoutMs ?? 2_000;
    this.maxStallMs = o.maxStallTimeoutMs ?? 64_000;
    this.maxStalls = o.maxStalls ?? 3;
    this.blockTimeoutMs = o.blockTimeoutMs ?? 120_000;
    this.headersTimeoutMs = o.headersTimeoutMs ?? 120_000;
    this.maxUnconnecting = o.maxUnconnecting ?? 10;
    this.minimumChainWork = o.minimumChainWork ?? 0n;
    this.maxBufferBytes = o.maxBufferBytes ?? 64 * 1024 * 1024;
    this.unrequestedBurst = o.unrequestedBlockBurst ?? 5;
    this.unrequestedPerMin = o.unrequestedBlocksPerMinute ?? 6;
    this.tickMs = o.tickMs ?? 1_000;
    this.stallMs = this.minStallMs;
    this.rateAt = this.clock.now();
    this.rateHeight = this.chain.height;
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
    if (!this.processing && (this.queue.length === 0 || this.stopped)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---------------------------------------------------------------- peers

  addPeer(np: NodePeer): void {
    const sp: SyncPeer = {
      np,
      best: undefined,
      inFlight: new Map(),
      cancelled: new Set(),
      headersAskedAt: undefined,
      headersSynced: false,
      unconnecting: 0,
      presync: undefined,
      stalls: 0,
      unrequested: new TokenBucket(this.unrequestedPerMin / 60, this.unrequestedBurst, this.clock),
      work: Promise.resolve(),
    };
    this.peers.set(np, sp);
    const p = np.peer;
    p.onCommand('headers', (m) => this.enqueue(sp, () => this.onHeaders(sp, m)));
    p.onCommand('getheaders', (m) => this.onGetHeaders(sp, m));
    p.onCommand('block', (m) => this.onBlock(sp, m.block));
    p.onCommand('notfound', (m) => this.onNotFound(sp, m.items));
    // From the parent of our best header, as Core does: the answer then holds at least
    // one header, so we learn how far the peer's chain goes even if it equals ours.
    const best = this.chain.bestHeader;
    this.askHeaders(np, best.prev ?? best);
  }

  removePeer(np: NodePeer): void {
    const sp = this.peers.get(np);
    if (!sp) return;
    this.peers.delete(np);
    for (const k of sp.inFlight.keys()) if (this.requested.get(k) === sp) this.requested.delete(k);
    sp.inFlight.clear();
    this.requestBlocks();
  }

  /** Sends getheaders from our best header (on handshake, and when a peer announces an unknown block). */
  askHeaders(np: NodePeer, from: ChainEntry = this.chain.bestHeader): void {
    const sp = this.peers.get(np);
    if (!sp || !np.ready) return;
    sp.headersAskedAt = this.clock.now();
    np.peer.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: this.chain.getLocator(from), stop: new Uint8Array(32) });
  }

  /** Blocks in flight from a peer (for PeerInfo). */
  inFlightOf(np: NodePeer): number {
    return this.peers.get(np)?.inFlight.size ?? 0;
  }

  /** Height of the best header a peer has shown us, or -1. */
  peerHeight(np: NodePeer): number {
    return this.peers.get(np)?.best?.height ?? -1;
  }

  private enqueue(sp: SyncPeer, fn: () => Promise<void>): void {
    sp.work = sp.work.then(fn).catch((e) => this.log.error({ peer: sp.np.peer.remote, err: e }, 'sync handler failed'));
  }

  // ---------------------------------------------------------------- headers

  private async onHeaders(sp: SyncPeer, m: MessageOf<'headers'>): Promise<void> {
    const { peer } = sp.np;
    if (peer.state !== 'ready' || this.stopped) return;
    sp.headersAskedAt = undefined;
    const hs = m.headers;
    if (hs.length === 0) {
      sp.headersSynced = true;
      this.progress();
      return;
    }
    let prevHash = hs[0]!.hash();
    for (let i = 1; i < hs.length; i++) {
      if (!equalBytes(hs[i]!.prevBlock, prevHash)) {
        peer.misbehave(SyncScore.NON_CONTINUOUS_HEADERS, 'non-continuous headers sequence');
        return;
      }
      prevHash = hs[i]!.hash();
    }
    const ps = sp.presync;
    if (ps && !ps.redownloading && equalBytes(hs[0]!.prevBlock, ps.lastHash)) {
      this.presyncStep(sp, ps, ps.feed(hs, hs.length === MAX_HEADERS));
      return;
    }
    const parent = this.chain.getEntry(hs[0]!.prevBlock);
    if (!parent) {
      // Probably an announcement past a gap (we missed blocks): ask for the path, but
      // a peer that keeps sending headers we cannot connect is wasting our time.
      sp.unconnecting++;
      if (sp.unconnecting % this.maxUnconnecting === 0) peer.misbehave(SyncScore.UNCONNECTING_HEADERS, `${sp.unconnecting} non-connecting headers messages`);
      this.askHeaders(sp.np);
      return;
    }
    sp.unconnecting = 0;
    if (ps?.redownloading) {
      // Redownload after presync: store only the batches that were counted.
      if (!ps.matches(hs)) {
        sp.presync = undefined;
        peer.misbehave(SyncScore.PRESYNC_MISMATCH, 'headers differ from the chain shown in presync');
        return;
      }
      if (ps.done) sp.presync = undefined;
    } else {
      // Anti-DoS: a chain that does not reach the threshold is never stored (presync.ts).
      const threshold = antiDosWorkThreshold(this.chain.tip, this.minimumChainWork);
      const added = sequenceWork(hs, this.chain.params);
      if (added === undefined) {
        peer.misbehave(RULE_CODES['high-hash'].banScore, 'header with invalid proof of work');
        return;
      }
      if (parent.chainwork + added < threshold) {
        if (hs.length < MAX_HEADERS) {
          sp.headersSynced = true;
          peer.misbehave(SyncScore.LOW_WORK_HEADERS, `low-work headers: a chain of ${hs.length} ending below the anti-DoS work threshold, not stored`);
          this.progress();
          return;
        }
        const fresh = new HeadersPresync(parent, threshold, this.chain.params);
        sp.presync = fresh;
        this.presyncStep(sp, fresh, fresh.feed(hs, true));
        return;
      }
    }
    let entries: ChainEntry[];
    try {
      entries = await this.chain.processHeaders(hs);
    } catch (e) {
      this.punish(sp, e, 'header');
      return;
    }
    for (const e of entries) sp.np.known.add(e.hash);
    const last = entries[entries.length - 1]!;
    if (!sp.best || last.chainwork > sp.best.chainwork) sp.best = last;
    if (hs.length === MAX_HEADERS) {
      this.askHeaders(sp.np, last);
    } else {
      sp.headersSynced = true;
    }
    this.requestBlocks();
    this.progress();
  }

  /** Acts on a presync step: ask for more, redownload, or score the peer and drop its presync. */
  private presyncStep(sp: SyncPeer, ps: HeadersPresync, step: PresyncStep): void {
    const { np } = sp;
    switch (step.kind) {
      case 'more':
        sp.headersAskedAt = this.clock.now();
        np.peer.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: [step.from], stop: new Uint8Array(32) });
        return;
      case 'redownload':
        this.log.debug({ peer: np.peer.remote, batches: ps.batches }, 'presync reached the work threshold: redownloading');
        this.askHeaders(np, step.fork);
        return;
      case 'low-work':
        sp.presync = undefined;
        sp.headersSynced = true;
        np.peer.misbehave(SyncScore.LOW_WORK_HEADERS, `low-work header chain: ${ps.batches} batches ending below the anti-DoS work threshold, not stored`);
        this.progress();
        return;
      case 'bad-pow':
        sp.presync = undefined;
        np.peer.misbehave(RULE_CODES['high-hash'].banScore, 'header with invalid proof of work (presync)');
        return;
      case 'too-long':
        sp.presync = undefined;
        np.peer.close(`presync of ${ps.batches} header batches without reaching the work threshold`);
        return;
    }
  }

  private onGetHeaders(sp: SyncPeer, m: MessageOf<'getheaders'>): void {
    // Only the active (fully validated) chain is served: we never pass on headers of
    // blocks we have not checked ourselves.
    const fork = this.chain.findLocatorFork(m.locator);
    const headers: BlockHeader[] = [];
    const zero = m.stop.every((b) => b === 0);
    for (let h = fork.height + 1; h <= this.chain.height && headers.length < MAX_HEADERS; h++) {
      const e = this.chain.getEntryAt(h)!;
      headers.push(e.header);
      sp.np.known.add(e.hash);
      if (!zero && equalBytes(e.hash, m.stop)) break;
    }
    sp.np.peer.send({ cmd: 'headers', headers });
  }

  // ---------------------------------------------------------------- block download

  /** Fills every peer's request slots with the next blocks of the best chain it has. */
  requestBlocks(): void {
    if (this.stopped) return;
    if (this.heldBytes + this.queuedBytes > this.maxBufferBytes) return;
    const tip = this.chain.tip;
    const maxHeight = tip.height + this.windowSize;
    // Peers with the fewest requests first, so work spreads out.
    const list = [...this.peers.values()].sort((a, b) => a.inFlight.size - b.inFlight.size);
    for (const sp of list) {
      if (!sp.np.ready || sp.inFlight.size >= this.maxInFlightPerPeer) continue;
      const best = sp.best;
      if (!best || best.failed || best.chainwork <= tip.chainwork) continue;
      const path = this.pathToFetch(best, maxHeight);
      const items: InvItem[] = [];
      const now = this.clock.now();
      for (const e of path) {
        if (sp.inFlight.size >= this.maxInFlightPerPeer) break;
        const k = bytesToHex(e.hash);
        if (e.failed) break;
        if (this.requested.has(k) || this.held.has(k) || this.queuedKeys.has(k)) continue;
        this.requested.set(k, sp);
        sp.inFlight.set(k, { entry: e, at: now });
        items.push({ type: MSG_WITNESS_BLOCK, hash: e.hash });
      }
      if (items.length > 0) sp.np.peer.send({ cmd: 'getdata', items });
    }
  }

  /** Entries without data from the fork with our active chain up to `best`, capped at maxHeight. */
  private pathToFetch(best: ChainEntry, maxHeight: number): ChainEntry[] {
    let e: ChainEntry | undefined = best.height > maxHeight ? this.chain.getAncestor(best, maxHeight) : best;
    const out: ChainEntry[] = [];
    while (e && !this.chain.isActive(e)) {
      if (!e.haveData) out.push(e);
      e = e.prev ?? undefined;
    }
    return out.reverse();
  }

  private onNotFound(sp: SyncPeer, items: readonly InvItem[]): void {
    let freed = false;
    for (const it of items) {
      if ((it.type & ~(1 << 30)) !== MSG_BLOCK) continue;
      const k = bytesToHex(it.hash);
      if (sp.inFlight.delete(k)) {
        if (this.requested.get(k) === sp) this.requested.delete(k);
        freed = true;
      }
    }
    // The peer cannot give us those: ask the others (and it, after its own slots).
    if (freed) this.requestBlocks();
  }

  private onBlock(sp: SyncPeer, block: Block): void {
    if (this.stopped) return;
    const hash = block.hash();
    const k = bytesToHex(hash);
    sp.np.known.add(hash);
    const wasRequested = sp.inFlight.delete(k) || sp.cancelled.delete(k);
    if (this.requested.get(k) === sp) this.requested.delete(k);
    if (wasRequested) {
      // A block we needed: what inbound eviction protects (Core's m_last_block_time).
      sp.np.lastBlockAt = this.clock.now();
      this.stallMs = Math.max(this.minStallMs, this.stallMs * 0.85);
    } else {
      const parentKnown = this.chain.getEntry(block.header.prevBlock)?.failed === false;
      if (!parentKnown || !sp.unrequested.take(1)) {
        sp.np.peer.misbehave(SyncScore.UNREQUESTED_BLOCK, parentKnown ? 'too many unrequested blocks' : 'unrequested block that does not connect');
        return;
      }
    }
    const known = this.chain.getEntry(hash);
    if (known?.haveData || this.held.has(k) || this.queuedKeys.has(k)) {
      this.requestBlocks();
      return;
    }
    const h: Held = { block, from: sp, size: block.size };
    if (this.readyToQueue(block) || this.heldBytes + h.size > this.maxBufferBytes) this.toQueue(k, h);
    else this.hold(k, h);
    this.requestBlocks();
  }

  private readyToQueue(block: Block): boolean {
    const prev = block.header.prevBlock;
    if (this.queuedKeys.has(bytesToHex(prev))) return true;
    const pe = this.chain.getEntry(prev);
    return pe === undefined || pe.haveData || pe.failed;
  }

  private hold(k: string, h: Held): void {
    this.held.set(k, h);
    this.heldBytes += h.size;
    const pk = bytesToHex(h.block.header.prevBlock);
    let s = this.heldByPrev.get(pk);
    if (!s) this.heldByPrev.set(pk, (s = new Set()));
    s.add(k);
  }

  private unhold(k: string): Held | undefined {
    const h = this.held.get(k);
    if (!h) return undefined;
    this.held.delete(k);
    this.heldBytes -= h.size;
    const pk = bytesToHex(h.block.header.prevBlock);
    const s = this.heldByPrev.get(pk);
    s?.delete(k);
    if (s?.size === 0) this.heldByPrev.delete(pk);
    return h;
  }

  /** Queues a block for the chain, then any held children that can now follow it. */
  private toQueue(k: string, h: Held): void {
    const stack: [string, Held][] = [[k, h]];
    while (stack.length > 0) {
      const [key, item] = stack.pop()!;
      this.queue.push(item);
      this.queuedKeys.add(key);
      this.queuedBytes += item.size;
      for (const ck of [...(this.heldByPrev.get(key) ?? [])]) {
        const c = this.unhold(ck);
        if (c) stack.push([ck, c]);
      }
    }
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const item = this.queue.shift()!;
        const k = bytesToHex(item.block.hash());
        try {
          await this.chain.processBlock(item.block, { source: 'p2p' });
        } catch (e) {
          if (item.from) this.punish(item.from, e, 'block');
          else this.log.warn({ err: String(e) }, 'block refused');
          if (e instanceof ChainError && e.code === 'closed') break;
        } finally {
          this.queuedKeys.delete(k);
          this.queuedBytes -= item.size;
        }
        this.requestBlocks();
      }
    } finally {
      this.processing = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  /** Maps a chain error to the sender's misbehaviour score. */
  private punish(sp: SyncPeer, e: unknown, what: 'header' | 'block'): void {
    const peer = sp.np.peer;
    if (e instanceof RuleError) {
      const info = RULE_CODES[e.code];
      // A descendant of a block found invalid meanwhile: the block's sender is not at
      // fault if we asked for it (the ancestor's sender already paid).
      const score = info.transient || info.corruption || (what === 'block' && e.code === 'bad-prevblk') ? 0 : info.banScore;
      this.log.warn({ peer: peer.remote, code: e.code, score }, `invalid ${what} from peer: ${e.message}`);
      if (score > 0) peer.misbehave(score, `invalid ${what}: ${e.code}`);
      return;
    }
    if (e instanceof ChainError) {
      if (e.code === 'duplicate-invalid' && what === 'header') peer.misbehave(SyncScore.KNOWN_INVALID, `${what} known to be invalid`);
      else if (e.code.startsWith('db-')) this.log.error({ err: e.message }, 'chain storage failure');
      else this.log.debug({ peer: peer.remote, err: e.message }, `${what} not accepted`);
      return;
    }
    this.log.error({ peer: peer.remote, err: e }, `unexpected error processing ${what}`);
  }

  // ---------------------------------------------------------------- timers

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
      this.schedule();
    }, this.tickMs);
  }

  /** Timeouts and stall detection; public so simulations can drive it. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const sp of [...this.peers.values()]) {
      if (sp.headersAskedAt !== undefined && now - sp.headersAskedAt > this.headersTimeoutMs) {
        sp.np.peer.close('headers request timed out');
        continue;
      }
      for (const r of sp.inFlight.values()) {
        if (now - r.at > this.blockTimeoutMs) {
          sp.np.peer.close(`block ${r.entry.hashHex} request timed out`);
          break;
        }
      }
    }
    this.detectStall(now);
    // Held blocks whose parent meanwhile got its data (from elsewhere) can go on.
    for (const [k, h] of [...this.held]) {
      if (this.readyToQueue(h.block)) {
        this.unhold(k);
        this.toQueue(k, h);
      }
    }
    this.requestBlocks();
  }

  private detectStall(now: number): void {
    let lowest: { k: string; r: Request; sp: SyncPeer } | undefined;
    for (const sp of this.peers.values()) {
      for (const [k, r] of sp.inFlight) if (!lowest || r.entry.height < lowest.r.entry.height) lowest = { k, r, sp };
    }
    if (!lowest || now - lowest.r.at <= this.stallMs) return;
    // Only a stall if somebody else could serve that block right now.
    const { entry } = lowest.r;
    const other = [...this.peers.values()].some(
      (o) => o !== lowest!.sp && o.np.ready && o.inFlight.size < this.maxInFlightPerPeer && o.best && this.chain.getAncestor(o.best, entry.height) === entry,
    );
    if (!other) return;
    const sp = lowest.sp;
    sp.stalls++;
    this.log.info({ peer: sp.np.peer.remote, block: entry.hashHex, stallMs: this.stallMs, stalls: sp.stalls }, 'peer is stalling block download');
    this.stallMs = Math.min(this.maxStallMs, this.stallMs * 2);
    for (const k of sp.inFlight.keys()) {
      if (this.requested.get(k) === sp) this.requested.delete(k);
      sp.cancelled.add(k);
    }
    sp.inFlight.clear();
    if (sp.stalls >= this.maxStalls) sp.np.peer.close(`stalling block download (${sp.stalls} times)`);
    this.requestBlocks();
  }

  // ---------------------------------------------------------------- progress

  private tipChanged(): void {
    const now = this.clock.now();
    const dt = now - this.rateAt;
    if (dt >= 1000) {
      const r = ((this.chain.height - this.rateHeight) * 1000) / dt;
      this.rate = this.rate === 0 ? r : this.rate * 0.7 + r * 0.3;
      this.rateAt = now;
      this.rateHeight = this.chain.height;
    }
    this.requestBlocks();
    this.progress();
  }

  state(): SyncState {
    const headers = this.chain.bestHeader.height;
    const blocks = this.chain.height;
    let state: SyncPhase;
    const ready = [...this.peers.values()].filter((s) => s.np.ready);
    if (ready.length === 0 && headers <= blocks) state = 'idle';
    else if (ready.some((s) => s.headersAskedAt !== undefined && !s.headersSynced)) state = 'headers';
    else if (headers > blocks) state = 'blocks';
    else state = 'synced';
    const progress = headers === 0 ? 1 : Math.min(1, blocks / headers);
    const eta = headers <= blocks ? 0 : this.rate > 0 ? Math.round((headers - blocks) / this.rate) : null;
    return { state, headers_height: headers, blocks_height: blocks, progress, eta_seconds: eta };
  }

  private progress(): void {
    const s = this.state();
    this.emit('progress', s);
    const now = this.clock.now();
    // At most every 5 s, progress in percent only. 'idle' (no peers, nothing to fetch) is
    // not progress: debug.
    if (s.state !== 'synced' && now - this.lastProgressLog >= PROGRESS_LOG_MS) {
      this.lastProgressLog = now;
      const pct = Math.floor(s.progress * 1000) / 10;
      const fields = { state: s.state, progress_pct: pct, blocks_height: s.blocks_height, headers_height: s.headers_height, eta_seconds: s.eta_seconds };
      if (s.state === 'idle') this.log.debug(fields, 'sync idle');
      else this.log.info(fields, `sync ${pct}%`);
    }
  }
}
