// Prometheus metrics in a registry per node (never prom-client's global one), so several
// nodes in one process (tests, simulations) keep separate numbers. Besides Cairn's own,
// the registry carries prom-client's default collectors (process CPU, RSS, open fds,
// event-loop lag, GC, heap). Counters end in _total; values that only grow and are owned
// elsewhere (p2p bytes, secure-layer counts) are followed as counters by adding the
// difference at each scrape. The exposition is checked with `promtool check metrics`.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const BLOCK_SOURCES = ['p2p', 'api', 'miner'] as const;
export const TX_SOURCES = ['p2p', 'api'] as const;

export interface MetricsSources {
  /** static labels of cairn_build_info */
  build: { version: string; network: string; node: string };
  height: () => number;
  /** Cairn's difficulty (powLimit / target) of the tip */
  difficulty: () => number;
  /** network hash rate estimated from the recent blocks' work and times, hashes/s */
  hashRate: () => number;
  /** sync progress 0..1 and the best header height */
  sync: () => { progress: number; headersHeight: number };
  peers: () => number;
  mempoolCount: () => number;
  mempoolBytes: () => number;
  /** bytes per p2p message type since start, when p2p is running */
  p2pBytes?: () => { bytesIn?: Record<string, number>; bytesOut?: Record<string, number> } | undefined;
  /**
   * The signature backend chosen at start (a constant info gauge) and the verify pool's
   * and signature cache's monotonic counters.
   */
  verifier?: { backend: string; requested: string; stats: () => { verified: number; cached: number; inlineJobs: number; entries: number; evictions: number } };
  /** p2p resource-limit counters and levels (docs/protocol.md "Resource limits"), by name */
  p2pLimits?: () => Record<string, number>;
  /** inventory items dropped by the relay, by reason (allowance, global, disconnect, malformed) */
  invDropped?: () => Record<string, number>;
  /** compact block relay (BIP152) counters since start, by event (docs/protocol.md "Compact blocks") */
  compactBlocks?: () => Record<string, number>;
  /**
   * Transport-encryption counters (monotonic, owned by the secure layer): failures by
   * reason and completed handshakes by mode. Every reason listed is exported from the
   * start, at 0, so a dashboard or test can tell "none yet" from "not wired".
   */
  secure?: { reasons: readonly string[]; failures: () => Record<string, number>; handshakes: () => Record<string, number> };
  /**
   * The miner's worker threads: how many were ever started (a miner that started workers
   * per template or restarted them would show here) and their V8 heaps, which the default
   * heap gauges (the main isolate's only) do not include.
   */
  minerWorkers?: () => { started: number; running: number; heap: { used: number; total: number; malloced: number; external: number } };
  /** LevelDB stores by name (chain, index): native memory and table files, outside the heap gauges */
  storage?: () => Record<string, { memoryBytes: number; files: number } | undefined>;
  /**
   * Export prom-client's default process metrics too (RSS, heap spaces, event-loop lag, GC
   * durations, handles) under the `cairn_` prefix, so memory and stalls are visible from
   * /metrics. On by default; a process that hosts many nodes (tests) may turn it off, as
   * each registry then keeps its own event-loop-delay monitor and GC observer.
   */
  runtime?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly blocksValidated: Counter<'result'>;
  readonly blocksRejected: Counter<'reason'>;
  readonly txsAccepted: Counter<'source'>;
  readonly txsRejected: Counter<'reason'>;
  readonly blockValidation: Histogram<'source'>;
  readonly txValidation: Histogram<'source'>;
  readonly reorgs: Counter;
  readonly reorgDepth: Histogram;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(src: MetricsSources) {
    const registers = [this.registry];
    if (src.runtime !== false) collectDefaultMetrics({ register: this.registry });
    // These three are gauges named like counters (promtool refuses them); each is the sum
    // of the per-type gauge without the suffix (nodejs_active_handles{type} ...).
    for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(n);
    const build = new Gauge({ name: 'cairn_build_info', help: 'cairnd version and network (always 1)', labelNames: ['version', 'network', 'node'] as const, registers });
    build.set({ version: src.build.version, network: src.build.network, node: src.build.node }, 1);
    new Gauge({ name: 'cairn_height', help: 'height of the active chain tip', registers, collect() { this.set(src.height()); } });
    new Gauge({ name: 'cairn_headers_height', help: 'height of the best known header', registers, collect() { this.set(src.sync().headersHeight); } });
    new Gauge({ name: 'cairn_sync_progress', help: 'blocks height over best header height (1 when synced)', registers, collect() { this.set(src.sync().progress); } });
    new Gauge({ name: 'cairn_difficulty', help: 'difficulty of the tip (powLimit / target)', registers, collect() { this.set(src.difficulty()); } });
    new Gauge({ name: 'cairn_network_hashrate_hashes_per_second', help: 'network hash rate estimated from the work and times of recent blocks', registers, collect() { this.set(src.hashRate()); } });
    new Gauge({ name: 'cairn_peers', help: 'connected peers', registers, collect() { this.set(src.peers()); } });
    new Gauge({ name: 'cairn_mempool_txs', help: 'transactions in the mempool', registers, collect() { this.set(src.mempoolCount()); } });
    new Gauge({ name: 'cairn_mempool_vbytes', help: 'total vsize of the mempool', registers, collect() { this.set(src.mempoolBytes()); } });

    const p2pFollower = followerOf<'direction' | 'command'>();
    const p2p: Counter<'direction' | 'command'> = new Counter({
      name: 'cairn_p2p_bytes_total',
      help: 'p2p bytes by direction and message type since start',
      labelNames: ['direction', 'command'] as const,
      registers,
      collect() {
        const m = src.p2pBytes?.();
        if (!m) return;
        const rows: [Record<'direction' | 'command', string>, number][] = [];
        for (const [cmd, n] of Object.entries(m.bytesIn ?? {})) rows.push([{ direction: 'in', command: cmd }, n]);
        for (const [cmd, n] of Object.entries(m.bytesOut ?? {})) rows.push([{ direction: 'out', command: cmd }, n]);
        p2pFollower(p2p, rows);
      },
    });
    if (src.verifier) {
      const v = src.verifier;
      new Gauge({ name: 'cairn_verifier_info', help: 'signature verifier in use (backend) and what was asked for (requested)', labelNames: ['backend', 'requested'] as const, registers }).set({ backend: v.backend, requested: v.requested }, 1);
      const counter = (name: string, help: string, read: () => number): void => {
        let seen = 0;
        const c = new Counter({ name, help, registers, collect() {
          const now = read();
          if (now > seen) c.inc(now - seen);
          seen = now;
        } });
      };
      counter('cairn_signatures_verified_total', 'signatures verified (workers and inline)', () => v.stats().verified);
      counter('cairn_signatures_cached_total', 'signature checks skipped because the signature cache had them', () => v.stats().cached);
      counter('cairn_sigcache_evictions_total', 'signature cache entries evicted to stay within its bound', () => v.stats().evictions);
      new Gauge({ name: 'cairn_sigcache_entries', help: 'signatures in the signature cache', registers, collect() { this.set(v.stats().entries); } });
    }
    if (src.minerWorkers) {
      const read = src.minerWorkers;
      let seen = 0;
      const started = new Counter({ name: 'cairn_miner_workers_started_total', help: 'miner worker threads started since the node started', registers, collect() {
        const now = read().started;
        if (now > seen) started.inc(now - seen);
        seen = now;
      } });
      new Gauge({ name: 'cairn_miner_workers', help: 'miner worker threads running', registers, collect() { this.set(read().running); } });
      const heap = new Gauge({ name: 'cairn_miner_worker_heap_bytes', help: 'V8 heap of the running miner worker threads, summed: used, total (reserved), malloced (V8\'s own malloc), external (array buffers and other off-heap memory V8 tracks)', labelNames: ['kind'] as const, registers, collect() {
        const h = read().heap;
        heap.set({ kind: 'used' }, h.used);
        heap.set({ kind: 'total' }, h.total);
        heap.set({ kind: 'malloced' }, h.malloced);
        heap.set({ kind: 'external' }, h.external);
      } });
    }
    if (src.storage) {
      const read = src.storage;
      const mem = new Gauge({ name: 'cairn_leveldb_memory_bytes', help: 'LevelDB native memory by store (leveldb.approximate-memory-usage: memtables and block cache), not in the heap gauges', labelNames: ['db'] as const, registers, collect() {
        for (const [db, st] of Object.entries(read())) if (st) mem.set({ db }, st.memoryBytes);
      } });
      const files = new Gauge({ name: 'cairn_leveldb_files', help: 'LevelDB table files by store (each open one keeps its index block and filter in native memory)', labelNames: ['db'] as const, registers, collect() {
        for (const [db, st] of Object.entries(read())) if (st) files.set({ db }, st.files);
      } });
    }
    if (src.p2pLimits) {
      const read = src.p2pLimits;
      const g = new Gauge({ name: 'cairn_p2p_limits', help: 'p2p resource limits at work: pending handshakes, refusals, evictions, inventory accepted/processed/dropped/backlog', labelNames: ['what'] as const, registers, collect() {
        for (const [k, v] of Object.entries(read())) g.set({ what: k }, v);
      } });
    }
    // Counters kept elsewhere as plain numbers by key (the p2p and secure layers must not
    // depend on prom-client), followed here; every key listed is exported from the start at 0.
    const followed = (name: string, help: string, label: string, keys: readonly string[], read: () => Record<string, number>): void => {
      const f = followerOf<string>();
      const c: Counter<string> = new Counter({ name, help, labelNames: [label], registers, collect() {
        f(c, Object.entries(read()).map(([k, v]) => [{ [label]: k }, v]));
      } });
      for (const k of keys) c.inc({ [label]: k }, 0);
    };
    if (src.invDropped) {
      const read = src.invDropped;
      followed('cairn_p2p_inv_dropped_total', 'announced inventory items not processed, by reason: over the sender\'s allowance, over the global queue, sender gone before its turn, after a malformed item', 'reason', Object.keys(read()), read);
    }
    if (src.compactBlocks) {
      const read = src.compactBlocks;
      followed('cairn_p2p_compact_blocks_total', 'compact block relay (BIP152): cmpctblocks received, rebuilt from the mempool or after getblocktxn, fallbacks by cause, sent; blocks asked for compact or whole; getdata MSG_CMPCT_BLOCK answered compact or whole', 'event', Object.keys(read()), read);
    }
    if (src.secure) {
      const sec = src.secure;
      followed('cairn_secure_failures_total', 'encrypted p2p connections refused or closed, by reason', 'reason', sec.reasons, sec.failures);
      followed('cairn_secure_handshakes_total', 'completed p2p handshakes, by mode', 'mode', ['encrypted', 'plaintext'], sec.handshakes);
    }
    this.blocksValidated = new Counter({ name: 'cairn_blocks_validated_total', help: 'blocks fully validated and connected', labelNames: ['result'] as const, registers });
    this.blocksRejected = new Counter({ name: 'cairn_blocks_rejected_total', help: 'blocks rejected, by rule code', labelNames: ['reason'] as const, registers });
    this.txsAccepted = new Counter({ name: 'cairn_txs_accepted_total', help: 'transactions accepted into the mempool, by where they came from', labelNames: ['source'] as const, registers });
    this.txsRejected = new Counter({ name: 'cairn_txs_rejected_total', help: 'transactions refused via the API, by code', labelNames: ['reason'] as const, registers });
    this.blockValidation = new Histogram({ name: 'cairn_block_validation_seconds', help: 'time to check, store and connect a block, by where it came from', labelNames: ['source'] as const, buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.txValidation = new Histogram({ name: 'cairn_tx_validation_seconds', help: 'time from submission to mempool acceptance, by where the tx came from', labelNames: ['source'] as const, buckets: [0.0005, 0.002, 0.01, 0.05, 0.2, 1], registers });
    for (const source of BLOCK_SOURCES) this.blockValidation.zero({ source });
    for (const source of TX_SOURCES) {
      this.txsAccepted.inc({ source }, 0);
      this.txValidation.zero({ source });
    }
    this.reorgs = new Counter({ name: 'cairn_reorgs_total', help: 'tip changes that disconnected blocks', registers });
    this.reorgDepth = new Histogram({ name: 'cairn_reorg_depth', help: 'blocks disconnected per reorg', buckets: [1, 2, 3, 6, 10, 100], registers });
    this.httpRequests = new Counter({ name: 'cairn_http_requests_total', help: 'API requests by route and status', labelNames: ['method', 'route', 'status'] as const, registers });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A follower: remembers the last value per label set and adds only the increase. */
function followerOf<L extends string>(): (c: Counter<L>, rows: [Partial<Record<L, string | number>>, number][]) => void {
  const seen = new Map<string, number>();
  return (c, rows) => {
    for (const [labels, v] of rows) {
      const k = JSON.stringify(labels);
      const d = v - (seen.get(k) ?? 0);
      if (d > 0) c.inc(labels, d);
      seen.set(k, Math.max(v, seen.get(k) ?? 0));
    }
  };
}
