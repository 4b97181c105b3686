// API latency under an inventory flood (issue #16): a fresh regtest cairnd (a child
// process) is polled with GET /api/node at 20/s (open loop, as bench/api-latency.ts, from
// a second child, bench/poll-child.ts, so this process's own stalls are not timed),
// first idle, then while 60 peers in this process, each over its own encrypted p2p
// connection, announce transactions exactly as fast as their allowance lets them: one
// 50,000-item inv (the burst) at once, then 4,000 fresh items a second (under the 5,000/s
// refill, so nobody is punished). The figures are the p99 latencies, against the 1 s the
// API must meet; the flood p99 is also given as a multiple of the idle one measured just before.
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getParams } from '../src/consensus/index.js';
import { MAX_MESSAGE_SIZE, MSG_TX, decodeMessage, encodeMessage, type Message } from '../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, generateIdentity, type SecureConnection } from '../src/p2p/secure/index.js';
import { WsTransport } from '../src/p2p/transport.js';
import { cryptoRng } from '../src/primitives/index.js';
import { percentile, startCairnd, stop, type Poll } from './api-latency.js';
import type { BenchOptions, BenchResult } from './types.js';

const params = getParams('regtest');
const PEERS = 60;
const BURST = 50_000;
const PER_SEC = 4_000;
const LIMIT_MS = 1000;

class FloodPeer {
  readonly received: Message[] = [];
  closed: string | undefined;
  constructor(
    readonly conn: SecureConnection,
    readonly k: number,
    /** items numbered up to here were sent (or built) already */
    private seq: number,
  ) {
    conn.onMessage((d) => {
      const m = decodeMessage(params.magic, d);
      this.received.push(m);
      if (m.cmd === 'ping') this.send({ cmd: 'pong', nonce: m.nonce });
      // well-behaved apart from its flood: it answers header requests (it has nothing new),
      // as an honest peer must or be dropped for 'headers request timed out'
      if (m.cmd === 'getheaders') this.send({ cmd: 'headers', headers: [] });
    });
    conn.onClose((r) => (this.closed = r));
  }
  static async dial(url: string, k: number, seq: number): Promise<FloodPeer> {
    const t = new SecureTransport(new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD }), { identity: generateIdentity(cryptoRng), rng: cryptoRng, context: 'cairn/regtest' });
    const p = new FloodPeer(await t.dial(url), k, seq);
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
    const b = invFrame(this.k, this.seq, n);
    this.seq += n;
    return b;
  }
}

/** n MSG_TX items numbered after `seq` for peer k, as one inv frame written as bytes (no codec: 3,000,000 items through it take seconds). */
function invFrame(k: number, seq: number, n: number): Uint8Array {
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
    v.setUint32(at + 4, ++seq, true);
    v.setUint32(at + 8, k + 1, true);
    b[at + 35] = 0xfe;
  }
  return b;
}

/**
 * Polls url for ms in a child process (bench/poll-child.ts), so that what is timed is the
 * node's answer, not this process's event loop busy with 60 peers' frames.
 */
