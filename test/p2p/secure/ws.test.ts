// SecureTransport over real WebSockets on 127.0.0.1: two Peers complete their protocol
// handshake through the encrypted channel, a wiretap under it sees only ciphertext,
// pinned URLs and allow-lists are enforced, and a restarted node keeps its identity.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MAX_MESSAGE_SIZE, encodeMessage } from '../../../src/p2p/messages/index.js';
import { Peer } from '../../../src/p2p/peer.js';
import {
  SECURE_OVERHEAD,
  type SecureConnection,
  SecureStats,
  SecureTransport,
  type SecureTransportOptions,
  identityFromSecret,
  loadOrCreateIdentity,
} from '../../../src/p2p/secure/index.js';
import { type Connection, type Listener, WsTransport } from '../../../src/p2p/transport.js';
import { Block, bytesToHex, cryptoRng, systemClock } from '../../../src/primitives/index.js';
import { GENESIS, MAGIC, localInfo, record } from '../helpers.js';
import { TapTransport, indexOf, until } from './tap.js';

const A = identityFromSecret(new Uint8Array(32).fill(0x0a));
const B = identityFromSecret(new Uint8Array(32).fill(0x0b));
const C = identityFromSecret(new Uint8Array(32).fill(0x0c));
const block = Block.decode(new Uint8Array(readFileSync(new URL('../../fixtures/bcoin/block898352.raw', import.meta.url))));
const tx = block.txs[1]!;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ws = () => new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD });

async function listen(t: SecureTransport, onConn: (c: Connection) => void): Promise<Listener> {
  const l = await t.listen(0, '127.0.0.1', onConn);
  cleanups.push(() => l.close());
  return l;
}

function peer(conn: Connection): Peer {
  const p = new Peer({ conn, magic: MAGIC, genesis: GENESIS, clock: systemClock, rng: cryptoRng, ownNonces: new Set(), local: localInfo() });
  cleanups.push(() => p.close('test over'));
  return p;
}

function logger(lines: string[]): SecureTransportOptions['log'] {
  return { info: (_o, m) => lines.push(m), warn: (_o, m) => lines.push(m) };
}

