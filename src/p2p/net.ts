// P2PNode: one node's peers. It listens and dials through an injected Transport (plain
// WebSockets, the secure transport, or an in-memory network), wraps it in a
// FaultInjector so partitions and latency can be imposed by the node itself, runs a
// Peer per connection, and hands ready peers to the block sync and relay logic.
//
// Peer management:
//   - outbound: seeds and manually added URLs first, then addresses from the address
//     manager, up to `outboundTarget`; failed dials back off exponentially per URL;
//   - inbound: refused beyond `maxInbound`, from banned hosts, and from partitioned peers;
//   - a peer reaching the ban threshold is disconnected and banned for `banSeconds`:
//     by its identity key on authenticated transports, else by host, except on loopback
//     where many nodes share 127.0.0.1 and the peer's advertised listen URL is banned
//     instead when it gave one;
//   - the address manager and the ban list are kept in `<datadir>/peers.json`.
// Nothing here throws at a peer's behaviour; errors in our own handlers are logged.
//
// Why this file is long: P2PNode owns the set of peers, and dialing, accepting, eviction,
// banning and address gossip all read and change that set under the same bookkeeping.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Clock, Rng, TimerHandle } from '../primitives/index.js';
import { silentLogger } from '../primitives/index.js';
import type { Chain } from '../chain/index.js';
import type { ConsensusParams } from '../consensus/index.js';
import { AddrMan } from './addrman.js';
import { BanMan, type BanEntry } from './banman.js';
import { netGroupKey, selectPeerToEvict, type EvictionCandidate } from './eviction.js';
import { NodePeer } from './nodepeer.js';
import { Peer, type PeerLogger, type PeerOptions } from './peer.js';
import { CompactRelay } from './compact/relay.js';
import type { CompactMempool, CompactRelayOptions } from './compact/options.js';
import { Relay, type RelayMempool, type RelayOptions } from './relay.js';
import { JsonFileStore, MemoryStore, type KvStore } from './store.js';
import { BlockSync, type SyncOptions, type SyncState } from '../sync/index.js';
import { FaultInjector, hostOf, type Connection, type Listener, type Transport } from './transport.js';

export interface P2PNodeOptions {
  params: ConsensusParams;
  chain: Chain;
  /** with entries() (src/mempool's Mempool), compact blocks are rebuilt from it */
  mempool?: RelayMempool & Partial<CompactMempool>;
  transport: Transport;
  clock: Clock;
  rng: Rng;
  listen?: { host: string; port: number };
  /** URL others should dial us at; defaults to ws://host:port of `listen` */
  advertiseUrl?: string;
  /**
   * Host to advertise when `listen.host` is a wildcard (0.0.0.0, ::), which no peer can
   * dial: the node's own address (cairnd passes its first external IPv4, else loopback).
   */
  advertiseHost?: string;
  /** this node's other addresses: a URL on one of them with our port is ourselves */
  localHosts?: string[];
  /** our own identity (hex, as pinned in `ws://host:port#<identity>`): never dialled */
  identity?: string;
  /** peer URLs dialled first and kept connected */
  seeds?: string[];
  /** where peers.json (addresses and bans) lives; in memory when absent */
  datadir?: string;
  outboundTarget?: number;
  maxInbound?: number;
  banSeconds?: number;
  /**
   * Items each peer's known-inventory filter remembers (default Core's 50,000; about 11 bytes
   * each at 10⁻⁶ false positives). Simulations of hundreds of nodes with a few payments a
   * minute use fewer: the filter never fills there, and its memory and cache misses set
   * most of a large world's cost.
   */
  knownInventory?: number;
  userAgent?: string;
  log?: PeerLogger;
  /** Peer timeouts, rate limits and ban threshold */
  peer?: Partial<Omit<PeerOptions, 'conn' | 'magic' | 'genesis' | 'clock' | 'rng' | 'ownNonces' | 'local' | 'id' | 'log'>>;
  sync?: Partial<Omit<SyncOptions, 'chain' | 'clock' | 'log'>>;
  relay?: Partial<Omit<RelayOptions, 'chain' | 'sync' | 'mempool' | 'addrman' | 'clock' | 'rng' | 'log' | 'listenUrl'>>;
  /** compact block relay (BIP152) settings */
  compact?: Partial<Omit<CompactRelayOptions, 'chain' | 'sync' | 'mempool' | 'clock' | 'rng' | 'log'>>;
  /** how often the outbound loop runs */
  connectIntervalMs?: number;
  /** longest back-off between dials of one URL */
  maxBackoffMs?: number;
}

