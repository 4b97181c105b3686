// API latency under an inventory flood (issue #16): a fresh regtest cairnd (a child
// process) is polled with GET /api/node at 20/s (open loop, as bench/api-latency.ts),
// first idle, then while 60 peers in this process, each over its own encrypted p2p
// connection, announce transactions exactly as fast as their allowance lets them: one
// 50,000-item inv (the burst) at once, then 4,000 fresh items a second (under the 5,000/s
// refill, so nobody is punished). The figures are the p99 latencies, against the 1 s the
// API must meet; the flood p99 is also given as a multiple of the idle one measured just before.
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { getParams } from '../src/consensus/index.js';
import { MAX_MESSAGE_SIZE, MSG_TX, decodeMessage, encodeMessage, type Message } from '../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, generateIdentity, type SecureConnection } from '../src/p2p/secure/index.js';
import { WsTransport } from '../src/p2p/transport.js';
import { cryptoRng } from '../src/primitives/index.js';
import { percentile, poll, startCairnd, stop, type Poll } from './api-latency.js';
import type { BenchOptions, BenchResult } from './types.js';

const params = getParams('regtest');
const PEERS = 60;
const BURST = 50_000;
const PER_SEC = 4_000;
const LIMIT_MS = 1000;

class FloodPeer {
  readonly received: Message[] = [];
  closed: string | undefined;
  private seq = 0;
  constructor(
    readonly conn: SecureConnection,
    readonly k: number,
  ) {
    conn.onMessage((d) => {
      const m = decodeMessage(params.magic, d);
      this.received.push(m);
      if (m.cmd === 'ping') this.send({ cmd: 'pong', nonce: m.nonce });
    });
    conn.onClose((r) => (this.closed = r));
  }
  static async dial(url: string, k: number): Promise<FloodPeer> {
    const t = new SecureTransport(new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD }), { identity: generateIdentity(cryptoRng), rng: cryptoRng, context: 'cairn/regtest' });
    const p = new FloodPeer(await t.dial(url), k);
    p.send({
      cmd: 'version', version: 1, services: 0n, time: BigInt(Math.floor(Date.now() / 1000)), magic: params.magic, genesis: params.genesisHash,
      bestHeight: 0, nonce: cryptoRng.u64(), userAgent: '/bench-flood/', listenUrl: '', relay: true,
    });
    p.send({ cmd: 'verack' });
    const end = Date.now() + 60_000;
    while (!p.received.some((m) => m.cmd === 'verack')) {
      if (p.closed !== undefined || Date.now() > end) throw new Error(`bench: flood peer refused: ${p.closed ?? 'no verack in 60 s'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    p.conn.handshakeDone?.();
    return p;
  }
  send(m: Message): void {
    this.conn.send(encodeMessage(params.magic, m));
  }
  /** n fresh MSG_TX items as one inv frame, written as bytes */
  invFrame(n: number): Uint8Array {
    const varint = n < 0xfd ? 1 : 3;
    const payload = varint + n * 36;
    const b = new Uint8Array(20 + payload);
    const v = new DataView(b.buffer);
    v.setUint32(0, params.magic, true);
    b.set([0x69, 0x6e, 0x76], 4); // 'inv'
    v.setUint32(16, payload, true);
    if (varint === 1) b[20] = n;
    else {
      b[20] = 0xfd;
      v.setUint16(21, n, true);
    }
    for (let i = 0, at = 20 + varint; i < n; i++, at += 36) {
      v.setUint32(at, MSG_TX, true);
      v.setUint32(at + 4, ++this.seq, true);
      v.setUint32(at + 8, this.k + 1, true);
      b[at + 35] = 0xfe;
    }
    return b;
  }
}

async function limits(api: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const text = await (await fetch(`${api}/metrics`)).text();
  for (const m of text.matchAll(/^cairn_p2p_limits\{what="([a-z_]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

export async function benchInvFlood(opts: BenchOptions): Promise<BenchResult[]> {
  const floodMs = opts.quick ? 10_000 : 30_000;
  const idleMs = opts.quick ? 5_000 : 15_000;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-flood-'));
  const procs: ChildProcess[] = [];
  const peers: FloodPeer[] = [];
  try {
    const node = await startCairnd(['--datadir', dir, '--verify-threads', '1']);
    procs.push(node.proc);
    const url = `${node.apiUrl}/api/node`;
    const idleEnd = performance.now() + idleMs;
    const idle = await poll(url, () => performance.now() >= idleEnd);
    for (let i = 0; i < PEERS; i += 6) peers.push(...(await Promise.all(Array.from({ length: Math.min(6, PEERS - i) }, (_, j) => FloodPeer.dial(node.p2pUrl, i + j)))));
    const bursts = peers.map((p) => p.invFrame(BURST));
    const l0 = await limits(node.apiUrl);
    const t0 = performance.now();
    const floodEnd = t0 + floodMs;
    let sent = 0;
    const sender = (async () => {
      peers.forEach((p, k) => p.conn.send(bursts[k]!));
      sent += PEERS * BURST;
      for (let next = t0 + 1000; next < floodEnd; next += 1000) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        for (const p of peers) if (p.closed === undefined) p.conn.send(p.invFrame(PER_SEC));
        sent += PEERS * PER_SEC;
      }
    })();
    const during = await poll(url, () => performance.now() >= floodEnd);
    await sender;
    // wait until the node has accounted for every item it received (processed or counted dropped)
    let l = await limits(node.apiUrl);
    const accounted = (x: Record<string, number>): number => x.inv_processed! + x.inv_dropped_allowance! + x.inv_dropped_global! + x.inv_dropped_disconnect! + x.inv_dropped_malformed!;
    for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      l = await limits(node.apiUrl);
      if (l.inv_received! - l0.inv_received! >= sent && accounted(l) - accounted(l0) === l.inv_received! - l0.inv_received! && l.inv_backlog === 0) break;
    }
    const d = (k: string): number => l[k]! - l0[k]!;
    const gone = peers.filter((p) => p.closed !== undefined).length;
    const p99Idle = percentile(idle.samples, 99);
    const p99Flood = percentile(during.samples, 99);
    const detail = (p: Poll): string => `p50 ${percentile(p.samples, 50).toFixed(1)} ms, max ${Math.max(...p.samples).toFixed(0)} ms, ${p.samples.length} requests, ${p.failures} failed`;
    return [
      { name: 'API p99 latency, idle node before the flood (GET /api/node at 20/s)', figure: p99Idle, unit: 'ms', limit: LIMIT_MS, ratio: p99Idle / LIMIT_MS, goal: '≤ 1', note: `idle: ${detail(idle)}` },
      {
        name: `API p99 latency while ${PEERS} peers flood inventories within their allowance`,
        figure: p99Flood,
        unit: 'ms',
        limit: LIMIT_MS,
        ratio: p99Flood / LIMIT_MS,
        goal: '≤ 1',
        note: `${(floodMs / 1000).toFixed(0)} s: ${detail(during)}; ${(p99Flood / p99Idle).toFixed(1)}× the idle p99. Items sent ${sent}, received ${d('inv_received')}, processed ${d('inv_processed')}, dropped: global ${d('inv_dropped_global')}, allowance ${d('inv_dropped_allowance')}, disconnect ${d('inv_dropped_disconnect')}; ${gone} of ${PEERS} peers disconnected`,
      },
    ];
  } finally {
    for (const p of peers) p.conn.close('bench done');
    await Promise.all(procs.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}
