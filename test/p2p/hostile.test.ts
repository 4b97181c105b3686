// WsTransport's limits before the handshake (docs/protocol.md "Resource limits"), one by
// one on 127.0.0.1 with small timeouts: the per-state frame cap (and its lifting by
// handshakeDone), the per-address and global caps on pending connections, partial HTTP
// upgrades, stalled partial frames and the pre-handshake deadline.
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { WsTransport, type Connection, type Listener } from '../../src/p2p/transport.js';
import { waitFor } from './netnode.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: ConstructorParameters<typeof WsTransport>[0] = {}): Promise<{ t: WsTransport; l: Listener; conns: Connection[]; got: number[] }> {
  const t = new WsTransport({ maxPayload: 100_000, ...opts });
  const conns: Connection[] = [];
  const got: number[] = [];
  const l = await t.listen(0, '127.0.0.1', (c) => {
    conns.push(c);
    c.onMessage((d) => {
      got.push(d.length);
      if (d.length === 1) {
        c.handshakeDone?.();
        c.send(Uint8Array.of(1));
      }
    });
  });
  cleanups.push(() => l.close());
  return { t, l, conns, got };
}

function client(port: number): Promise<WebSocket> {
  const w = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, maxPayload: 1 << 20 });
  w.on('error', () => undefined);
  cleanups.push(() => w.terminate());
  return new Promise((res, rej) => {
    w.once('open', () => res(w));
    w.once('error', rej);
  });
}

const closedWith = (w: WebSocket): Promise<number> => new Promise((r) => w.once('close', (code) => r(code)));

describe('WsTransport before the handshake', () => {
  it('refuses a frame over 1,024 bytes (1009) until handshakeDone(), then takes frames up to maxPayload', async () => {
    const { l, got } = await server();
    const a = await client(l.port);
    const closed = closedWith(a);
    a.send(new Uint8Array(1_025));
    expect(await closed).toBe(1009);
    const b = await client(l.port);
    b.send(new Uint8Array(1_024));
    b.send(Uint8Array.of(1)); // the server ends the pre-handshake phase and answers
    await new Promise((r) => b.once('message', r));
    b.send(new Uint8Array(90_000));
    await waitFor(() => got.includes(90_000), 'the big frame after the handshake');
    expect(got).toEqual([1_024, 1, 90_000]);
  });

  it('caps pending connections per source address, and releases the slot at handshakeDone()', async () => {
    const { t, l } = await server({ maxPendingPerHost: 3 });
    const ws = await Promise.all([client(l.port), client(l.port), client(l.port)]);
    expect(t.pending.size).toBe(3);
    const fourth = new WebSocket(`ws://127.0.0.1:${l.port}`);
    fourth.on('error', () => undefined);
    await new Promise((r) => fourth.once('close', r));
    expect(t.pending.refused).toBe(1);
    ws[0]!.send(Uint8Array.of(1));
    await new Promise((r) => ws[0]!.once('message', r));
    expect(t.pending.size).toBe(2);
    await client(l.port); // a slot is free again
    expect(t.pending.size).toBe(3);
  });

  it('when the global table is full, drops the oldest pending connection of the busiest address', async () => {
    const { t, l } = await server({ maxPending: 4, maxPendingPerHost: 10 });
    const ws = [];
    for (let i = 0; i < 4; i++) ws.push(await client(l.port));
    const oldestClosed = closedWith(ws[0]!);
    await client(l.port);
    await oldestClosed;
    expect(t.pending.evicted).toBe(1);
    expect(t.pending.size).toBe(4);
  });

  it('drops a partial HTTP upgrade after upgradeTimeoutMs', async () => {
    const { t, l } = await server({ upgradeTimeoutMs: 300 });
    const s: Socket = tcpConnect(l.port, '127.0.0.1');
    s.on('error', () => undefined);
    cleanups.push(() => void s.destroy());
    s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    const t0 = Date.now();
    await new Promise((r) => s.once('close', r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await waitFor(() => t.pending.size === 0, 'the slot released');
  });

  it('drops a connection whose frame stalls halfway (frameStallMs), and anything pending past preAuthTimeoutMs', async () => {
    const { l } = await server({ frameStallMs: 300, preAuthTimeoutMs: 60_000 });
    const a = await client(l.port);
    const closed = closedWith(a);
    const sock = (a as unknown as { _socket: Socket })._socket;
    // a masked binary frame announcing 1,000 bytes, then 10 of them
    sock.write(Buffer.concat([Buffer.from([0x82, 0xfe, 0x03, 0xe8, 1, 2, 3, 4]), Buffer.alloc(10)]));
    const t0 = Date.now();
    await closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const { l: l2 } = await server({ preAuthTimeoutMs: 300 });
    const idle = await client(l2.port);
    await closedWith(idle);
  });
});
