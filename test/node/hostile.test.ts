// A hostile network against a real cairnd (issue #16): the victim is a child process, so
// its RSS is measured from /proc, beside an honest cairnd it dialled. Each attack runs at
// a scale that hurt before the fix, while a probe asks the victim's API every 100 ms.
// After each attack: RSS growth under the bound docs/protocol.md ("Resource limits")
// states, every API answer within 1 s, the honest peer still connected, tip and UTXO
// digest unchanged, and the attacker refused, scored or banned as the document says.
// Attackers speak the protocol through the project's own Noise and codecs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { getParams } from '../../src/consensus/index.js';
import { MAX_MESSAGE_SIZE, MSG_TX, decodeMessage, encodeMessage, type Message } from '../../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, generateIdentity, type SecureConnection } from '../../src/p2p/secure/index.js';
import { WsTransport } from '../../src/p2p/transport.js';
import { BlockHeader, cryptoRng, encodeAddress, taprootTweakPubkey, xOnlyPubkey } from '../../src/primitives/index.js';
import { checkProofOfWork } from '../../src/consensus/index.js';
import { admin, http, startDaemon, tempDatadir, until, type Daemon } from '../api/daemon.js';

const params = getParams('regtest');
const ADDR = encodeAddress(taprootTweakPubkey(xOnlyPubkey(Uint8Array.from({ length: 32 }, (_, i) => i + 1))).outputKey, 'rcrn');
const HEIGHT = 300; // the anti-DoS header threshold is then 156 blocks of work: above a 99-header fork

let victim: Daemon;
let honest: Daemon;
const dirs: string[] = [];
let before: { tip: string; digest: string };

function rssMiB(d: Daemon): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

async function chainState(d: Daemon): Promise<{ tip: string; digest: string }> {
  const tip = (await http(d, '/api/blocks/tip/hash')).text;
  const digest = (await http(d, '/api/utxo-set-info')).json.digest as string;
  return { tip, digest };
}

async function limits(d: Daemon): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await http(d, '/metrics')).text.matchAll(/^cairn_p2p_limits\{what="([a-z_]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/**
 * Asks the API every 100 ms from a separate process (so the attackers' own CPU in this
 * one cannot delay it) and reports each answer's latency and whether the honest peer was
 * listed.
 */
class Probe {
  private readonly child: ChildProcess;
  private out = '';
  private readonly exited: Promise<void>;
  constructor(d: Daemon) {
    const code = `
      const base = process.argv[1], honest = process.argv[2];
      let stop = false;
      process.stdin.on('data', () => (stop = true));
      (async () => {
        while (!stop) {
          const t0 = performance.now();
          let ok = false;
          try { const peers = await (await fetch(base + '/api/peers')).json(); ok = peers.some((p) => p.identity === honest); } catch {}
          process.stdout.write(JSON.stringify({ ms: performance.now() - t0, ok }) + '\\n');
          await new Promise((r) => setTimeout(r, 100));
        }
        process.exit(0);
      })();`;
    this.child = spawn(process.execPath, ['-e', code, d.base, honest.banner.identity as string], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (b: Buffer) => (this.out += b.toString()));
    this.exited = new Promise((r) => this.child.on('exit', () => r()));
  }
  /** answers so far */
  get count(): number {
    return this.out.split('\n').length - 1;
  }
  async stop(): Promise<{ max: number; p90: number; n: number; honestMissing: number }> {
    this.child.stdin!.write('x');
    await this.exited;
    const rows = this.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { ms: number; ok: boolean });
    const sorted = rows.map((r) => r.ms).sort((a, b) => a - b);
    return { max: sorted.at(-1) ?? Infinity, p90: sorted[Math.floor(sorted.length * 0.9)] ?? Infinity, n: rows.length, honestMissing: rows.filter((r) => !r.ok).length };
  }
}

/** Runs an attack under the probe and checks what every attack must leave intact. */
/**
 * Every API answer during the attack must come within 1 s more than the idle victim's
 * worst answer measured just before (the "within 1 s throughout", over what the
 * machine's load alone costs), and 90 % within 1 s more than the idle 90th percentile.
 * The bound was 3 s while the machine was shared at load average ~20 (even an idle cairnd
 * missed 1 s then); at test:stress's load the flood's worst was 0.29–1.12 s over eight
 * runs, one of them within 24 ms of this bound (docs/protocol.md "Measured").
 */
async function underAttack(name: string, maxGrowthMiB: number, attack: () => Promise<void>, apiMaxMs = 1_000): Promise<void> {
  // the same probe on the idle victim first: what the machine's load alone costs the API
  const idleProbe = new Probe(victim);
  await until(async () => idleProbe.count >= 10, 'ten idle API answers');
  const idle = await idleProbe.stop();
  const rss0 = rssMiB(victim);
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(victim))), 100);
  const probe = new Probe(victim);
  let api: Awaited<ReturnType<Probe['stop']>>;
  try {
    await attack();
    // A quick attack still gets answers measured after it, while the victim works it off:
    // at least 20, so that the 90th percentile is not simply the slowest answer.
    await until(async () => probe.count >= 20, 'twenty API answers');
  } finally {
    clearInterval(sampler);
    // stopped whatever happened: a probe left polling keeps jest (and test:stress's load) running
    api = await probe.stop();
  }
  peak = Math.max(peak, rssMiB(victim));
  // eslint-disable-next-line no-console
  console.log(`${name}: RSS ${rss0.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (+${(peak - rss0).toFixed(0)}, bound ${maxGrowthMiB}); API p90 ${api.p90.toFixed(0)} ms, max ${api.max.toFixed(0)} ms over ${api.n} requests (idle before it: p90 ${idle.p90.toFixed(0)} ms, max ${idle.max.toFixed(0)} ms over ${idle.n})`);
  expect(peak - rss0).toBeLessThan(maxGrowthMiB);
  expect(api.n).toBeGreaterThan(3);
  // What the attack adds to the API's latency, over what the machine's load alone costs
  // it in the same run (an idle victim's p90 was 0.74 s at load average ~20 here, so an
  // absolute 1 s would measure the machine, not the node; docs/protocol.md "Measured")
  expect(api.p90).toBeLessThan(idle.p90 + 1_000);
  expect(api.max).toBeLessThan(idle.max + apiMaxMs);
  expect(api.honestMissing).toBe(0);
  expect(await chainState(victim)).toEqual(before);
}

