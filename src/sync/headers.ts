// Header sync, as Bitcoin Core's headers-first IBD: each peer is asked for headers from
// our best header's locator; continuous batches are validated and stored by the chain,
// and a full batch (MAX_HEADERS) is followed by the next request. Defences:
//   - header batches that do not connect are scored every maxUnconnecting-th time;
//     non-continuous batches and invalid headers (penaltyFor) are scored;
//   - headers of a chain below the anti-DoS work threshold are never stored: a short one
//     costs LOW_WORK_HEADERS, a long one is counted first (presync.ts, Core's presync);
//   - a getheaders unanswered for headersTimeoutMs disconnects the peer.
// getheaders from peers are answered from the active (fully validated) chain only.
// A headers message whose last header is the one new block on our tip marks it as the
// peer's announcement (PeerSync.announced), which download may fetch as cmpctblock.
import type { BlockHeader, Clock, Logger } from '../primitives/index.js';
import { MAX_HEADERS, PROTOCOL_VERSION, equalBytes } from '../primitives/index.js';
import { RULE_CODES } from '../consensus/index.js';
import type { Chain, ChainEntry } from '../chain/index.js';
import type { SyncConfig } from './options.js';
import { SyncScore } from './penalty.js';
import type { PeerSync } from './peerstate.js';
import { HeadersPresync, antiDosWorkThreshold, sequenceWork, type PresyncStep } from './presync.js';

export interface HeaderSyncHooks {
  /** new headers stored: fetch their blocks */
  stored(): void;
  /** a peer's headers are done or the state changed: report progress */
  progress(): void;
  /** the chain refused a header batch */
  refused(sp: PeerSync, e: unknown): void;
  stopped(): boolean;
}

export class HeaderSync {
  constructor(
    private readonly chain: Chain,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly cfg: SyncConfig,
    private readonly hooks: HeaderSyncHooks,
  ) {}

  /** Sends getheaders with the locator of `from` (our best header by default). */
  ask(sp: PeerSync, from: ChainEntry = this.chain.bestHeader): void {
    if (!sp.link.ready) return;
    sp.headersAskedAt = this.clock.now();
    sp.link.peer.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: this.chain.getLocator(from), stop: new Uint8Array(32) });
  }

  async onHeaders(sp: PeerSync, hs: readonly BlockHeader[]): Promise<void> {
    const { peer } = sp.link;
    if (peer.state !== 'ready' || this.hooks.stopped()) return;
    sp.headersAskedAt = undefined;
    if (hs.length === 0) {
      sp.headersSynced = true;
      this.hooks.progress();
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
      if (sp.unconnecting % this.cfg.maxUnconnecting === 0) peer.misbehave(SyncScore.UNCONNECTING_HEADERS, `${sp.unconnecting} non-connecting headers messages`);
      this.ask(sp);
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
      const threshold = antiDosWorkThreshold(this.chain.tip, this.cfg.minimumChainWork);
      const added = sequenceWork(hs, this.chain.params);
      if (added === undefined) {
        peer.misbehave(RULE_CODES['high-hash'].banScore, 'header with invalid proof of work');
        return;
      }
      if (parent.chainwork + added < threshold) {
        if (hs.length < MAX_HEADERS) {
          sp.headersSynced = true;
          peer.misbehave(SyncScore.LOW_WORK_HEADERS, `low-work headers: a chain of ${hs.length} ending below the anti-DoS work threshold, not stored`);
          this.hooks.progress();
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
      this.hooks.refused(sp, e);
      return;
    }
    for (const e of entries) sp.link.known.add(e.hash);
    const last = entries[entries.length - 1]!;
    if (!sp.best || last.chainwork > sp.best.chainwork) sp.best = last;
    // One new block on our tip (Core's "pindexLast->pprev == tip" direct fetch): the one
    // case where download may ask for it as cmpctblock (BIP152 low-bandwidth mode).
    sp.announced = last.prev === this.chain.tip && !last.haveData ? last : undefined;
    if (hs.length === MAX_HEADERS) {
      this.ask(sp, last);
    } else {
      sp.headersSynced = true;
    }
    this.hooks.stored();
    this.hooks.progress();
  }

  /** Acts on a presync step: ask for more, redownload, or score the peer and drop its presync. */
  private presyncStep(sp: PeerSync, ps: HeadersPresync, step: PresyncStep): void {
    const { peer } = sp.link;
    switch (step.kind) {
      case 'more':
        sp.headersAskedAt = this.clock.now();
        peer.send({ cmd: 'getheaders', version: PROTOCOL_VERSION, locator: [step.from], stop: new Uint8Array(32) });
        return;
      case 'redownload':
        this.log.debug({ peer: peer.remote, batches: ps.batches }, 'presync reached the work threshold: redownloading');
        this.ask(sp, step.fork);
        return;
      case 'low-work':
        sp.presync = undefined;
        sp.headersSynced = true;
        peer.misbehave(SyncScore.LOW_WORK_HEADERS, `low-work header chain: ${ps.batches} batches ending below the anti-DoS work threshold, not stored`);
        this.hooks.progress();
        return;
      case 'bad-pow':
        sp.presync = undefined;
        peer.misbehave(RULE_CODES['high-hash'].banScore, 'header with invalid proof of work (presync)');
        return;
      case 'too-long':
        sp.presync = undefined;
        peer.close(`presync of ${ps.batches} header batches without reaching the work threshold`);
        return;
    }
  }

  /** Answers getheaders from the active chain: we never pass on headers of blocks we have not checked. */
  onGetHeaders(sp: PeerSync, locator: readonly Uint8Array[], stop: Uint8Array): void {
    const fork = this.chain.findLocatorFork(locator);
    const headers: BlockHeader[] = [];
    const zero = stop.every((b) => b === 0);
    for (let h = fork.height + 1; h <= this.chain.height && headers.length < MAX_HEADERS; h++) {
      const e = this.chain.getEntryAt(h)!;
      headers.push(e.header);
      sp.link.known.add(e.hash);
      if (!zero && equalBytes(e.hash, stop)) break;
    }
    sp.link.peer.send({ cmd: 'headers', headers });
  }

  /** Disconnects a peer whose getheaders went unanswered; true if it did. */
  checkTimeout(sp: PeerSync, now: number): boolean {
    if (sp.headersAskedAt !== undefined && now - sp.headersAskedAt > this.cfg.headersTimeoutMs) {
      sp.link.peer.close('headers request timed out');
      return true;
    }
    return false;
  }
}
