// A banned host is refused before the Noise handshake (issue #16, item 6): the WebSocket
// transport asks refuseHost at the TCP accept and destroys the socket, and the secure
// listener asks it before reading any handshake message, so a banned host costs the node
// no key generation and no Diffie-Hellman. "No handshake work" is observed through the
// listener's Rng, the source of its ephemeral keys: it is untouched while the host is
// refused, and used as soon as the ban is lifted (the control that shows it would be).
import { afterEach, describe, expect, it } from '@jest/globals';
import { MAX_MESSAGE_SIZE } from '../../../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureStats, SecureTransport, identityFromSecret, type SecureConnection } from '../../../src/p2p/secure/index.js';
import { MemoryNetwork, WsTransport, type Connection, type Listener } from '../../../src/p2p/transport.js';
import { cryptoRng, type Rng } from '../../../src/primitives/index.js';
import { until } from './tap.js';

const A = identityFromSecret(new Uint8Array(32).fill(0x0a));
const B = identityFromSecret(new Uint8Array(32).fill(0x0b));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** cryptoRng, counting the bytes drawn: the listener draws them for its ephemeral key. */
function countingRng(): Rng & { drawn: number } {
  const r = {
    drawn: 0,
    float: () => cryptoRng.float(),
    int: (n: number) => cryptoRng.int(n),
    u64: () => cryptoRng.u64(),
    bytes(n: number): Uint8Array {
      r.drawn += n;
      return cryptoRng.bytes(n);
    },
  };
  return r;
}

describe('a banned host is refused before the handshake', () => {
  it('WsTransport: refused at the TCP accept, no connection and no key drawn; admitted once unbanned', async () => {
    const banned = new Set(['127.0.0.1']);
    const ws = new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD, refuseHost: (h) => (banned.has(h) ? 'banned' : undefined) });
    const rng = countingRng();
    const stats = new SecureStats();
    const server = new SecureTransport(ws, { identity: B, rng, stats });
    const accepted: Connection[] = [];
    const l: Listener = await server.listen(0, '127.0.0.1', (c) => accepted.push(c));
    cleanups.push(() => l.close());
    const client = new SecureTransport(new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD }), { identity: A, rng: cryptoRng });

    for (let i = 0; i < 3; i++) await expect(client.dial(`ws://127.0.0.1:${l.port}`)).rejects.toThrow();
    expect(ws.refusedAtAccept).toBe(3);
    expect(rng.drawn).toBe(0);
    expect(accepted).toHaveLength(0);
    expect(stats.handshakes.encrypted + stats.totalFailures()).toBe(0);
    expect(ws.pending.size).toBe(0);

    banned.clear();
    const conn = (await client.dial(`ws://127.0.0.1:${l.port}#${B.id}`)) as SecureConnection;
    cleanups.push(() => conn.close('test over'));
    await until(() => accepted.length === 1, 'the unbanned host is accepted');
    expect(conn.remoteIdentity).toBe(B.id);
    expect(rng.drawn).toBeGreaterThan(0);
    expect(stats.handshakes.encrypted).toBe(1);
    expect(ws.refusedAtAccept).toBe(3);
  });

  it('SecureTransport over any transport: closed before the first handshake message, counted as refused', async () => {
    const net = new MemoryNetwork();
    const banned = new Set(['attacker']);
    const rng = countingRng();
    const stats = new SecureStats();
    const server = new SecureTransport(net.transport('victim'), { identity: B, rng, stats, refuseHost: (h) => (banned.has(h) ? 'banned' : undefined) });
    const accepted: Connection[] = [];
    const l = await server.listen(0, 'victim', (c) => accepted.push(c));
    cleanups.push(() => l.close());

    const attacker = new SecureTransport(net.transport('attacker'), { identity: A, rng: cryptoRng, handshakeTimeoutMs: 60_000 });
    await expect(attacker.dial(l.url!)).rejects.toThrow();
    expect(stats.failures.refused).toBe(1);
    expect(rng.drawn).toBe(0);
    expect(accepted).toHaveLength(0);

    const honest = new SecureTransport(net.transport('honest'), { identity: A, rng: cryptoRng });
    const conn = await honest.dial(l.url!);
    cleanups.push(() => conn.close('test over'));
    await until(() => accepted.length === 1, 'another host is accepted');
    expect(rng.drawn).toBeGreaterThan(0);
    expect(stats.failures.refused).toBe(1);
  });
});
