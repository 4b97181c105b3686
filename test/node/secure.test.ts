// Transport encryption and node identity at the daemon level (issue #11), with real cairnd
// children on regtest: the handshake between two nodes and identities on both sides, an
// identity that survives a restart, a wiretap between two nodes that finds none of a
// known transaction's or block's bytes (and, as a control, all of them with --no-secure),
// tampering / replay / truncation closing the connection and counted in /metrics, a wrong
// pinned identity, an allow-list, bans by identity, and the API over HTTPS and WSS.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import {
  Block,
  TaprootSighasher,
  Tx,
  bytesToHex,
  encodeAddress,
  p2trScript,
  signKeyPathInputWith,
  taprootTweakPubkey,
  xOnlyPubkey,
} from '../../src/primitives/index.js';
import { admin, http, startDaemon, tempDatadir, until, type Daemon } from '../api/daemon.js';
import { WireTap, type TapConn, type WsFrame } from './wiretap.js';
import { launch } from '../explorer/browser.js';
import { buildExplorer } from '../explorer/harness.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 11);
const OUTPUT_KEY = taprootTweakPubkey(xOnlyPubkey(SECRET)).outputKey;
const SCRIPT = p2trScript(OUTPUT_KEY);
const ADDR = encodeAddress(OUTPUT_KEY, 'rcrn');

const dirs: string[] = [];
let running: Daemon[] = [];
const taps: WireTap[] = [];

function dir(): string {
  const d = tempDatadir();
  dirs.push(d);
  return d;
}

async function start(datadir: string, extra: string[] = []): Promise<Daemon> {
  const d = await startDaemon(datadir, extra);
  running.push(d);
  return d;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.map((d) => d.stop()));
  running = [];
  for (const t of taps.splice(0)) await t.close();
}