describe('SecureTransport over WebSockets', () => {
  it('two Peers handshake and exchange a block and a transaction; the wire shows neither', async () => {
    const tapB = new TapTransport(ws());
    const tapA = new TapTransport(ws());
    const server = new SecureTransport(tapB, { identity: B, rng: cryptoRng });
    const inbound: Peer[] = [];
    const l = await listen(server, (c) => {
      const p = peer(c);
      inbound.push(p);
      p.start();
    });
    const conn = await new SecureTransport(tapA, { identity: A, rng: cryptoRng }).dial(`ws://127.0.0.1:${l.port}#${B.id}`);
    expect(conn.remote).toBe(`ws://127.0.0.1:${l.port}`);
    expect(conn.remoteIdentity).toBe(B.id);
    const out = peer(conn);
    out.start();
    await until(() => out.state === 'ready' && inbound[0]?.state === 'ready', 'protocol handshake');
    const inConn = inbound[0]!.conn as SecureConnection;
    expect(inConn.remoteIdentity).toBe(A.id);
    expect(inConn.sessionId).toBe(conn.sessionId);

    const rin = record(inbound[0]!);
    out.send({ cmd: 'tx', tx });
    out.send({ cmd: 'block', block });
    await until(() => rin.messages.length === 2, 'tx and block');
    const [m1, m2] = rin.messages;
    expect(m1!.cmd === 'tx' && m1.tx.txidHex()).toBe(tx.txidHex());
    expect(m2!.cmd === 'block' && m2.block.header.hashHex()).toBe(block.header.hashHex());

    const wire = tapA.allFrames();
    expect(wire.length).toBeGreaterThanOrEqual(7);
    const plain = [encodeMessage(MAGIC, { cmd: 'tx', tx }), encodeMessage(MAGIC, { cmd: 'block', block })];
    const windows: Uint8Array[] = [block.header.encode()];
    for (const p of plain) for (let o = 0; o + 16 <= p.length; o += 32) windows.push(p.subarray(o, o + 16));
    const probes = [new TextEncoder().encode('version\0'), new TextEncoder().encode('verack\0'), tx.txid(), ...windows];
    const leaked = probes.filter((p) => wire.some((f) => indexOf(f, p) >= 0));
    expect(leaked.map(bytesToHex)).toEqual([]);
    // every window is really in the plaintext, so the check above can fail
    expect(windows.every((w) => plain.some((f) => indexOf(f, w) >= 0))).toBe(true);
  });

  it('carries a largest-possible message when the inner transport allows for the overhead', async () => {
    const server = new SecureTransport(ws(), { identity: B, rng: cryptoRng });
    let got = 0;
    // Without a Peer on top, the test ends the pre-handshake phase itself: until then
    // WsTransport takes frames of at most preAuthMaxPayload (docs/protocol.md).
    // (as verack does, the listener says so before the dialler may send a big frame).
    const l = await listen(server, (c) => {
      c.handshakeDone?.();
      c.onMessage((d) => (got = d.length));
      c.send(Uint8Array.of(1));
    });
    const conn = await new SecureTransport(ws(), { identity: A, rng: cryptoRng }).dial(`ws://127.0.0.1:${l.port}`);
    cleanups.push(() => conn.close('done'));
    conn.handshakeDone?.();
    let go = false;
    conn.onMessage(() => (go = true));
    await until(() => go, 'the listener to lift its pre-handshake limit');
    conn.send(new Uint8Array(MAX_MESSAGE_SIZE));
    await until(() => got === MAX_MESSAGE_SIZE, 'the big message');
  });

  it('a pinned URL with another identity is refused with a clear log line', async () => {
    const server = new SecureTransport(ws(), { identity: B, rng: cryptoRng });
    const l = await listen(server, () => undefined);
    const lines: string[] = [];
    const stats = new SecureStats();
    const client = new SecureTransport(ws(), { identity: A, rng: cryptoRng, log: logger(lines), stats });
    await expect(client.dial(`ws://127.0.0.1:${l.port}#${C.id}`)).rejects.toThrow(`IdentityMismatch: expected ${C.id}, peer presented ${B.id}`);
    expect(lines.some((m) => m.includes(`IdentityMismatch: expected ${C.id}, peer presented ${B.id}`))).toBe(true);
    expect(stats.failures['identity-mismatch']).toBe(1);
  });

  it('an allow-listed (private devnet) listener refuses an unlisted node and admits a listed one', async () => {
    const stats = new SecureStats();
    const lines: string[] = [];
    const accepted: SecureConnection[] = [];
    const server = new SecureTransport(ws(), { identity: B, rng: cryptoRng, allowPeers: new Set([A.id]), stats, log: logger(lines) });
    const l = await listen(server, (c) => accepted.push(c as SecureConnection));

    const stranger = await new SecureTransport(ws(), { identity: C, rng: cryptoRng }).dial(`ws://127.0.0.1:${l.port}#${B.id}`);
    let reason: string | undefined;
    stranger.onClose((r) => (reason = r));
    await until(() => reason !== undefined, 'the stranger to be closed');
    expect(reason).toMatch(/not on the allow-list/);
    expect(stats.failures['not-allowed']).toBe(1);
    expect(lines.some((m) => m.includes(C.id))).toBe(true);
    expect(accepted).toHaveLength(0);

    const friend = await new SecureTransport(ws(), { identity: A, rng: cryptoRng }).dial(`ws://127.0.0.1:${l.port}#${B.id}`);
    cleanups.push(() => friend.close('done'));
    await until(() => accepted.length === 1, 'the listed node');
    expect(accepted[0]!.remoteIdentity).toBe(A.id);
  });

  it('a restarted node keeps its identity, so a pinned dial still connects', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'cairn-restart-'));
    cleanups.push(() => rm(datadir, { recursive: true, force: true }));
    const start = async () => {
      const identity = await loadOrCreateIdentity(datadir, cryptoRng);
      const t = new SecureTransport(ws(), { identity, rng: cryptoRng });
      return { identity, l: await t.listen(0, '127.0.0.1', () => undefined) };
    };
    const first = await start();
    await first.l.close();
    const second = await start();
    cleanups.push(() => second.l.close());
    expect(second.identity.id).toBe(first.identity.id);
    const conn = await new SecureTransport(ws(), { identity: A, rng: cryptoRng }).dial(`ws://127.0.0.1:${second.l.port}#${first.identity.id}`);
    cleanups.push(() => conn.close('done'));
    expect(conn.remoteIdentity).toBe(first.identity.id);
  });
});