/** Esplora-like, snake_case: served as is by GET /api/peers. */
export interface PeerInfo {
  id: number;
  addr: string;
  direction: 'inbound' | 'outbound';
  version: number | null;
  user_agent: string | null;
  /** best height the peer has shown us (headers), or what it claimed in its version */
  height: number;
  ping_ms: number | null;
  ban_score: number;
  bytes_in: number;
  bytes_out: number;
  identity?: string;
  /** the URL it accepts connections on, if it told us */
  listen_url?: string;
  blocks_in_flight: number;
  connected_at: number;
}

export interface P2PMetrics {
  bytesIn: Record<string, number>;
  bytesOut: Record<string, number>;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  /** misbehaviour events and the score they added */
  misbehaviour: { events: number; score: number };
  bans: number;
  connections: { inbound: number; outbound: number; failedDials: number; refused: number; evicted: number };
}

export interface P2PNodeEvents {
  'peer-connected': [PeerInfo];
  'peer-disconnected': [PeerInfo, string];
  ban: [BanEntry];
  'sync-progress': [SyncState];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

interface Live {
  np: NodePeer;
  /** the URL we dialled (outbound) */
  url: string | undefined;
}

export class P2PNode extends EventEmitter<P2PNodeEvents> {
  readonly params: ConsensusParams;
  readonly chain: Chain;
  readonly faults: FaultInjector;
  readonly addrman: AddrMan;
  readonly banman: BanMan;
  readonly sync: BlockSync;
  readonly relay: Relay;
  readonly compact: CompactRelay;
  readonly metrics: P2PMetrics = {
    bytesIn: {},
    bytesOut: {},
    messagesIn: {},
    messagesOut: {},
    misbehaviour: { events: 0, score: 0 },
    bans: 0,
    connections: { inbound: 0, outbound: 0, failedDials: 0, refused: 0, evicted: 0 },
  };
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: PeerLogger;
  private readonly store: KvStore;
  private readonly opts: P2PNodeOptions;
  readonly outboundTarget: number;
  readonly maxInbound: number;
  readonly banSeconds: number;
  private readonly live = new Map<number, Live>();
  private readonly dialing = new Set<string>();
  /** URLs to keep connected regardless of the address manager (seeds, connect()) */
  private readonly manual = new Set<string>();
  private readonly backoff = new Map<string, { until: number; fails: number }>();
  /** URLs that turned out to be ourselves */
  private readonly selfUrls = new Set<string>();
  private readonly partitioned = new Set<string>();
  private readonly ownNonces = new Set<bigint>();
  private listener: Listener | undefined;
  private _listenUrl = '';
  private nextId = 1;
  private loopTimer: TimerHandle | undefined;
  private saveTimer: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  private pendingDials = new Set<Promise<void>>();
  /** salt of the network-group hashes used by eviction */
  private readonly groupSalt: number;

  constructor(o: P2PNodeOptions) {
    super();
    this.opts = o;
    this.params = o.params;
    this.chain = o.chain;
    this.clock = o.clock;
    this.rng = o.rng;
    this.log = o.log ?? silentLogger;
    this.outboundTarget = o.outboundTarget ?? 8;
    this.maxInbound = o.maxInbound ?? 64;
    this.banSeconds = o.banSeconds ?? 86_400;
    this.faults = new FaultInjector(o.transport, { clock: o.clock, rng: o.rng });
    const salt = o.rng.bytes(4);
    this.groupSalt = (salt[0]! | (salt[1]! << 8) | (salt[2]! << 16) | (salt[3]! << 24)) >>> 0;
    this.store = o.datadir ? new JsonFileStore(join(o.datadir, 'peers.json')) : new MemoryStore();
    this.addrman = new AddrMan({ clock: o.clock, store: this.store });
    this.banman = new BanMan({ clock: o.clock, store: this.store });
    this.sync = new BlockSync({ chain: o.chain, clock: o.clock, log: this.log, ...o.sync });
    // Before Relay: its tip listener must mark blocks sent as cmpctblock known first.
    this.compact = new CompactRelay({ chain: o.chain, sync: this.sync, mempool: o.mempool, clock: o.clock, rng: o.rng, log: this.log, ...o.compact });
    this.relay = new Relay({
      chain: o.chain,
      sync: this.sync,
      ...(o.mempool ? { mempool: o.mempool } : {}),
      addrman: this.addrman,
      clock: o.clock,
      rng: o.rng,
      log: this.log,
      listenUrl: () => this._listenUrl,
      ...o.relay,
    });
    this.sync.on('progress', (s) => this.emit('sync-progress', s));
    for (const s of o.seeds ?? []) this.manual.add(s);
  }