/** An attacker peer: our own Noise initiator and codecs, a fresh identity each time. */
class Attacker {
  readonly received: Message[] = [];
  /** when each ping was answered (this process's clock): where an attacker stood when it was dropped */
  readonly pings: number[] = [];
  closed: string | undefined;
  closedAt = 0;
  constructor(readonly conn: SecureConnection) {
    conn.onMessage((d) => {
      try {
        const m = decodeMessage(params.magic, d);
        this.received.push(m);
        if (m.cmd === 'ping') {
          this.pings.push(Date.now());
          this.send({ cmd: 'pong', nonce: m.nonce });
        }
        // well-behaved apart from its flood: it answers header requests (it has nothing
        // new), as an honest peer must or be dropped for 'headers request timed out'
        if (m.cmd === 'getheaders') this.send({ cmd: 'headers', headers: [] });
      } catch {
        // the victim sends valid frames only
      }
    });
    conn.onClose((r) => {
      this.closed = r;
      this.closedAt = Date.now();
    });
  }
  get identity(): string {
    return this.id;
  }
  id = '';
  static async dial(url: string): Promise<Attacker> {
    const identity = generateIdentity(cryptoRng);
    const t = new SecureTransport(new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD }), { identity, rng: cryptoRng, context: 'cairn/regtest' });
    const a = new Attacker(await t.dial(url));
    a.id = identity.id;
    return a;
  }
  send(m: Message): void {
    this.conn.send(encodeMessage(params.magic, m));
  }
  async version(): Promise<void> {
    this.send({
      cmd: 'version', version: 1, services: 0n, time: BigInt(Math.floor(Date.now() / 1000)), magic: params.magic, genesis: params.genesisHash,
      bestHeight: 0, nonce: cryptoRng.u64(), userAgent: '/attacker/', listenUrl: '', relay: true,
    });
    this.send({ cmd: 'verack' });
    await until(async () => this.received.some((m) => m.cmd === 'verack') || this.closed !== undefined, 'victim verack');
    if (this.closed) throw new Error(`refused: ${this.closed}`);
    this.conn.handshakeDone?.();
  }
}

