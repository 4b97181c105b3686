// CairnNode: the composition root. It owns the clock, rng, logger, datadir and cookie,
// builds chain → mempool → indexes → miner → p2p → API in that order, and tears them
// down in reverse. One process may run several nodes (tests): nothing here is global.
//
// Why this file is long: it is the composition root: it builds every subsystem in
// dependency order and unwinds them in reverse on failure or stop; that sequence is the
// content, and split it would no longer read as one.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { prettyDestination } from './logformat.js';
import { NETWORKS, type ConsensusParams } from '../consensus/index.js';
import { Chain, SigCache, VerifyPool } from '../chain/index.js';
import { MEMPOOL_FILE, Mempool, loadMempool, saveMempool } from '../mempool/index.js';
import { Indexer } from '../index/index.js';
import { Miner, type MinerWorkerStats } from '../mining/index.js';
import { MAX_MESSAGE_SIZE, P2PNode, WsTransport, type Transport } from '../p2p/index.js';
import { SECURE_FAILURE_REASONS, SECURE_OVERHEAD, SecureStats, SecureTransport, loadAllowList, loadOrCreateIdentity, type IdentityKey } from '../p2p/secure/index.js';
import { ApiServer, Metrics, difficulty, type ApiContext, type MinerControl, type P2PControl } from '../api/index.js';
import { addressToScript, bytesToHex, cryptoRng, noisePrologue, selectVerifier, systemClock, VerifierError, type Block, type Clock, type Rng, type VerifierSelection } from '../primitives/index.js';
import type { NodeConfig } from './config.js';

export const COOKIE_FILE = '.cookie';