  /** The URL peers can dial us at ('' when not listening). */
  get listenUrl(): string {
    return this._listenUrl;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.banman.load();
    await this.addrman.load();
    if (this.opts.listen) {
      const { host, port } = this.opts.listen;
      this.listener = await this.faults.listen(port, host, (c) => this.onInbound(c));
      const wildcard = isWildcard(host);
      const shown = wildcard ? (this.opts.advertiseHost ?? '127.0.0.1') : host;
      const bound = this.listener.url && !wildcard ? this.listener.url : wsUrl(shown, this.listener.port);
      this._listenUrl = this.opts.advertiseUrl ?? bound;
      // Every URL that reaches this listener is ourselves: the advertised one, the bound
      // address and, on a wildcard, loopback and the machine's other addresses.
      const hosts = [host, shown, ...(wildcard ? ['127.0.0.1', 'localhost', '::1', ...(this.opts.localHosts ?? [])] : [])];
      for (const h of hosts) this.selfUrls.add(wsUrl(h, this.listener.port));
      this.selfUrls.add(stripFragment(this._listenUrl));
    }
    for (const s of this.manual) this.addrman.add({ url: s }, 'config');
    this.log.info({ listen: this._listenUrl, seeds: [...this.manual], known: this.addrman.size, bans: this.banman.list().length }, 'p2p started');
    this.loop();
    this.scheduleSave();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.loopTimer, this.saveTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.sync.stop();
    this.relay.stop();
    this.compact.stop();
    for (const l of [...this.live.values()]) l.np.peer.close('shutting down');
    await Promise.allSettled([...this.pendingDials]);
    if (this.listener) await this.listener.close();
    await this.addrman.save().catch((e) => this.log.error({ err: e }, 'saving addresses failed'));
    await this.sync.idle();
  }

  // ---------------------------------------------------------------- admin

  /** Dials `url` now and keeps it connected (reconnecting with back-off) until disconnect. */
  /** Dials `url` and keeps it connected. Refuses (SelfDialError) a URL of this node. */
  async connect(url: string): Promise<void> {
    if (this.isSelf(url)) throw new SelfDialError(url);
    this.manual.add(url);
    this.addrman.add({ url }, 'config');
    this.backoff.delete(url);
    await this.dial(url);
  }

  /** Closes a peer; a manually added one stops being reconnected. */
  disconnect(peerId: number): boolean {
    const l = this.live.get(peerId);
    if (!l) return false;
    if (l.url) this.manual.delete(l.url);
    l.np.peer.close('disconnected by operator');
    return true;
  }

  async ban(key: string, seconds = this.banSeconds, reason = 'banned by operator'): Promise<BanEntry> {
    const entry = await this.banman.ban(key, seconds, reason);
    this.metrics.bans++;
    this.emit('ban', entry);
    for (const l of [...this.live.values()]) if (this.banKeysOf(l).includes(key)) l.np.peer.close(`banned: ${reason}`);
    return entry;
  }

  unban(key: string): Promise<boolean> {
    return this.banman.unban(key);
  }

  listBans(): BanEntry[] {
    return this.banman.list();
  }

  /** Cuts this node off from the given URLs or hosts until heal(): closes them, refuses them. */
  setPartition(blocked: string[]): void {
    this.faults.partition(blocked);
    for (const b of blocked) this.partitioned.add(b);
    for (const l of [...this.live.values()]) if (this.isPartitioned(l)) l.np.peer.close('partitioned');
  }

  heal(): void {
    this.faults.heal();
    this.partitioned.clear();
    this.backoff.clear();
    this.loopSoon();
  }

  setLatency(ms: number): void {
    this.faults.setLatency(ms);
  }