async function inWaves<T>(n: number, wave: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += wave) out.push(...(await Promise.all(Array.from({ length: Math.min(wave, n - i) }, (_, j) => f(i + j)))));
  return out;
}

const p2pUrl = (d: Daemon): string => d.banner.p2p_url as string;

beforeAll(async () => {
  const hd = tempDatadir();
  const vd = tempDatadir();
  dirs.push(hd, vd);
  honest = await startDaemon(hd);
  await admin(honest, '/api/admin/mine', { blocks: HEIGHT, address: ADDR });
  // CAIRN_VICTIM_CPU_PROF=<dir> writes the victim's CPU profile there (what stalls it under an attack)
  const prof = process.env.CAIRN_VICTIM_CPU_PROF;
  victim = await startDaemon(vd, ['--peer', `${p2pUrl(honest)}#${honest.banner.identity as string}`], prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []);
  await until(async () => Number((await http(victim, '/api/blocks/tip/height')).text) === HEIGHT, 'victim synced', 60_000);
  before = await chainState(victim);
  expect(before).toEqual(await chainState(honest));
}, 120_000);

afterAll(async () => {
  // eslint-disable-next-line no-console
  if (victim && victim.proc.exitCode !== null) console.log(`victim exited ${victim.proc.exitCode}:\n${victim.lines.slice(-15).join('\n')}`);
  await Promise.all([victim?.stop(), honest?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a cairnd under attack', () => {
  it('holds little for unauthenticated connections: 40 partial HTTP upgrades, 40 oversize and 40 stalled frames before the handshake (docs: pre-handshake limits)', async () => {
    const { port, hostname } = new URL(p2pUrl(victim));
    const sockets: Socket[] = [];
    const wss: WebSocket[] = [];
    await underAttack('pre-auth', 48, async () => {
      for (let i = 0; i < 40; i++) {
        const s = tcpConnect(Number(port), hostname);
        s.on('error', () => undefined);
        s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: victim\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: ${'a'.repeat(4000)}`));
        sockets.push(s);
      }
      for (let i = 0; i < 80; i++) {
        const w = new WebSocket(p2pUrl(victim), { perMessageDeflate: false });
        w.on('error', () => undefined);
        w.on('open', () => {
          const s = (w as unknown as { _socket: Socket })._socket;
          // a masked binary frame header announcing 4 MB (or 1,000 bytes), then part of it
          const big = i % 2 === 0;
          const hdr = big ? Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 2, 3, 4]) : Buffer.from([0x82, 0xfe, 0x03, 0xe8, 1, 2, 3, 4]);
          s.write(Buffer.concat([hdr, Buffer.alloc(big ? 64 * 1024 : 500)]));
        });
        wss.push(w);
      }
      // Every one of them is closed by the caps and timeouts: upgrade 5 s, frame stall
      // 10 s, pre-handshake deadline 20 s (whichever comes first); give the loaded machine slack.
      await until(async () => sockets.every((s) => s.destroyed || s.readyState === 'closed') && wss.every((w) => w.readyState === WebSocket.CLOSED), 'all pre-auth attackers closed', 45_000);
    });
    const l = await limits(victim);
    expect(l.pending_refused).toBeGreaterThan(0); // the per-address cap (8) turned most away at once
    expect(l.pending_handshakes).toBe(0);
  }, 90_000);

  it('stays responsive while 60 peers each announce 50,000 transactions, exactly their allowance, and accounts for every item (docs: inventory limits)', async () => {
    // The frames are built before any attacker connects, and directly as bytes: built
    // through the codec after connecting (3,000,000 items) they kept this process busy for
    // 42 s under test:stress, no attacker answered a ping meanwhile, and the victim rightly
    // dropped all 60 for "ping timeout" before one inv was sent, so nothing was ever counted.
    const frames = Array.from({ length: ATTACKERS }, (_, k) => invFrame(k));
    const check = decodeMessage(params.magic, frames[1]!);
    expect(check.cmd === 'inv' && check.items.length === INV_ITEMS && check.items[7]!.type === MSG_TX && Buffer.from(check.items[7]!.hash).equals(txHash(1, 7))).toBe(true);
    const attackers = await inWaves(ATTACKERS, 6, async () => {
      const a = await Attacker.dial(p2pUrl(victim));
      await a.version();
      return a;
    });
    const l0 = await limits(victim);
    // every attacker's inv, and attacker 0's second one at once, over its allowance
    const total = ATTACKERS * INV_ITEMS + INV_ITEMS;
    let l = l0;
    let sendMs = 0;
    await underAttack('inv flood', 200, async () => {
      const lag = monitorEventLoopDelay({ resolution: 20 });
      lag.enable();
      const t0 = Date.now();
      // One attacker's frame per event-loop turn. The 60 attackers share this process, and
      // encrypting their 108 MB in one synchronous stretch took 22 s under test:stress, so
      // none of them answered a ping meanwhile and the victim rightly dropped 52 of them
      // for 'ping timeout' (they were silent, their frames unfinished, and the victim's own
      // timers on time). Attackers on their own machines would answer while sending.
      for (let k = 0; k < ATTACKERS; k++) {
        attackers[k]!.conn.send(frames[k]!);
        // one more inv right away is over the allowance (burst 50,000, refilled 5,000/s):
        // INV_FLOOD (10), dropped unread and counted as such
        if (k === 0) attackers[0]!.conn.send(frames[0]!);
        await new Promise((r) => setImmediate(r));
      }
      sendMs = Date.now() - t0;
      // Until every item the victim received is processed or counted as dropped (docs:
      // "every item ... ends up processed or counted as dropped"). An attacker within its
      // allowance must not be disconnected: if one is, its unread items can never be
      // counted, so say so at once instead of waiting out the deadline.
      await until(async () => {
        const gone = attackers.filter((a) => a.closed !== undefined);
        if (gone.length > 0) {
          lag.disable();
          const why = gone.map((a) => `#${attackers.indexOf(a)} at +${a.closedAt - t0} ms (pings answered at ${a.pings.map((p) => p - t0).join(',')})`).join('; ');
          throw new Error(`${gone.length} attackers disconnected within their allowance, e.g. ${gone[0]!.closed}; sending took ${sendMs || Date.now() - t0} ms, this process's event loop lagged up to ${(lag.max / 1e6).toFixed(0)} ms: ${why}`);
        }
        l = await limits(victim);
        return l.inv_received - l0.inv_received === total && accounted(l) - accounted(l0) === total && l.inv_backlog === 0;
      }, 'every inv item processed or counted as dropped', 200_000);
      lag.disable();
    });
    const d = (k: string): number => l[k]! - l0[k]!;
    // eslint-disable-next-line no-console
    console.log(`inv flood items: received ${d('inv_received')}, processed ${d('inv_processed')}, dropped: allowance ${d('inv_dropped_allowance')}, global ${d('inv_dropped_global')}, disconnect ${d('inv_dropped_disconnect')}, malformed ${d('inv_dropped_malformed')}; sent in ${sendMs} ms`);
    // received = processed + dropped by reason, exactly (docs/protocol.md "Inventory")
    expect(d('inv_received')).toBe(total);
    expect(d('inv_processed') + d('inv_dropped_allowance') + d('inv_dropped_global') + d('inv_dropped_disconnect') + d('inv_dropped_malformed')).toBe(total);
    expect(d('inv_processed')).toBeGreaterThanOrEqual(250_000); // at least the global queue's worth
    expect(d('inv_dropped_allowance')).toBe(INV_ITEMS);
    expect(d('inv_dropped_disconnect') + d('inv_dropped_malformed')).toBe(0);
    const m = (await http(victim, '/metrics')).text;
    expect(Number(/^cairn_p2p_inv_dropped_total\{reason="global"\} (\d+)$/m.exec(m)?.[1])).toBeGreaterThanOrEqual(d('inv_dropped_global'));
    // within their allowance nobody was punished or dropped; the one over it scored 10
    const peers = (await http(victim, '/api/peers')).json as { identity?: string; ban_score: number }[];
    const mine = peers.filter((p) => attackers.some((a) => a.identity === p.identity));
    expect(mine).toHaveLength(ATTACKERS);
    expect(mine.map((p) => p.ban_score).sort((a, b) => b - a)).toEqual([10, ...Array<number>(ATTACKERS - 1).fill(0)]);
    expect(mine.find((p) => p.identity === attackers[0]!.identity)?.ban_score).toBe(10);
    // and once they leave, the accounting still closes
    for (const a of attackers) a.conn.close('done');
    await until(async () => (await limits(victim)).inv_backlog === 0 && ((await http(victim, '/api/peers')).json as unknown[]).length === 1, 'attackers gone');
    const l3 = await limits(victim);
    expect(accounted(l3) - accounted(l0)).toBe(l3.inv_received! - l0.inv_received!);
  }, 360_000);

  it('lets 63 silent peers (Noise done, no version) hold at most 8 slots, drops them after 10 s, then admits a fresh peer (docs: pre-handshake limits, inbound slots)', async () => {
    const l0 = await limits(victim);
    let silent: Attacker[] = [];
    await underAttack('silent peers', 64, async () => {
      const tries = await Promise.allSettled(Array.from({ length: 63 }, () => Attacker.dial(p2pUrl(victim))));
      silent = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
      // one address holds at most maxPendingPerHost (8) connections at a time before the
      // handshake; slots freed by refused dials let a few more through over the burst
      expect(silent.length).toBeLessThan(32);
      expect((await limits(victim)).pending_refused).toBeGreaterThan(l0.pending_refused);
      await until(async () => silent.every((x) => x.closed !== undefined), 'silent peers dropped (version timeout 10 s)', 40_000);
      const late = await Attacker.dial(p2pUrl(victim));
      await late.version();
      expect(late.closed).toBeUndefined();
      late.conn.close('done');
    });
    // eviction itself, which needs many addresses, is covered by test/p2p/eviction.test.ts
  }, 120_000);

  it('stores none of 400 short low-work forks from genesis and bans their sender (docs: low-work headers)', async () => {
    const forks = Array.from({ length: 400 }, (_, f) => forkFromGenesis(99, f));
    const a = await Attacker.dial(p2pUrl(victim));
    await a.version();
    await underAttack('low-work headers', 32, async () => {
      for (const hs of forks) a.send({ cmd: 'headers', headers: hs });
      await until(async () => a.closed !== undefined, 'attacker banned', 30_000);
    });
    expect(a.closed).toMatch(/banned/);
    expect(victim.lines.some((l) => l.includes('peer banned') && l.includes(`id:${a.identity}`))).toBe(true);
    for (const hs of forks.slice(0, 20)) expect((await http(victim, `/api/block/${hs[0]!.hashHex()}/header`)).status).toBe(404);
  }, 120_000);
});