export class NodeError extends Error {
  constructor(
    readonly code: 'port-in-use' | 'datadir' | 'tls' | 'start' | 'verifier',
    message: string,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export interface NodeDeps {
  clock?: Clock;
  rng?: Rng;
  logger?: Logger;
}

/** The package's root (where package.json is), from dist/src/node or src/node. */
function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  return process.cwd();
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Where to advertise when listening on a wildcard, and this machine's other addresses. */
function localAddresses(): { advertiseHost: string; localHosts: string[] } {
  const all = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  const external = all.find((a) => a.family === 'IPv4' && !a.internal);
  return { advertiseHost: external?.address ?? '127.0.0.1', localHosts: all.map((a) => a.address) };
}

/**
 * The network's hash rate as Bitcoin Core's getnetworkhashps(120) estimates it: the work
 * of the last 120 blocks over the time they spanned (0 when they share one timestamp).
 */
export function estimatedHashRate(chain: Chain, window = 120): number {
  const tip = chain.tip;
  const first = chain.getEntryAt(Math.max(0, tip.height - window));
  if (!first || first === tip) return 0;
  let minTime = tip.time;
  let maxTime = tip.time;
  for (let e: typeof tip | null = tip; e && e !== first; e = e.prev) {
    minTime = Math.min(minTime, e.time);
    maxTime = Math.max(maxTime, e.time);
  }
  minTime = Math.min(minTime, first.time);
  if (maxTime <= minTime) return 0;
  return Number(tip.chainwork - first.chainwork) / (maxTime - minTime);
}

/** Wraps the worker-thread Miner: regtest blocks are solved inline, others by the workers. */
class NodeMiner implements MinerControl {
  private miner: Miner | undefined;
  private script: Uint8Array | undefined;
  private threads: number | undefined;
  /** workers started by miners already let go (generate()'s, a previous setMining's) */
  private startedBefore = 0;

  constructor(
    private readonly chain: Chain,
    private readonly mempool: Mempool,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get mining(): boolean {
    return this.miner?.running ?? false;
  }

  get hashrate(): number {
    return this.miner?.hashRate ?? 0;
  }

  private make(script: Uint8Array, threads: number | undefined): Miner {
    const m = new Miner({ chain: this.chain, mempool: this.mempool, payTo: script, clock: this.clock, ...(threads ? { threads } : {}) });
    // the 'new tip' line (source=miner) announces it; this is the detail
    m.on('block', (b, r) => this.log.debug({ hash: b.hashHex(), status: r.status }, 'mined a block'));
    m.on('error', (e) => this.log.warn({ err: e }, 'miner error'));
    return m;
  }

  /** The miner's worker threads for /metrics: started since the node started, running, heaps. */
  get workerStats(): MinerWorkerStats {
    const now = this.miner?.workerStats ?? { started: 0, running: 0, heap: { used: 0, total: 0, malloced: 0, external: 0 } };
    return { ...now, started: this.startedBefore + now.started };
  }

  private retire(m: Miner): void {
    this.startedBefore += m.workerStats.started;
  }

  async generate(n: number, script: Uint8Array): Promise<string[]> {
    const m = this.make(script, this.threads);
    if (this.chain.params.difficulty.kind === 'fixed') return m.generate(n);
    // Real proof of work: let the workers find n blocks, then stop them.
    const hashes: string[] = [];
    await new Promise<void>((resolve) => {
      m.on('block', (b, r) => {
        if (r.status !== 'connected') return;
        hashes.push(b.hashHex());
        if (hashes.length >= n) resolve();
      });
      m.start();
    });
    await m.stop();
    this.retire(m);
    return hashes;
  }

  setMining(o: { enabled: boolean; script?: Uint8Array; threads?: number }): void {
    if (o.script) this.script = o.script;
    if (o.threads) this.threads = o.threads;
    const old = this.miner;
    this.miner = undefined;
    if (old) {
      this.retire(old);
      void old.stop();
    }
    if (!o.enabled) return;
    if (!this.script) throw new Error('no miner address: pass "address"');
    this.miner = this.make(this.script, this.threads);
    this.miner.start();
  }

  async stop(): Promise<void> {
    const m = this.miner;
    this.miner = undefined;
    if (m) this.retire(m);
    await m?.stop();
  }
}

/** The verifier as /api/node shows it. */
function verifierInfo(s: VerifierSelection): { backend: string; requested: string; fallback_reason: string | null } {
  return { backend: s.backend, requested: s.requested, fallback_reason: s.fallbackReason ?? null };
}

export class CairnNode {
  readonly params: ConsensusParams;
  readonly log: Logger;
  readonly token: string;
  private stopping: Promise<void> | undefined;
  private shutdownHandler: (() => void) | undefined;

  private constructor(
    readonly config: NodeConfig,
    readonly clock: Clock,
    readonly pool: VerifyPool,
    readonly chain: Chain,
    readonly mempool: Mempool,
    readonly indexer: Indexer,
    readonly miner: NodeMiner,
    readonly p2p: P2PNode | undefined,
    readonly identity: IdentityKey | undefined,
    readonly metrics: Metrics,
    readonly api: ApiServer,
    log: Logger,
    token: string,
  ) {
    this.params = chain.params;
    this.log = log;
    this.token = token;
  }

  get apiPort(): number {
    return this.api.port;
  }

  get p2pUrl(): string | undefined {
    return this.p2p?.listenUrl || undefined;
  }

  /** What to run when the API asks for a shutdown (the CLI exits afterwards). */
  onShutdownRequest(fn: () => void): void {
    this.shutdownHandler = fn;
  }

  static async start(config: NodeConfig, deps: NodeDeps = {}): Promise<CairnNode> {
    const clock = deps.clock ?? systemClock;
    const rng = deps.rng ?? cryptoRng;
    const params = NETWORKS[config.network];
    const pretty = config.logFormat === 'pretty' || (config.logFormat === undefined && process.stdout.isTTY === true);
    const dest = pretty ? prettyDestination() : pino.destination({ dest: 1, sync: true });
    const log = deps.logger ?? pino({ level: config.logLevel, base: { network: config.network } }, dest);
    try {
      await mkdir(config.datadir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new NodeError('datadir', `cannot create the data directory ${config.datadir}: ${(e as Error).message}; pick another with --datadir`);
    }
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (config.apiCert && config.apiKey) {
      try {
        tls = { cert: readFileSync(config.apiCert), key: readFileSync(config.apiKey) };
      } catch (e) {
        throw new NodeError('tls', `cannot read the TLS files: ${(e as Error).message}`);
      }
    }
    const cleanups: (() => Promise<unknown> | unknown)[] = [];
    const undo = async (): Promise<void> => {
      for (const f of cleanups.reverse()) await Promise.resolve(f()).catch(() => undefined);
    };
    // The signature backend is chosen (and self-tested) once, before anything is opened.
    let selection: VerifierSelection;
    try {
      selection = selectVerifier(config.verifier ?? 'auto');
    } catch (e) {
      if (e instanceof VerifierError) throw new NodeError('verifier', `--verifier ${config.verifier}: ${e.message}`);
      throw e;
    }
    if (selection.fallbackReason) log.warn({ verifier: selection.backend, reason: selection.fallbackReason }, 'signature verifier: falling back to WASM');
    try {
      const sigCache = new SigCache({ rng });
      const pool = new VerifyPool({ threads: config.verifyThreads ?? 2, verifier: selection, sigCache });
      cleanups.push(() => pool.close());
      log.info({ datadir: config.datadir }, 'opening the chain database');
      const chain = await Chain.open({ params, path: join(config.datadir, 'chain'), clock, verifyPool: pool, cacheBytes: config.dbcacheMb * 1024 * 1024 });
      cleanups.push(() => chain.close());
      // The cookie is written only once we hold the database lock, so a second cairnd on
      // the same datadir cannot replace the running node's token.
      const token = bytesToHex(rng.bytes(32));
      const cookie = join(config.datadir, COOKIE_FILE);
      await writeFile(cookie, token, { mode: 0o600 });
      await chmod(cookie, 0o600);
      const mempool = new Mempool({ chain, verifyPool: pool, clock, rng });
      cleanups.push(() => mempool.close());
      const mempoolPath = join(config.datadir, MEMPOOL_FILE);
      log.info({ indexed_from: 'chain tip catch-up' }, 'opening the indexes');
      const indexer = await Indexer.open({ chain, path: join(config.datadir, 'indexes'), onError: (e) => log.error({ err: e }, 'index update failed') });
      cleanups.push(() => indexer.close());
      const miner = new NodeMiner(chain, mempool, clock, log.child({ sub: 'miner' }));
      cleanups.push(() => miner.stop());

      let identity: IdentityKey | undefined;
      // The transport is built before P2PNode, whose ban list decides which hosts and
      // identities to refuse; the transports ask through this late-bound reference. A
      // banned host is refused at the TCP accept, before any handshake work (issue #16).
      let p2pRef: P2PNode | undefined;
      const bannedHost = (host: string): string | undefined => (p2pRef?.banman.isBanned(host) ? 'banned by this node' : undefined);
      const ws = new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD, clock, refuseHost: bannedHost });
      let transport: Transport = ws;
      const secureStats = new SecureStats();
      if (config.secure) {
        identity = await loadOrCreateIdentity(config.datadir, rng);
        const allowPeers = config.allowPeers ? await loadAllowList(config.allowPeers) : undefined;
        transport = new SecureTransport(transport, {
          identity,
          rng,
          clock,
          context: noisePrologue(params.name),
          allowPlaintext: config.allowPlaintext,
          ...(allowPeers ? { allowPeers } : {}),
          refuseIdentity: (id) => (p2pRef?.banman.isBanned(`id:${id}`) ? 'banned by this node' : undefined),
          stats: secureStats,
          log: log.child({ sub: 'secure' }),
        });
      }
      const p2p = new P2PNode({
        params,
        chain,
        mempool,
        transport,
        clock,
        rng,
        ...(config.listen ? { listen: { host: config.p2pHost, port: config.p2pPort } } : {}),
        ...(config.advertise ? { advertiseUrl: config.advertise } : {}),
        // listening on 0.0.0.0 advertises a real address, never the wildcard
        ...localAddresses(),
        ...(identity ? { identity: identity.id } : {}),
        seeds: config.peers,
        datadir: config.datadir,
        userAgent: `/cairnd:${packageVersion()}/`,
        log: log.child({ sub: 'p2p' }),
      });
      p2pRef = p2p;
      // The saved mempool comes back before peers or the API can add to it.
      const loaded = await loadMempool(mempool, mempoolPath);
      if (loaded.status === 'ignored') log.warn({ file: mempoolPath, reason: loaded.warning }, `mempool file ignored: ${loaded.warning}`);
      else if (loaded.status === 'loaded') {
        log.info({ file: mempoolPath, read: loaded.read, accepted: loaded.accepted, failed: loaded.failed, expired: loaded.expired, reasons: loaded.reasons }, `loaded ${loaded.accepted} of ${loaded.read} saved mempool transactions`);
      }
      try {
        await p2p.start();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new NodeError('port-in-use', `port ${config.p2pPort} is in use: pick another with --p2p-port (or stop the other node)`);
        }
        throw e;
      }
      cleanups.push(() => p2p.stop());

      const metrics = new Metrics({
        build: { version: packageVersion(), network: params.name, node: 'cairnd' },
        height: () => chain.height,
        difficulty: () => difficulty(chain.tip.bits, params.powLimit),
        hashRate: () => estimatedHashRate(chain),
        sync: () => {
          const st = p2p.syncState();
          return { progress: st.progress, headersHeight: st.headers_height };
        },
        peers: () => p2p.peers().length,
        mempoolCount: () => mempool.size,
        mempoolBytes: () => mempool.vsize,
        minerWorkers: () => miner.workerStats,
        storage: () => ({ chain: chain.db.levelStats(), index: indexer.levelStats() }),
        verifier: { backend: selection.backend, requested: selection.requested, stats: () => ({ ...pool.stats, ...sigCache.stats() }) },
        p2pBytes: () => p2p.traffic(),
        p2pLimits: () => ({
          pending_handshakes: ws.pending.size,
          pending_refused: ws.pending.refused,
          pending_evicted: ws.pending.evicted,
          banned_at_accept: ws.refusedAtAccept,
          inbound_evicted: p2p.metrics.connections.evicted,
          inbound_refused: p2p.metrics.connections.refused,
          inv_received: p2p.relay.invStats.received,
          inv_accepted: p2p.relay.invStats.accepted,
          inv_processed: p2p.relay.invStats.processed,
          inv_dropped_allowance: p2p.relay.invStats.droppedAllowance,
          inv_dropped_global: p2p.relay.invStats.droppedGlobal,
          inv_dropped_disconnect: p2p.relay.invStats.droppedDisconnect,
          inv_dropped_malformed: p2p.relay.invStats.droppedMalformed,
          inv_backlog: p2p.relay.invBacklog,
          getdata_received: p2p.relay.getdataStats.received,
          getdata_dropped_allowance: p2p.relay.getdataStats.droppedAllowance,
          getdata_dropped_queue: p2p.relay.getdataStats.droppedQueue,
          notfound_dropped: p2p.relay.getdataStats.notFoundDropped,
        }),
        compactBlocks: () => {
          const c = p2p.compact.stats;
          const asked = p2p.sync.requestStats;
          const served = p2p.relay.compactServe.stats;
          return {
            received: c.received,
            from_mempool: c.fromMempool,
            after_blocktxn: c.afterBlocktxn,
            fallback_collision: c.fallbacks.collision,
            fallback_check: c.fallbacks.check,
            fallback_timeout: c.fallbacks.timeout,
            fallback_unservable: c.fallbacks.unservable,
            sent: c.sent,
            requested_compact: asked.compact,
            requested_full: asked.full,
            served_compact: served.compact,
            served_full: served.full,
          };
        },
        invDropped: () => {
          const s = p2p.relay.invStats;
          return { allowance: s.droppedAllowance, global: s.droppedGlobal, disconnect: s.droppedDisconnect, malformed: s.droppedMalformed };
        },
        ...(config.secure
          ? { secure: { reasons: SECURE_FAILURE_REASONS, failures: () => ({ ...secureStats.failures }), handshakes: () => ({ ...secureStats.handshakes }) } }
          : {}),
      });
      const received = new Map<string, number>();
      const p2pControl: P2PControl = {
        peers: () => p2p.peers(),
        connect: (url) => p2p.connect(url),
        disconnect: (id) => /^\d+$/.test(id) && p2p.disconnect(Number(id)),
        ban: async (host, seconds) => {
          await p2p.ban(host, seconds);
        },
        syncState: () => p2p.syncState(),
        setPartition: (peers) => p2p.setPartition(peers),
        heal: () => p2p.heal(),
        setLatency: (ms) => p2p.setLatency(ms),
        metrics: () => p2p.traffic(),
        get url() {
          return p2p.listenUrl || undefined;
        },
        ...(identity ? { identity: identity.id } : {}),
      };
      let node: CairnNode | undefined;
      const startedAt = clock.now();
      const ctx: ApiContext = {
        params,
        chain,
        mempool,
        indexer,
        metrics,
        clock,
        version: packageVersion(),
        startedAt,
        siblings: config.siblings,
        ...(config.name ? { name: config.name } : {}),
        verifier: verifierInfo(selection),
        p2p: p2pControl,
        miner,
        receivedAt: (h) => received.get(h),
        submitBlock: async (block: Block) => {
          const hash = block.hashHex();
          if (!received.has(hash)) received.set(hash, clock.now());
          try {
            const r = await chain.processBlock(block, { durable: true, source: 'api' });
            await indexer.idle();
            return { status: r.status, hash };
          } catch (e) {
            const code = (e as { code?: unknown }).code;
            metrics.blocksRejected.inc({ reason: typeof code === 'string' ? code : 'other' });
            throw e;
          }
        },
        saveMempool: async () => ({ path: mempoolPath, ...(await saveMempool(mempool, mempoolPath)) }),
        shutdown: () => {
          if (node?.shutdownHandler) node.shutdownHandler();
          else void node?.stop();
        },
        log,
      };
      // Every block and tx, whatever its source (p2p, the API, this node's miner).
      // One line per new tip, when it is new (a batch or orphans connected with one block
      // still give one line); while catching up, tips go to debug and the sync progress
      // line, at most every few seconds, tells the story.
      let loggedTip = chain.tip.hashHex;
      chain.on('processed', (b) => {
        if (b.status === 'connected' || b.status === 'accepted' || b.status === 'rejected') metrics.blockValidation.observe({ source: b.source }, b.seconds);
        if (b.status !== 'connected' || chain.tip.hashHex === loggedTip) return;
        loggedTip = chain.tip.hashHex;
        const fields = { height: chain.height, hash: loggedTip, source: b.source };
        if (chain.bestHeader.height > chain.height) log.debug(fields, 'new tip');
        else log.info(fields, 'new tip');
      });
      mempool.on('added', (_e, info) => {
        if (info.source === 'reorg') return; // back from a disconnected block: counted when first accepted
        metrics.txsAccepted.inc({ source: info.source });
        metrics.txValidation.observe({ source: info.source }, info.seconds);
      });
      chain.on('connect', (e) => {
        metrics.blocksValidated.inc({ result: 'connected' });
        if (!received.has(e.hashHex)) received.set(e.hashHex, clock.now());
        if (received.size > 20_000) received.delete(received.keys().next().value!);
      });
      chain.on('invalid', (e, err) => {
        metrics.blocksRejected.inc({ reason: err.code });
        log.warn({ hash: e.hashHex, code: err.code }, 'invalid block');
      });
      chain.on('tip', (c) => {
        const fields = { height: c.tip.height, hash: c.tip.hashHex, connected: c.connected };
        if (c.reorgDepth > 0) log.warn({ ...fields, depth: c.reorgDepth, old_tip: c.previous.hashHex }, 'reorganization');
      });

      const explorerDir = config.explorerDir ?? join(packageRoot(), 'dist', 'explorer');
      let api: ApiServer;
      try {
        api = await ApiServer.start({ ctx, host: config.apiHost, port: config.apiPort, token, tls, explorerDir });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new NodeError('port-in-use', `port ${config.apiPort} is in use: pick another with --api-port (or stop the other node)`);
        }
        throw e;
      }
      cleanups.push(() => api.close());
      node = new CairnNode(config, clock, pool, chain, mempool, indexer, miner, p2p, identity, metrics, api, log, token);
      if (config.mine && config.minerAddress) {
        miner.setMining({ enabled: true, script: addressToScript(config.minerAddress, params.hrp), ...(config.minerThreads ? { threads: config.minerThreads } : {}) });
      }
      const scheme = tls ? 'https' : 'http';
      // The banner: one machine-readable line (tests and scripts read api_port from it).
      log.info(
        {
          event: 'started',
          version: packageVersion(),
          tip_height: chain.height,
          tip_hash: chain.tip.hashHex,
          api_url: `${scheme}://${config.apiHost}:${api.port}`,
          api_port: api.port,
          p2p_url: p2p.listenUrl || null,
          identity: identity?.id ?? null,
          datadir: config.datadir,
          mining: miner.mining,
          verifier: selection.backend,
          verifier_requested: selection.requested,
          ...(selection.fallbackReason ? { verifier_fallback: selection.fallbackReason } : {}),
        },
        `cairnd ${packageVersion()} on ${params.name}: tip ${chain.height}, API ${scheme}://${config.apiHost}:${api.port}, p2p ${p2p.listenUrl || 'not listening'}, verifier ${selection.backend}, datadir ${config.datadir}`,
      );
      return node;
    } catch (e) {
      await undo();
      throw e;
    }
  }

  /** Graceful stop: API first (no new work), then miner, peers, indexes, the mempool file, chain flush. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({}, 'stopping');
      const step = async (name: string, f: () => Promise<unknown> | unknown): Promise<void> => {
        try {
          await f();
        } catch (e) {
          this.log.warn({ err: e, step: name }, 'error while stopping');
        }
      };
      await step('api', () => this.api.close());
      await step('miner', () => this.miner.stop());
      await step('p2p', () => this.p2p?.stop());
      await step('indexes', () => this.indexer.close());
      await step('mempool file', async () => {
        const path = join(this.config.datadir, MEMPOOL_FILE);
        const r = await saveMempool(this.mempool, path);
        this.log.info({ file: path, count: r.count, bytes: r.bytes }, `saved ${r.count} mempool transactions`);
      });
      await step('mempool', () => this.mempool.close());
      await step('chain', () => this.chain.close());
      await step('verify pool', () => this.pool.close());
      this.log.info({ tip_height: this.chain.height }, 'stopped');
    })();
    return this.stopping;
  }
}