  private isPartitioned(l: Live): boolean {
    const p = l.np.peer;
    const keys = [p.remote, p.host, l.url, p.remoteVersion?.listenUrl, p.remoteVersion?.listenUrl ? hostOf(p.remoteVersion.listenUrl) : undefined];
    return keys.some((k) => k !== undefined && k !== '' && this.partitioned.has(k));
  }

  // ---------------------------------------------------------------- views

  peers(): PeerInfo[] {
    return [...this.live.values()].filter((l) => l.np.peer.state === 'ready').map((l) => this.info(l));
  }

  syncState(): SyncState {
    return this.sync.state();
  }

  private info(l: Live): PeerInfo {
    const p = l.np.peer;
    const v = p.remoteVersion;
    const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
    const identity = identityOf(p.conn);
    const shown = this.sync.peerHeight(l.np);
    return {
      id: p.id,
      addr: l.url ?? p.remote,
      direction: p.inbound ? 'inbound' : 'outbound',
      version: v?.version ?? null,
      user_agent: v?.userAgent ?? null,
      height: Math.max(shown, v?.bestHeight ?? 0),
      ping_ms: p.pingRtt ?? null,
      ban_score: p.score,
      bytes_in: sum(p.stats.bytesRecv),
      bytes_out: sum(p.stats.bytesSent),
      ...(identity ? { identity } : {}),
      ...(v?.listenUrl ? { listen_url: v.listenUrl } : {}),
      blocks_in_flight: this.sync.inFlightOf(l.np),
      connected_at: Math.floor(p.connectedAt / 1000),
    };
  }

  // ---------------------------------------------------------------- connections

  private outboundCount(): number {
    let n = this.dialing.size;
    for (const l of this.live.values()) if (!l.np.peer.inbound) n++;
    return n;
  }

  private connectedUrls(): Set<string> {
    const s = new Set<string>(this.dialing);
    for (const l of this.live.values()) {
      if (l.url) s.add(l.url);
      // A claimed listen URL is only a hint: on authenticated transports duplicates are
      // found by identity after the handshake, so a squatter cannot keep a URL busy.
      const lu = l.np.peer.remoteVersion?.listenUrl;
      if (lu && !identityOf(l.np.peer.conn)) s.add(lu);
    }
    return s;
  }

  /** A URL that reaches this node: one of its own, or pinned to its own identity. */
  isSelf(url: string): boolean {
    if (this.selfUrls.has(stripFragment(url))) return true;
    const pin = url.indexOf('#');
    return pin >= 0 && this.opts.identity !== undefined && url.slice(pin + 1).toLowerCase() === this.opts.identity.toLowerCase();
  }

  private dialable(url: string, busy: Set<string>, now: number): boolean {
    if (busy.has(url) || this.isSelf(url)) return false;
    if (this.banman.isBanned(url) || this.banman.isBanned(hostOf(url))) return false;
    if (this.partitioned.has(url) || this.partitioned.has(hostOf(url))) return false;
    const b = this.backoff.get(url);
    return !b || b.until <= now;
  }

  private loop(): void {
    if (this.stopped) return;
    this.loopTimer = undefined;
    try {
      this.fillOutbound();
    } catch (e) {
      this.log.error({ err: e }, 'outbound loop failed');
    }
    this.loopTimer = this.clock.setTimeout(() => this.loop(), this.opts.connectIntervalMs ?? 1_000);
  }

  private loopSoon(): void {
    if (this.stopped || !this.started) return;
    if (this.loopTimer !== undefined) this.clock.clearTimeout(this.loopTimer);
    this.loopTimer = this.clock.setTimeout(() => this.loop(), 0);
  }

  private fillOutbound(): void {
    const now = this.clock.now();
    const busy = this.connectedUrls();
    // Manual peers are kept connected whatever the target says.
    for (const url of this.manual) if (this.dialable(url, busy, now)) void this.dial(url);
    let guard = 0;
    while (this.outboundCount() < this.outboundTarget && guard++ < 16) {
      const busyNow = this.connectedUrls();
      const a = this.addrman.select(this.rng, (u) => !this.dialable(u, busyNow, now));
      if (!a) break;
      void this.dial(a.url);
    }
  }