const ATTACKERS = 60;
const INV_ITEMS = 50_000;

/** Items processed or counted as dropped (docs/protocol.md "Inventory"). */
function accounted(l: Record<string, number>): number {
  return l.inv_processed! + l.inv_dropped_allowance! + l.inv_dropped_global! + l.inv_dropped_disconnect! + l.inv_dropped_malformed!;
}

/** An inv frame of INV_ITEMS MSG_TX items txHash(k, 0..), written as bytes (the codec is checked against one). */
function invFrame(k: number): Uint8Array {
  const payload = 3 + INV_ITEMS * 36;
  const b = new Uint8Array(20 + payload);
  const v = new DataView(b.buffer);
  v.setUint32(0, params.magic, true);
  b.set(new TextEncoder().encode('inv'), 4);
  v.setUint32(16, payload, true);
  b[20] = 0xfd;
  v.setUint16(21, INV_ITEMS, true);
  for (let i = 0, at = 23; i < INV_ITEMS; i++, at += 36) {
    v.setUint32(at, MSG_TX, true);
    b.set(txHash(k, i), at + 4);
  }
  return b;
}

function txHash(k: number, i: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, i + 1, true);
  v.setUint32(4, k + 1, true);
  b[31] = 0xab;
  return b;
}

/** n headers from genesis with valid regtest proof of work; f makes each fork distinct. */
function forkFromGenesis(n: number, f: number): BlockHeader[] {
  const out: BlockHeader[] = [];
  let prev = params.genesisHash;
  for (let i = 0; i < n; i++) {
    let h: BlockHeader;
    for (let nonce = 0; ; nonce++) {
      h = new BlockHeader({ version: 4, prevBlock: prev, merkleRoot: new Uint8Array(32).fill(f & 0xff).map((x, j) => (j === 0 ? f >> 8 : x)), time: params.genesis.header.time + 1 + i, bits: params.powLimitBits, nonce });
      if (checkProofOfWork(h.hash(), h.bits, params)) break;
    }
    out.push(h);
    prev = h.hash();
  }
  return out;
}
