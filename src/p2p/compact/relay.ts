// Compact block relay (BIP152, version 2 only) between this node and its peers:
//   - on connect, each peer is sent `sendcmpct` version 2, announce = 1 for up to
//     `highBandwidthPeers` (3) peers: the ones that most recently gave us a new block
//     first (the first connected ones until then), announce = 0 for the rest;
//   - to peers that asked for high-bandwidth mode (their sendcmpct announce = 1,
//     version 2), a new tip extending what they know goes out as `cmpctblock` (coinbase
//     prefilled) right when it connects — after full validation, as every Cairn
//     announcement — instead of headers; Relay then sees it as known and sends nothing;
//   - a `cmpctblock` is checked (parent known, header valid, more work than our tip),
//     rebuilt from the mempool, missing transactions fetched with `getblocktxn`, and the
//     rebuilt block checked against its merkle root and witness commitment before the
//     chain sees it. A short-id collision, a failed check or an unanswered getblocktxn
//     falls back to one getdata of the full block (sync.fetchFull, which never asks for
//     that block compact again), at no cost to the sender: a wrong rebuild never marks a
//     block invalid. However else its handling ends (to the chain, already had, not
//     wanted), sync.compactDone frees the block's download slot;
//   - `getblocktxn` for one of the last `recentBlocks` connected blocks is answered with
//     `blocktxn`.
// Low-bandwidth mode (BIP152), both directions: a peer that sent us sendcmpct version 2
// and announces one new block on our tip by headers is asked for it with getdata
// MSG_CMPCT_BLOCK (src/sync/download.ts), and its cmpctblock answer is handled here as
// an announced one, not as unsolicited; a getdata MSG_CMPCT_BLOCK from a peer is answered
// by Relay with compact/serve.ts: cmpctblock for a block within 5 of our tip to a peer
// that sent sendcmpct version 2, the full block otherwise.
// Bounds and scores are in docs/protocol.md "Compact blocks".
import { bytesToHex, type Block, type Clock, type Rng, type TimerHandle, type Tx } from '../../primitives/index.js';
import { RULE_CODES, RuleError } from '../../consensus/index.js';
import { ChainError, type Chain, type ChainEntry, type TipChange } from '../../chain/index.js';
import type { CmpctblockMessage, GetblocktxnMessage, BlocktxnMessage } from '../messages/index.js';
import type { NodePeer } from '../nodepeer.js';
import type { PeerLogger } from '../peer.js';
import { MAX_TX_INDEX } from './codec.js';
import { CompactScore, type CompactMempool, type CompactRelayOptions, type CompactStats, type CompactSync } from './options.js';
import { PartialBlock, checkRebuilt, makeCompact } from './reconstruct.js';

/** The compact block version Cairn speaks: short ids of wtxids (BIP152 version 2). */
export const CMPCT_VERSION = 2n;

interface Pending {
  partial: PartialBlock;
  entry: ChainEntry;
  timer: TimerHandle;
}

interface CompactPeer {
  np: NodePeer;
  /** the peer asked us to announce with cmpctblock (sendcmpct 1, version 2) */
  wantsCmpct: boolean;
  /** we asked it to (our sendcmpct announce = 1) */
  highBandwidth: boolean;
  pending: Map<string, Pending>;
}