  private dial(url: string): Promise<void> {
    if (this.stopped || this.dialing.has(url)) return Promise.resolve();
    this.dialing.add(url);
    this.addrman.attempt(url);
    const p = (async () => {
      let conn: Connection;
      try {
        conn = await this.faults.dial(url);
      } catch (e) {
        this.metrics.connections.failedDials++;
        this.failed(url);
        this.log.debug({ url, err: (e as Error)?.message }, 'dial failed');
        return;
      } finally {
        this.dialing.delete(url);
      }
      if (this.stopped) {
        conn.close('shutting down');
        return;
      }
      this.metrics.connections.outbound++;
      this.startPeer(conn, url);
    })();
    this.pendingDials.add(p);
    void p.finally(() => this.pendingDials.delete(p));
    return p;
  }

  private failed(url: string): void {
    const b = this.backoff.get(url) ?? { until: 0, fails: 0 };
    b.fails++;
    const ms = Math.min(this.opts.maxBackoffMs ?? 60_000, 1_000 * 2 ** Math.min(b.fails - 1, 16));
    b.until = this.clock.now() + ms * (0.75 + this.rng.float() * 0.5);
    this.backoff.set(url, b);
  }

  private onInbound(conn: Connection): void {
    if (this.stopped) {
      conn.close('shutting down');
      return;
    }
    const host = hostOf(conn.remote);
    let inbound = 0;
    for (const l of this.live.values()) if (l.np.peer.inbound) inbound++;
    const identity = identityOf(conn);
    if (this.banman.isBanned(host) || (identity && this.banman.isBanned(`id:${identity}`))) {
      this.metrics.connections.refused++;
      conn.close('banned');
      return;
    }
    if (inbound >= this.maxInbound && !this.evictInbound()) {
      this.metrics.connections.refused++;
      conn.close('too many inbound connections');
      return;
    }
    this.metrics.connections.inbound++;
    this.startPeer(conn, undefined);
  }

  /** Core's AttemptToEvictConnection: frees an inbound slot unless every inbound peer is protected. */
  private evictInbound(): boolean {
    const cs: EvictionCandidate[] = [];
    for (const l of this.live.values()) {
      const p = l.np.peer;
      if (!p.inbound || p.state === 'closed') continue;
      cs.push({ id: p.id, connectedAt: p.connectedAt, pingMs: p.pingRtt, lastBlockAt: l.np.lastBlockAt, lastTxAt: l.np.lastTxAt, groupKey: netGroupKey(this.groupSalt, p.remote) });
    }
    const id = selectPeerToEvict(cs);
    const victim = id === undefined ? undefined : this.live.get(id);
    if (!victim) return false;
    this.metrics.connections.evicted++;
    victim.np.peer.close('evicted: inbound slots full');
    return true;
  }

  private startPeer(conn: Connection, url: string | undefined): void {
    const id = this.nextId++;
    const peer = new Peer({
      ...this.opts.peer,
      conn,
      magic: this.params.magic,
      genesis: this.params.genesisHash,
      clock: this.clock,
      rng: this.rng,
      ownNonces: this.ownNonces,
      local: () => ({ services: 1n, bestHeight: this.chain.height, userAgent: this.opts.userAgent ?? '/cairn:0.1.0/', listenUrl: this._listenUrl, relay: true }),
      id,
      log: this.log,
    });
    const np = new NodePeer(peer, this.rng, this.opts.knownInventory);
    const l: Live = { np, url };
    this.live.set(id, l);
    let wasReady = false;
    peer.on('ready', () => {
      const v = peer.remoteVersion!;
      // Checks that need the version: bans and partitions by advertised URL, duplicates.
      if (this.banKeysOf(l).some((k) => this.banman.isBanned(k))) return peer.close('banned');
      if (this.isPartitioned(l)) return peer.close('partitioned');
      const identity = identityOf(peer.conn);
      if (identity) {
        // Authenticated: the identity, not a claimed URL, says who this is.
        const dup = [...this.live.values()].some((o) => o !== l && o.np.peer.state === 'ready' && identityOf(o.np.peer.conn) === identity);
        if (dup) return peer.close('already connected');
      }
      if (url === undefined && v.listenUrl) {
        const dup = !identity && [...this.live.values()].some((o) => o !== l && o.np.peer.state === 'ready' && (o.url === v.listenUrl || o.np.peer.remoteVersion?.listenUrl === v.listenUrl));
        if (dup) return peer.close('already connected');
        // Someone reachable told us where: worth remembering (and gossiping).
        this.addrman.add({ url: v.listenUrl }, peer.host);
      }
      if (url) {
        this.addrman.good(url);
        this.backoff.delete(url);
      }
      wasReady = true;
      // A first ping at once (as Core), so latency is known early: inbound eviction
      // protects the lowest-latency peers.
      peer.ping();
      this.sync.addPeer(np);
      this.relay.addPeer(np);
      this.compact.addPeer(np);
      this.emit('peer-connected', this.info(l));
    });
    peer.on('misbehave', (e) => {
      this.metrics.misbehaviour.events++;
      this.metrics.misbehaviour.score += e.score;
    });
    peer.on('ban', (e) => {
      // Every key at once: the identity and the address (as Core discourages addresses),
      // so a banned host cannot come straight back with a fresh key.
      const keys = this.banKeysOf(l);
      void (async () => {
        for (const key of keys) {
          const entry = await this.banman.ban(key, this.banSeconds, e.reason);
          this.log.warn({ peer: peer.remote, key, reason: e.reason }, 'peer banned');
          this.emit('ban', entry);
        }
        this.metrics.bans++;
      })().catch((err) => this.log.error({ err }, 'saving ban failed'));
    });
    peer.on('close', (reason) => {
      this.live.delete(id);
      this.fold(peer);
      if (reason === 'connected to self' && url) this.selfUrls.add(stripFragment(url));
      // Whether the dial failed late or a working peer went away, its URL waits a while.
      if (url && reason !== 'connected to self') this.failed(url);
      if (wasReady) {
        this.sync.removePeer(np);
        this.relay.removePeer(np);
        this.compact.removePeer(np);
        this.emit('peer-disconnected', this.info(l), reason);
      }
      if (!peer.inbound) this.loopSoon();
    });
    peer.start();
  }