afterEach(stopAll);
afterAll(async () => {
  await stopAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const idOf = (d: Daemon): string => d.banner.identity as string;
const p2pOf = (d: Daemon): string => d.banner.p2p_url as string;
const portOf = (d: Daemon): number => Number(new URL(p2pOf(d)).port);

async function peers(d: Daemon): Promise<{ id: number; direction: string; identity?: string; addr: string }[]> {
  return (await http(d, '/api/peers')).json;
}

async function height(d: Daemon): Promise<number> {
  return Number((await http(d, '/api/blocks/tip/height')).text);
}

/** The value of one sample of a metric, 0 when absent. */
async function metric(d: Daemon, name: string, label: string, value: string): Promise<number> {
  const text = (await http(d, '/metrics')).text;
  const m = new RegExp(`^${name}\\{${label}="${value}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

const secureFailures = (d: Daemon, reason: string): Promise<number> => metric(d, 'cairn_secure_failures_total', 'reason', reason);

/** A parsed JSON log line of d whose message includes `text`. */
function logLine(d: Daemon, text: string): Record<string, unknown> | undefined {
  for (const l of d.lines) {
    if (!l.includes(text)) continue;
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

async function blockAt(d: Daemon, h: number): Promise<Block> {
  const hash = (await http(d, `/api/block-height/${h}`)).text;
  return Block.decode((await http(d, `/api/block/${hash}/raw`)).bytes);
}

/**
 * Mines 101 blocks to ADDR, spends the first coinbase in a signed key-path tx through
 * the mempool, and mines it: returns that tx and every block of the chain.
 */
async function chainWithTx(d: Daemon): Promise<{ tx: Tx; blocks: Block[] }> {
  expect((await admin(d, '/api/admin/mine', { blocks: 101, address: ADDR })).status).toBe(200);
  const coinbase = (await blockAt(d, 1)).txs[0]!;
  const value = coinbase.outputs[0]!.value;
  const unsigned = new Tx({
    version: 2,
    inputs: [{ prevout: { txid: coinbase.txid(), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
    outputs: [{ value: value - 1_000n, script: SCRIPT }],
    locktime: 0,
  });
  const sig = signKeyPathInputWith(new TaprootSighasher(unsigned, [{ value, script: SCRIPT }]), 0, SECRET, 0, new Uint8Array(32));
  const tx = new Tx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig] }] });
  const sent = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
  expect(sent.text).toBe(tx.txidHex());
  await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR });
  const blocks: Block[] = [];
  for (let h = 1; h <= 102; h++) blocks.push(await blockAt(d, h));
  expect(blocks[101]!.txs.map((t) => t.txidHex())).toContain(tx.txidHex());
  return { tx, blocks };
}

/** The 12-byte NUL-padded command field of a p2p frame header. */
function command(name: string): Uint8Array {
  const b = new Uint8Array(12);
  b.set(new TextEncoder().encode(name));
  return b;
}
const COMMANDS = ['version', 'verack', 'getheaders', 'headers', 'getdata', 'block', 'sendheaders'];

/** Everything an eavesdropper must not find: raw tx and block bytes, txids both ways, commands. */
function secrets(tx: Tx, blocks: Block[]): { what: string; bytes: Uint8Array }[] {
  const out = [
    { what: 'raw tx', bytes: tx.encode() },
    { what: 'tx without witness', bytes: tx.encodeStripped() },
    ...COMMANDS.map((c) => ({ what: `command ${c}`, bytes: command(c) })),
  ];
  for (const b of blocks) {
    out.push({ what: `block ${b.hashHex()}`, bytes: b.encode() });
    out.push({ what: `header ${b.hashHex()}`, bytes: b.header.encode() });
    for (const t of b.txs) {
      out.push({ what: `txid ${t.txidHex()}`, bytes: t.txid() });
      out.push({ what: `txid ${t.txidHex()} (display order)`, bytes: t.txid().slice().reverse() });
    }
  }
  return out;
}

/** A listening node and a --no-listen node that reaches it only through a wiretap. */
async function tappedPair(extra: string[]): Promise<{ src: Daemon; dst: Daemon; tap: WireTap }> {
  const src = await start(dir(), extra);
  const tap = new WireTap({ host: '127.0.0.1', port: portOf(src) });
  taps.push(tap);
  const port = await tap.listen();
  const pin = extra.includes('--no-secure') ? '' : `#${idOf(src)}`;
  const dst = await start(dir(), [...extra, '--no-listen', '--peer', `ws://127.0.0.1:${port}${pin}`]);
  return { src, dst, tap };
}

describe('cairnd transport encryption', () => {
  it('two nodes handshake encrypted, see each other by identity, and a restart keeps the identity', async () => {
    const adir = dir();
    const a = await start(adir);
    expect(idOf(a)).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(statSync(join(adir, 'identity.key')).mode & 0o777).toBe(0o600);
    const b = await start(dir(), ['--no-listen', '--peer', `${p2pOf(a)}#${idOf(a)}`]);
    expect(idOf(b)).not.toBe(idOf(a));
    const bSees = await until(async () => (await peers(b)).find((p) => p.direction === 'outbound'), 'b connected to a');
    expect(bSees.identity).toBe(idOf(a));
    const aSees = await until(async () => (await peers(a)).find((p) => p.direction === 'inbound'), 'a sees b');
    expect(aSees.identity).toBe(idOf(b));
    expect((await http(a, '/api/node')).json.identity).toBe(idOf(a));
    expect((await http(b, '/api/node')).json.identity).toBe(idOf(b));
    expect(await metric(b, 'cairn_secure_handshakes_total', 'mode', 'encrypted')).toBeGreaterThanOrEqual(1);
    expect(await metric(a, 'cairn_secure_handshakes_total', 'mode', 'plaintext')).toBe(0);

    // Restart a on the same datadir and port: same identity, and b's pinned URL still works.
    const port = portOf(a);
    const secret = readFileSync(join(adir, 'identity.key'), 'utf8');
    expect(await a.stop()).toBe(0);
    running = running.filter((d) => d !== a);
    const a2 = await start(adir, ['--p2p-port', String(port)]);
    expect(idOf(a2)).toBe(idOf(a));
    expect(readFileSync(join(adir, 'identity.key'), 'utf8')).toBe(secret);
    expect((await http(a2, '/api/node')).json.identity).toBe(idOf(a));
    await admin(b, '/api/admin/peers', { url: `${p2pOf(a2)}#${idOf(a2)}` });
    const again = await until(async () => (await peers(b)).find((p) => p.direction === 'outbound'), 'b reconnected to a');
    expect(again.identity).toBe(idOf(a));
  });

  it('refuses a wrong pinned identity with a clear log line, and an allow-list admits only listed nodes', async () => {
    const a = await start(dir());
    const b = await start(dir(), ['--no-listen']);
    // c pins b's identity on a's address: a presents its own, so c refuses it.
    const c = await start(dir(), ['--no-listen', '--peer', `${p2pOf(a)}#${idOf(b)}`]);
    const line = await until(async () => logLine(c, 'IdentityMismatch'), 'identity-mismatch log line');
    expect(line.msg).toContain(`IdentityMismatch: expected ${idOf(b)}, peer presented ${idOf(a)}`);
    expect(line).toMatchObject({ level: 40, reason: 'identity-mismatch', sub: 'secure' });
    expect(await secureFailures(c, 'identity-mismatch')).toBeGreaterThanOrEqual(1);
    expect(await peers(c)).toEqual([]);
    expect((await peers(a)).some((p) => p.identity === idOf(c))).toBe(false);

    // d admits only b.
    const list = join(dir(), 'allow.txt');
    writeFileSync(list, `# devnet members\n${idOf(b)} node-b\n`);
    const d = await start(dir(), ['--allow-peers', list]);
    await admin(c, '/api/admin/peers', { url: p2pOf(d) });
    const refused = await until(async () => logLine(d, 'NotAllowed'), 'not-allowed log line');
    expect(refused.msg).toContain(`NotAllowed: peer identity ${idOf(c)} is not on the allow-list`);
    expect(await secureFailures(d, 'not-allowed')).toBeGreaterThanOrEqual(1);
    expect(await peers(d)).toEqual([]);
    expect(await peers(c)).toEqual([]);
    await admin(b, '/api/admin/peers', { url: `${p2pOf(d)}#${idOf(d)}` });
    const admitted = await until(async () => (await peers(d)).find((p) => p.identity === idOf(b)), 'd admits b');
    expect(admitted.direction).toBe('inbound');
    expect((await peers(d)).some((p) => p.identity === idOf(c))).toBe(false);
  });

  it('bans by identity: the peer is dropped and its reconnects are refused at the handshake', async () => {
    const a = await start(dir());
    const b = await start(dir(), ['--no-listen', '--peer', `${p2pOf(a)}#${idOf(a)}`]);
    await until(async () => (await peers(a)).find((p) => p.identity === idOf(b)), 'a sees b');
    expect((await admin(a, '/api/admin/ban', { identity: 'zz' })).status).toBe(400);
    expect((await admin(a, '/api/admin/ban', { identity: idOf(b), host: '10.0.0.1' })).status).toBe(400);
    const r = await admin(a, '/api/admin/ban', { identity: idOf(b).toUpperCase(), seconds: 3600 });
    expect(r.json).toEqual({ banned: idOf(b), seconds: 3600 });
    // b keeps redialling (a --peer is kept connected); each attempt is refused.
    await until(async () => (await secureFailures(a, 'refused')) >= 1, 'a refuses b at the handshake');
    const line = logLine(a, `Refused: identity ${idOf(b)}`);
    expect(line).toMatchObject({ reason: 'refused' });
    expect((await peers(a)).some((p) => p.identity === idOf(b))).toBe(false);
    expect(await peers(b)).toEqual([]);
    // another node is still welcome
    const c = await start(dir(), ['--no-listen', '--peer', p2pOf(a)]);
    await until(async () => (await peers(a)).find((p) => p.identity === idOf(c)), 'a admits c');
  });

  it('a banned host is refused at the TCP accept: no handshake, no secure failure (issue #16 item 6)', async () => {
    const a = await start(dir());
    const b = await start(dir(), ['--no-listen', '--peer', `${p2pOf(a)}#${idOf(a)}`]);
    await until(async () => (await peers(a)).find((p) => p.identity === idOf(b)), 'a sees b');
    const handshakes = await metric(a, 'cairn_secure_handshakes_total', 'mode', 'encrypted');
    expect(handshakes).toBeGreaterThanOrEqual(1);
    // Loopback bans are by identity for peers (a devnet shares 127.0.0.1); an operator may
    // still ban the address itself, and then every new connection from it is refused.
    expect((await admin(a, '/api/admin/ban', { host: '127.0.0.1', seconds: 3600 })).status).toBe(200);
    const c = await start(dir(), ['--no-listen', '--peer', `${p2pOf(a)}#${idOf(a)}`]);
    const bannedAtAccept = async (): Promise<number> => metric(a, 'cairn_p2p_limits', 'what', 'banned_at_accept');
    await until(async () => (await bannedAtAccept()) >= 2, 'c refused twice at the accept');
    expect(await metric(a, 'cairn_secure_handshakes_total', 'mode', 'encrypted')).toBe(handshakes);
    for (const reason of ['refused', 'handshake', 'timeout']) expect(await secureFailures(a, reason)).toBe(0);
    expect((await peers(a)).some((p) => p.identity === idOf(c))).toBe(false);
    expect(await peers(c)).toEqual([]);
  });

  it('a wiretap between two syncing nodes finds none of the tx, blocks, txids or commands', async () => {
    const { src, dst, tap } = await tappedPair([]);
    const { tx, blocks } = await chainWithTx(src);
    await until(async () => (await height(dst)) === 102, 'dst syncs through the tap');
    expect(tap.totalBytes()).toBeGreaterThan(blocks.reduce((a, b) => a + b.size, 0));
    const found = secrets(tx, blocks).filter((s) => tap.contains(s.bytes)).map((s) => s.what);
    expect(found).toEqual([]);
    // the tap saw the real session: it is what the nodes report as their peer
    expect((await peers(dst))[0]).toMatchObject({ identity: idOf(src), direction: 'outbound' });
  });

  it('control: through --no-secure nodes the same wiretap finds them', async () => {
    const { src, dst, tap } = await tappedPair(['--no-secure']);
    const { tx, blocks } = await chainWithTx(src);
    await until(async () => (await height(dst)) === 102, 'dst syncs through the tap');
    expect(tap.contains(tx.encode())).toBe(true);
    // Block 102 travels whole or, when dst already holds its tx, as a compact block
    // (BIP152): its header and coinbase are on the wire either way.
    expect(tap.contains(blocks[101]!.header.encode())).toBe(true);
    expect(tap.contains(blocks[101]!.txs[0]!.encode())).toBe(true);
    expect(tap.contains(blocks[50]!.header.encode())).toBe(true);
    // the spend names the coinbase it spends by txid (internal byte order)
    expect(tap.contains(blocks[0]!.txs[0]!.txid())).toBe(true);
    // Blocks come as `block` or `cmpctblock` (compact relay), the rest always appear.
    for (const c of COMMANDS.filter((x) => x !== 'block')) expect([c, tap.contains(command(c))]).toEqual([c, true]);
    expect(tap.contains(command('block')) || tap.contains(command('cmpctblock'))).toBe(true);
    expect((await http(dst, '/api/node')).json.identity).toBeUndefined();
    expect((await http(dst, '/metrics')).text).not.toContain('cairn_secure_failures_total');
  });

  it('tampering, replay and truncation each close the connection, are counted, and change no chain', async () => {
    const { src, dst, tap } = await tappedPair([]);
    await admin(src, '/api/admin/mine', { blocks: 3, address: ADDR });
    await until(async () => (await height(dst)) === 3, 'initial sync');
    // Each attack replaces the next transport frame from src with something else, so the
    // block it announces never arrives on this connection.
    const attacks: [string, (f: WsFrame, conn: TapConn) => WsFrame[]][] = [
      ['tampered', (f) => {
        const p = f.payload.slice();
        p[p.length - 1]! ^= 0x01;
        return [{ ...f, payload: p }];
      }],
      // an earlier frame of this session, recorded and sent again in place of the new one
      ['replay', (f, conn) => [{ ...f, payload: conn.payloads.down[1]! }]],
      ['truncated', (f) => [{ ...f, payload: f.payload.subarray(0, f.payload.length - 1) }]],
    ];
    for (const [reason, attack] of attacks) {
      const conn = await until(async () => (await peers(dst)).length === 1 && tap.conns.find((c) => !c.isClosed()), `dst connected before ${reason}`);
      const before = { height: await height(dst), tip: (await http(dst, '/api/blocks/tip/hash')).text, count: await secureFailures(dst, reason) };
      const others = await Promise.all(['tampered', 'replay', 'truncated', 'reorder', 'malformed'].filter((r) => r !== reason).map((r) => secureFailures(dst, r)));
      let fired = false;
      // The next transport frame from src is attacked (never Noise msg2, the 99-byte first
      // down frame of a connection): with compact relay that frame is the cmpctblock
      // carrying the whole new block, so it must not slip through.
      tap.hook = (dir, f, index, c) => {
        if (fired || dir !== 'down' || (index === 0 && f.payload.length === 99)) return [f];
        fired = true;
        return attack(f, c);
      };
      tap.accepting = false; // keep dst off until the checks are done
      await admin(src, '/api/admin/mine', { blocks: 1, address: ADDR });
      await until(async () => (await secureFailures(dst, reason)) === before.count + 1, `${reason} counted`);
      await until(async () => conn.isClosed(), `${reason}: the tapped connection closes`, 30_000);
      expect(fired).toBe(true);
      expect(await height(dst)).toBe(before.height);
      expect((await http(dst, '/api/blocks/tip/hash')).text).toBe(before.tip);
      expect(await peers(dst)).toEqual([]);
      expect(await Promise.all(['tampered', 'replay', 'truncated', 'reorder', 'malformed'].filter((r) => r !== reason).map((r) => secureFailures(dst, r)))).toEqual(others);
      const line = logLine(dst, 'secure connection refused or closed');
      expect(line).toBeDefined();
      expect(dst.lines.some((l) => l.includes(`"reason":"${reason}"`))).toBe(true);
      // with the attacker gone, dst reconnects and catches up honestly
      tap.hook = null;
      tap.accepting = true;
      await admin(dst, '/api/admin/peers', { url: `ws://127.0.0.1:${tap.port}#${idOf(src)}` });
      const want = await height(src);
      await until(async () => (await height(dst)) === want, `dst catches up after ${reason}`);
      expect((await http(dst, '/api/blocks/tip/hash')).text).toBe((await http(src, '/api/blocks/tip/hash')).text);
    }
  });

  it("shows the node's identity on the explorer's network page", async () => {
    const explorer = buildExplorer();
    dirs.push(explorer);
    const d = await start(dir(), ['--explorer-dir', explorer]);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${d.base}/network`);
      const shown = page.getByTestId('node-identity');
      await shown.waitFor();
      expect((await shown.textContent())?.trim()).toBe(idOf(d));
    } finally {
      await browser.close();
    }
  });

  it('serves the API over HTTPS and WSS with --api-cert/--api-key', async () => {
    const tls = dir();
    const key = join(tls, 'key.pem');
    const cert = join(tls, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    const ca = readFileSync(cert);
    const d = await start(dir(), ['--api-cert', cert, '--api-key', key]);
    expect(d.banner.api_url).toBe(`https://127.0.0.1:${d.port}`);
    const get = (path: string, opts: { ca?: Buffer; method?: string; body?: string; token?: string } = {}): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: d.port,
            path,
            method: opts.method ?? 'GET',
            agent: false,
            ...(opts.ca ? { ca: opts.ca } : {}),
            headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
          },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(opts.body);
      });
    const node = await get('/api/node', { ca });
    expect(node.status).toBe(200);
    expect(JSON.parse(node.body).identity).toBe(idOf(d));
    await expect(get('/api/node')).rejects.toThrow(/self[- ]signed/i);
    await expect(fetch(`http://127.0.0.1:${d.port}/api/node`)).rejects.toThrow();

    const ws = new WebSocket(`wss://127.0.0.1:${d.port}/api/ws`, { ca });
    const events: { type?: string; height?: number }[] = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const mined = await get('/api/admin/mine', { ca, method: 'POST', token: d.token, body: JSON.stringify({ blocks: 1, address: ADDR }) });
    expect(mined.status).toBe(200);
    await until(async () => events.find((e) => e.type === 'block'), 'block event over wss');
    ws.close();
    const noCa = new WebSocket(`wss://127.0.0.1:${d.port}/api/ws`);
    await expect(new Promise((resolve, reject) => {
      noCa.once('open', resolve);
      noCa.once('error', reject);
    })).rejects.toThrow(/self[- ]signed/i);
  });
});
