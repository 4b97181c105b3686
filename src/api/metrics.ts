// Prometheus metrics in a registry per node (never prom-client's global one), so several
// nodes in one process (tests, simulations) keep separate numbers.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  height: () => number;
  peers: () => number;
  mempoolCount: () => number;
  mempoolBytes: () => number;
  /** bytes per p2p message type, when p2p is running */
  p2pBytes?: () => { bytesIn?: Record<string, number>; bytesOut?: Record<string, number> } | undefined;
  /**
   * Transport-encryption counters (monotonic, owned by the secure layer): failures by
   * reason and completed handshakes by mode. Every reason listed is exported from the
   * start, at 0, so a dashboard or test can tell "none yet" from "not wired".
   */
  secure?: { reasons: readonly string[]; failures: () => Record<string, number>; handshakes: () => Record<string, number> };
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
  readonly txsAccepted: Counter;
  readonly txsRejected: Counter<'reason'>;
  readonly blockValidation: Histogram;
  readonly txValidation: Histogram;
  readonly reorgs: Counter;
  readonly reorgDepth: Histogram;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(src: MetricsSources) {
    const registers = [this.registry];
    if (src.runtime !== false) collectDefaultMetrics({ register: this.registry, prefix: 'cairn_' });
    new Gauge({ name: 'cairn_height', help: 'height of the active chain tip', registers, collect() { this.set(src.height()); } });
    new Gauge({ name: 'cairn_peers', help: 'connected peers', registers, collect() { this.set(src.peers()); } });
    new Gauge({ name: 'cairn_mempool_txs', help: 'transactions in the mempool', registers, collect() { this.set(src.mempoolCount()); } });
    new Gauge({ name: 'cairn_mempool_vbytes', help: 'total vsize of the mempool', registers, collect() { this.set(src.mempoolBytes()); } });
    const p2p = new Gauge({ name: 'cairn_p2p_bytes', help: 'p2p bytes by direction and message type since start', labelNames: ['direction', 'command'] as const, registers, collect() {
      const m = src.p2pBytes?.();
      if (!m) return;
      for (const [cmd, n] of Object.entries(m.bytesIn ?? {})) p2p.set({ direction: 'in', command: cmd }, n);
      for (const [cmd, n] of Object.entries(m.bytesOut ?? {})) p2p.set({ direction: 'out', command: cmd }, n);
    } });
    if (src.secure) {
      const sec = src.secure;
      // The secure layer keeps its own plain counters (it must not depend on prom-client);
      // these counters follow them by adding the difference at each scrape.
      const follow = (name: string, help: string, label: string, keys: readonly string[], read: () => Record<string, number>): void => {
        const seen = new Map<string, number>();
        const c = new Counter({ name, help, labelNames: [label], registers, collect() {
          for (const [k, v] of Object.entries(read())) {
            const d = v - (seen.get(k) ?? 0);
            if (d > 0) c.inc({ [label]: k }, d);
            seen.set(k, v);
          }
        } });
        for (const k of keys) c.inc({ [label]: k }, 0);
      };
      follow('cairn_secure_failures_total', 'encrypted p2p connections refused or closed, by reason', 'reason', sec.reasons, sec.failures);
      follow('cairn_secure_handshakes_total', 'completed p2p handshakes, by mode', 'mode', ['encrypted', 'plaintext'], sec.handshakes);
    }
    this.blocksValidated = new Counter({ name: 'cairn_blocks_validated_total', help: 'blocks fully validated and connected', labelNames: ['result'] as const, registers });
    this.blocksRejected = new Counter({ name: 'cairn_blocks_rejected_total', help: 'blocks rejected, by rule code', labelNames: ['reason'] as const, registers });
    this.txsAccepted = new Counter({ name: 'cairn_txs_accepted_total', help: 'transactions accepted into the mempool', registers });
    this.txsRejected = new Counter({ name: 'cairn_txs_rejected_total', help: 'transactions refused via the API, by code', labelNames: ['reason'] as const, registers });
    this.blockValidation = new Histogram({ name: 'cairn_block_validation_seconds', help: 'time to process a submitted or mined block', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.txValidation = new Histogram({ name: 'cairn_tx_validation_seconds', help: 'time to accept a transaction submitted through the API', buckets: [0.0005, 0.002, 0.01, 0.05, 0.2, 1], registers });
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