  /** What a ban of this peer applies to, most specific first. */
  private banKeysOf(l: Live): string[] {
    const p = l.np.peer;
    const identity = identityOf(p.conn);
    // Loopback is shared by every node of a devnet: banning it would ban them all.
    if (identity) return LOOPBACK.has(p.host) ? [`id:${identity}`] : [`id:${identity}`, p.host];
    const lu = p.remoteVersion?.listenUrl || l.url;
    if (LOOPBACK.has(p.host) && lu) return [lu];
    return [p.host];
  }

  private fold(p: Peer): void {
    const add = (to: Record<string, number>, from: Record<string, number>): void => {
      for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + v;
    };
    add(this.metrics.bytesIn, p.stats.bytesRecv);
    add(this.metrics.bytesOut, p.stats.bytesSent);
    add(this.metrics.messagesIn, p.stats.msgsRecv);
    add(this.metrics.messagesOut, p.stats.msgsSent);
  }

  /** Traffic totals including live peers (metrics holds only closed ones until then). */
  traffic(): Pick<P2PMetrics, 'bytesIn' | 'bytesOut' | 'messagesIn' | 'messagesOut'> {
    const t = { bytesIn: { ...this.metrics.bytesIn }, bytesOut: { ...this.metrics.bytesOut }, messagesIn: { ...this.metrics.messagesIn }, messagesOut: { ...this.metrics.messagesOut } };
    for (const l of this.live.values()) {
      const s = l.np.peer.stats;
      for (const [to, from] of [
        [t.bytesIn, s.bytesRecv],
        [t.bytesOut, s.bytesSent],
        [t.messagesIn, s.msgsRecv],
        [t.messagesOut, s.msgsSent],
      ] as const) {
        for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + v;
      }
    }
    return t;
  }

  private scheduleSave(): void {
    if (this.stopped) return;
    this.saveTimer = this.clock.setTimeout(() => {
      if (this.addrman.isDirty) void this.addrman.save().catch((e) => this.log.error({ err: e }, 'saving addresses failed'));
      this.scheduleSave();
    }, 60_000);
  }
}

export class SelfDialError extends Error {
  readonly code = 'self';
  constructor(url: string) {
    super(`${url} is this node itself`);
    this.name = 'SelfDialError';
  }
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function wsUrl(host: string, port: number): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `ws://h:p#identity` → `ws://h:p` (the pin says who, not where). */
function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

function identityOf(conn: Connection): string | undefined {
  const id = (conn as { remoteIdentity?: string | null }).remoteIdentity;
  return typeof id === 'string' && id ? id : undefined;
}