function pollElsewhere(url: string, ms: number): Promise<Poll> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./poll-child.js', import.meta.url)), '--url', url, '--ms', String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`bench: poller exited with ${code}: ${err}`));
      else ok(JSON.parse(out) as Poll);
    });
  });
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
    const idle = await pollElsewhere(url, idleMs);
    // The bursts (3,000,000 items, 108 MB) are built before anyone connects: built after,
    // they kept this process from answering the node's pings for seconds, and the node
    // rightly dropped the peers for 'ping timeout' (test/node/hostile.test.ts learnt the same).
    const bursts = Array.from({ length: PEERS }, (_, k) => invFrame(k, 0, BURST));
    for (let i = 0; i < PEERS; i += 6) peers.push(...(await Promise.all(Array.from({ length: Math.min(6, PEERS - i) }, (_, j) => FloodPeer.dial(node.p2pUrl, i + j, BURST)))));
    const l0 = await limits(node.apiUrl);
    const during = pollElsewhere(url, floodMs);
    during.catch(() => undefined); // awaited below; a failure must not surface as unhandled meanwhile
    const t0 = performance.now();
    const floodEnd = t0 + floodMs;
    let sent = 0;
    const sender = (async () => {
      // one peer's burst per turn of the event loop, so the peers' pongs get out between them
      for (const [k, p] of peers.entries()) {
        if (p.closed !== undefined) continue;
        p.conn.send(bursts[k]!);
        sent += BURST;
        await new Promise((r) => setImmediate(r));
      }
      for (let next = t0 + 1000; next < floodEnd; next += 1000) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        for (const p of peers) {
          if (p.closed !== undefined) continue;
          p.conn.send(p.invFrame(PER_SEC));
          sent += PER_SEC;
        }
      }
    })();
    await sender;
    const flood = await during;
    // wait until the node has taken in every item sent and accounted for each (processed
    // or counted dropped), or, when peers were lost and their items with them, until
    // nothing more arrives for 5 s with the backlog worked off
    let l = await limits(node.apiUrl);
    const accounted = (x: Record<string, number>): number => x.inv_processed! + x.inv_dropped_allowance! + x.inv_dropped_global! + x.inv_dropped_disconnect! + x.inv_dropped_malformed!;
    let lastReceived = -1;
    let quietSince = Date.now();
    for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      l = await limits(node.apiUrl);
      const received = l.inv_received! - l0.inv_received!;
      if (received >= sent && accounted(l) - accounted(l0) === received && l.inv_backlog === 0) break;
      if (received !== lastReceived) {
        lastReceived = received;
        quietSince = Date.now();
      } else if (l.inv_backlog === 0 && Date.now() - quietSince > 5_000) break;
    }
    const d = (k: string): number => l[k]! - l0[k]!;
    const gone = peers.filter((p) => p.closed !== undefined).length;
    const why = new Map<string, number>();
    for (const p of peers) if (p.closed !== undefined) why.set(p.closed, (why.get(p.closed) ?? 0) + 1);
    const reasons = [...why].map(([r, n]) => `${n} × '${r}'`).join(', ');
    const p99Idle = percentile(idle.samples, 99);
    const p99Flood = percentile(flood.samples, 99);
    const detail = (p: Poll): string => `p50 ${percentile(p.samples, 50).toFixed(1)} ms, max ${Math.max(...p.samples).toFixed(0)} ms, ${p.samples.length} requests, ${p.failures} failed${p.failures ? ` (${Object.entries(p.reasons).map(([r, n]) => `${n} × ${r}`).join('; ')})` : ''}`;
    return [
      { name: 'API p99 latency, idle node before the flood (GET /api/node at 20/s)', figure: p99Idle, unit: 'ms', limit: LIMIT_MS, ratio: p99Idle / LIMIT_MS, goal: '≤ 1', note: `idle: ${detail(idle)}` },
      {
        name: `API p99 latency while ${PEERS} peers flood inventories within their allowance`,
        figure: p99Flood,
        unit: 'ms',
        limit: LIMIT_MS,
        ratio: p99Flood / LIMIT_MS,
        goal: '≤ 1',
        note: `${(floodMs / 1000).toFixed(0)} s: ${detail(flood)}; ${(p99Flood / p99Idle).toFixed(1)}× the idle p99. Items sent ${sent}, received ${d('inv_received')}, processed ${d('inv_processed')}, dropped: global ${d('inv_dropped_global')}, allowance ${d('inv_dropped_allowance')}, disconnect ${d('inv_dropped_disconnect')}; ${gone} of ${PEERS} peers disconnected${gone ? ` (${reasons})` : ''}`,
      },
    ];
  } finally {
    for (const p of peers) p.conn.close('bench done');
    await Promise.all(procs.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}