const silent: PeerLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class CompactRelay {
  private readonly chain: Chain;
  private readonly sync: CompactSync;
  private readonly mempool: Partial<CompactMempool> | undefined;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: PeerLogger;
  private readonly hbMax: number;
  private readonly timeoutMs: number;
  private readonly recentMax: number;
  private readonly maxServeBuffer: number;
  private readonly peers = new Map<NodePeer, CompactPeer>();
  /** our high-bandwidth peers, oldest first */
  private readonly hb: CompactPeer[] = [];
  private readonly recent = new Map<string, Block>();
  /** blocks rebuilt and handed to the chain, not yet processed (by ChainEntry.key): settled when they are */
  private readonly processing = new Map<string, Promise<void>>();
  private readonly onTip: (c: TipChange) => void;
  private readonly onConnect: (e: ChainEntry, b: Block) => void;
  private stopped = false;
  readonly stats: CompactStats = {
    received: 0,
    fromMempool: 0,
    afterBlocktxn: 0,
    txsRequested: 0,
    fallbacks: { collision: 0, check: 0, timeout: 0, unservable: 0 },
    sent: 0,
    blocktxnServed: 0,
  };

  constructor(o: CompactRelayOptions) {
    this.chain = o.chain;
    this.sync = o.sync;
    this.mempool = o.mempool;
    this.clock = o.clock;
    this.rng = o.rng;
    this.log = o.log ?? silent;
    this.hbMax = o.highBandwidthPeers ?? 3;
    this.timeoutMs = o.blocktxnTimeoutMs ?? 10_000;
    this.recentMax = o.recentBlocks ?? 10;
    this.maxServeBuffer = o.maxServeBuffer ?? 8 * 1024 * 1024;
    this.onConnect = (e, b) => {
      this.recent.set(bytesToHex(e.hash), b);
      if (this.recent.size > this.recentMax) this.recent.delete(this.recent.keys().next().value as string);
    };
    this.onTip = (c) => this.announce(c);
    // Registered before Relay's listeners (P2PNode builds this first), so a peer sent a
    // cmpctblock already knows the block when Relay looks.
    this.chain.on('connect', this.onConnect);
    this.chain.on('tip', this.onTip);
  }

  stop(): void {
    this.stopped = true;
    this.chain.off('connect', this.onConnect);
    this.chain.off('tip', this.onTip);
    for (const cp of this.peers.values()) this.clearPending(cp);
  }

  addPeer(np: NodePeer): void {
    const cp: CompactPeer = { np, wantsCmpct: false, highBandwidth: false, pending: new Map() };
    this.peers.set(np, cp);
    const p = np.peer;
    p.onCommand('sendcmpct', (m) => {
      // Other versions are ignored (BIP152); the latest sendcmpct of version 2 decides.
      if (m.version !== CMPCT_VERSION) return;
      cp.wantsCmpct = m.announce;
      np.providesCompact = true;
    });
    // A cmpctblock's handling ends its request, unless it waits for a getblocktxn answer.
    const done = (hash: Uint8Array): void => void (cp.pending.has(bytesToHex(hash)) || this.sync.compactDone(np, hash));
    p.onCommand('cmpctblock', (m) => void this.onCmpctBlock(cp, m).finally(() => done(m.header.hash())));
    p.onCommand('getblocktxn', (m) => this.onGetBlockTxn(cp, m));
    p.onCommand('blocktxn', (m) => void this.onBlockTxn(cp, m).then((had) => had && done(m.blockHash)));
    cp.highBandwidth = this.hb.length < this.hbMax;
    if (cp.highBandwidth) this.hb.push(cp);
    p.send({ cmd: 'sendcmpct', announce: cp.highBandwidth, version: CMPCT_VERSION });
  }

  removePeer(np: NodePeer): void {
    const cp = this.peers.get(np);
    if (!cp) return;
    this.peers.delete(np);
    this.clearPending(cp);
    const i = this.hb.indexOf(cp);
    if (i >= 0) {
      this.hb.splice(i, 1);
      // Promote a low-bandwidth peer into the freed slot.
      const next = [...this.peers.values()].find((o) => !o.highBandwidth && o.np.ready);
      if (next) this.setHighBandwidth(next);
    }
  }

  /** Is `np` one of the peers we asked to announce with cmpctblock? */
  isHighBandwidth(np: NodePeer): boolean {
    return this.peers.get(np)?.highBandwidth ?? false;
  }

  private clearPending(cp: CompactPeer): void {
    for (const p of cp.pending.values()) this.clock.clearTimeout(p.timer);
    cp.pending.clear();
  }

  /** BIP152: the peers that last gave us new blocks first are the high-bandwidth ones. */
  private setHighBandwidth(cp: CompactPeer): void {
    if (cp.highBandwidth) {
      this.hb.splice(this.hb.indexOf(cp), 1);
      this.hb.push(cp);
      return;
    }
    cp.highBandwidth = true;
    this.hb.push(cp);
    cp.np.peer.send({ cmd: 'sendcmpct', announce: true, version: CMPCT_VERSION });
    while (this.hb.length > this.hbMax) {
      const old = this.hb.shift()!;
      old.highBandwidth = false;
      if (old.np.ready) old.np.peer.send({ cmd: 'sendcmpct', announce: false, version: CMPCT_VERSION });
    }
  }

  // ---------------------------------------------------------------- sending

  private announce(c: TipChange): void {
    if (this.stopped) return;
    const tip = c.tip;
    const block = this.recent.get(bytesToHex(tip.hash));
    const parent = tip.prev;
    if (!block || !parent) return;
    let cmpct: CmpctblockMessage | undefined;
    for (const cp of this.peers.values()) {
      const { np } = cp;
      if (!cp.wantsCmpct || !np.ready || np.known.has(tip.hash)) continue;
      // Only a block the peer can connect at once; longer jumps go as headers (Relay).
      if (!np.known.has(parent.hash) && parent !== c.previous) continue;
      cmpct ??= makeCompact(block, this.rng.u64());
      np.peer.send({ cmd: 'cmpctblock', ...cmpct });
      np.known.add(tip.hash);
      this.stats.sent++;
    }
  }

  private onGetBlockTxn(cp: CompactPeer, m: GetblocktxnMessage): void {
    const { peer } = cp.np;
    const block = this.recent.get(bytesToHex(m.blockHash));
    if (!block) {
      // Not a recent block: the asker falls back to getdata on its own timeout.
      this.log.debug({ peer: peer.remote }, 'getblocktxn for a block that is not recent: ignored');
      return;
    }
    const last = m.indexes[m.indexes.length - 1];
    if (last !== undefined && last >= block.txs.length) {
      peer.misbehave(CompactScore.GETBLOCKTXN_OUT_OF_RANGE, `getblocktxn index ${last} beyond the block's ${block.txs.length} transactions`);
      return;
    }
    if (peer.sendBuffered > this.maxServeBuffer) return;
    peer.send({ cmd: 'blocktxn', blockHash: m.blockHash, txs: m.indexes.map((i) => block.txs[i]!) });
    this.stats.blocktxnServed++;
  }

  // ---------------------------------------------------------------- receiving

  private async onCmpctBlock(cp: CompactPeer, m: CmpctblockMessage): Promise<void> {
    const { np } = cp;
    if (this.stopped || !np.ready) return;
    this.stats.received++;
    const hash = m.header.hash();
    const key = bytesToHex(hash);
    np.known.add(hash);
    const known = this.chain.getEntry(hash);
    if (known && (known.haveData || known.failed)) return;
    // Another peer's rebuild is with the chain: this peer's request ends when that is done.
    if (this.processing.has(key)) return this.processing.get(key);
    if (cp.pending.has(key)) return;
    const parent = this.chain.getEntry(m.header.prevBlock);
    if (!parent) {
      // We are missing blocks before it: catch up the ordinary way.
      this.sync.askHeaders(np);
      return;
    }
    let entry: ChainEntry;
    try {
      entry = (await this.chain.processHeaders([m.header]))[0]!;
    } catch (e) {
      this.punish(cp, e);
      return;
    }
    if (entry.haveData || this.processing.has(key)) return this.processing.get(key);
    // Only a block that would become our tip, on a parent we hold, is worth rebuilding now.
    // Otherwise (a rival of no more work, a child of a rival we skipped) sync learns that
    // the announcer holds it and its ancestors, and fetches them whole when they become
    // the most-work chain (Core's UpdateBlockAvailability): a node that lost a tie must
    // not wait for some later headers message to follow the rival's longer branch.
    if (entry.chainwork <= this.chain.tip.chainwork || !parent.haveData) {
      if (!this.stopped) this.sync.peerHas(np, entry);
      return;
    }
    const init = PartialBlock.init(m, this.poolTxs());
    if (init.status === 'invalid') {
      np.peer.misbehave(CompactScore.INVALID_COMPACT, `invalid compact block: ${init.reason}`);
      return;
    }
    if (init.status === 'collision') {
      this.stats.fallbacks.collision++;
      this.fallback(cp, entry, 'short-id collision in the compact block');
      return;
    }
    const partial = init.partial;
    const missing = partial.missing();
    if (missing.length === 0) {
      this.stats.fromMempool++;
      await this.submit(cp, entry, partial.block());
      return;
    }
    if (missing[missing.length - 1]! > MAX_TX_INDEX) {
      this.stats.fallbacks.unservable++;
      this.fallback(cp, entry, 'missing transactions beyond index 65,535');
      return;
    }
    // One pending rebuild per peer: a newer compact block replaces an older one.
    for (const old of cp.pending.values()) this.fallback(cp, old.entry, 'replaced by a newer compact block');
    this.clearPending(cp);
    const timer = this.clock.setTimeout(() => {
      if (cp.pending.get(key)?.timer !== timer) return;
      cp.pending.delete(key);
      this.stats.fallbacks.timeout++;
      this.fallback(cp, entry, 'getblocktxn unanswered');
    }, this.timeoutMs);
    cp.pending.set(key, { partial, entry, timer });
    this.stats.txsRequested += missing.length;
    np.peer.send({ cmd: 'getblocktxn', blockHash: hash, indexes: missing });
  }

  /** True if it answered a pending getblocktxn. */
  private async onBlockTxn(cp: CompactPeer, m: BlocktxnMessage): Promise<boolean> {
    const key = bytesToHex(m.blockHash);
    const p = cp.pending.get(key);
    if (!p) return false; // unsolicited or late: ignored, as Core does
    cp.pending.delete(key);
    this.clock.clearTimeout(p.timer);
    const f = p.partial.fill(m.txs);
    if (f.status === 'invalid') {
      cp.np.peer.misbehave(CompactScore.BLOCKTXN_MISMATCH, `blocktxn does not match the request: ${f.reason}`);
      this.fallback(cp, p.entry, 'blocktxn mismatch');
      return true;
    }
    this.stats.afterBlocktxn++;
    await this.submit(cp, p.entry, f.block);
    return true;
  }

  private *poolTxs(): Iterable<Tx> {
    const entries = this.mempool?.entries?.();
    if (!entries) return;
    for (const e of entries) yield e.tx;
  }

  /** A complete rebuild: checked against the header, then to the chain. */
  private async submit(cp: CompactPeer, entry: ChainEntry, block: Block): Promise<void> {
    const check = checkRebuilt(block);
    if (check !== 'ok') {
      // Short-id collision with a mempool tx, or wrong blocktxn contents: not the block's fault.
      this.stats.fallbacks.check++;
      this.fallback(cp, entry, `rebuilt block failed its ${check} check`);
      return;
    }
    const key = entry.key;
    if (this.processing.has(key)) return this.processing.get(key);
    let settle = (): void => undefined;
    this.processing.set(key, new Promise<void>((r) => (settle = r)));
    try {
      await this.chain.processBlock(block, { source: 'p2p' });
      cp.np.lastBlockAt = this.clock.now();
      if (!this.stopped && cp.np.ready) this.setHighBandwidth(cp);
    } catch (e) {
      this.punish(cp, e);
    } finally {
      this.processing.delete(key);
      settle();
    }
  }

  private fallback(cp: CompactPeer, entry: ChainEntry, why: string): void {
    this.log.debug({ peer: cp.np.peer.remote, block: entry.hashHex, why }, 'compact block: fetching the full block');
    if (!this.stopped) this.sync.fetchFull(cp.np, entry);
  }

  /** As sync's scoring: consensus codes by RULE_CODES, nothing for transient or corruption codes. */
  private punish(cp: CompactPeer, e: unknown): void {
    const { peer } = cp.np;
    if (e instanceof RuleError) {
      const info = RULE_CODES[e.code];
      const score = info.transient || info.corruption || e.code === 'bad-prevblk' ? 0 : info.banScore;
      this.log.warn({ peer: peer.remote, code: e.code, score }, `invalid compact block from peer: ${e.message}`);
      if (score > 0) peer.misbehave(score, `invalid block: ${e.code}`);
    } else if (e instanceof ChainError) {
      if (e.code === 'duplicate-invalid') peer.misbehave(100, 'block known to be invalid');
      else this.log.debug({ peer: peer.remote, err: e.message }, 'compact block not accepted');
    } else {
      this.log.error({ peer: peer.remote, err: e }, 'compact block handling failed');
    }
  }
}
