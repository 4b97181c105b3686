import { describe, expect, it } from '@jest/globals';
import { ManualClock, equalBytes, seededRng } from '../../src/primitives/index.js';
import { MSG_TX, encodeMessage } from '../../src/p2p/messages/index.js';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS, Score } from '../../src/p2p/peer.js';
import { MemoryNetwork } from '../../src/p2p/transport.js';
import { FakeRemote, GENESIS, MAGIC, peerOn, record, setup } from './helpers.js';

const inv = { cmd: 'inv' as const, items: [{ type: MSG_TX, hash: new Uint8Array(32).fill(1) }] };

function withRemote(over: Parameters<typeof peerOn>[3] = {}, inbound = true) {
  const clock = new ManualClock(1_700_000_000_000);
  const net = new MemoryNetwork({ clock });
  const [outEnd, inEnd] = net.pair('remote', 'us');
  // `inbound` = the peer under test accepted the connection
  const peer = peerOn(inbound ? inEnd : outEnd, clock, seededRng(2), over);
  const rec = record(peer);
  const remote = new FakeRemote(inbound ? outEnd : inEnd);
  peer.start();
  return { clock, peer, rec, remote, flush: () => clock.advance(0) };
}

describe('Peer handshake', () => {
  it('completes version/verack both ways and then delivers messages as events', () => {
    const ownA = new Set<bigint>();
    const { a, b, ra, rb, flush } = setup({ ownNonces: ownA });
    const invs: unknown[] = [];
    b.onCommand('inv', (m) => invs.push(m.items.length));
    a.start();
    b.start();
    expect(ownA.size).toBe(1); // the outbound side's nonce guards against self-connection...
    flush();
    expect(a.state).toBe('ready');
    expect(b.state).toBe('ready');
    expect(ra.events).toEqual(['ready']);
    expect(rb.events).toEqual(['ready']);
    expect(ownA.size).toBe(0); // ...only while its handshake is open
    expect(b.remoteVersion?.userAgent).toBe('/cairn-test:0.1/');
    expect(b.remoteVersion?.bestHeight).toBe(5);
    expect(equalBytes(b.remoteVersion!.genesis, GENESIS)).toBe(true);
    a.send(inv);
    flush();
    expect(rb.messages.map((m) => m.cmd)).toEqual(['inv']);
    expect(invs).toEqual([1]);
    expect(b.stats.msgsRecv).toEqual({ version: 1, verack: 1, inv: 1 });
    expect(a.stats.bytesSent.inv).toBe(encodeMessage(MAGIC, inv).length);
    expect(b.stats.bytesRecv.inv).toBe(encodeMessage(MAGIC, inv).length);
  });

  it('refuses to send other messages before the handshake', () => {
    const { a } = setup();
    a.start();
    expect(() => a.send(inv)).toThrow(/handshake/);
  });

  it('disconnects a peer of another network (frame magic)', () => {
    const { a, b, ra, rb, flush } = setup({ magic: MAGIC + 1 });
    a.start();
    b.start();
    flush();
    expect(rb.closed).toMatch(/^wrong network/);
    expect(ra.closed).toMatch(/remote closed: wrong network/);
    expect(rb.events).not.toContain('ready');
  });

  it('disconnects a peer with another genesis', () => {
    const { a, b, rb, flush } = setup({ genesis: new Uint8Array(32).fill(8) });
    a.start();
    b.start();
    flush();
    expect(rb.closed).toMatch(/^wrong genesis 0808/);
    expect(b.remoteVersion).toBeUndefined();
  });

  it('detects a connection to itself through the shared nonce set', () => {
    const own = new Set<bigint>();
    const { a, b, rb, flush } = setup({ ownNonces: own }, { ownNonces: own });
    a.start();
    b.start();
    flush();
    expect(rb.closed).toBe('connected to self');
    expect(a.state).toBe('closed');
    expect(own.size).toBe(0);
  });

  it('scores and disconnects a peer that sends anything before version', () => {
    const { peer, rec, remote, flush } = withRemote();
    remote.send(inv);
    flush();
    expect(rec.scores).toEqual([Score.PRE_HANDSHAKE]);
    expect(rec.closed).toBe('inv before handshake');
    expect(rec.messages).toEqual([]);
    expect(peer.score).toBe(Score.PRE_HANDSHAKE);
  });

  it('treats verack before version as a pre-handshake message', () => {
    const { rec, remote, flush } = withRemote();
    remote.send({ cmd: 'verack' });
    flush();
    expect(rec.closed).toBe('verack before handshake');
  });

  it('drops a slow-loris that never sends version after the handshake timeout', () => {
    const { clock, rec, remote, flush } = withRemote({ handshakeTimeoutMs: 3_000 });
    flush();
    clock.advance(2_999);
    expect(rec.closed).toBeUndefined();
    clock.advance(1);
    expect(rec.closed).toBe('handshake timeout');
    flush();
    expect(remote.closed).toBe('remote closed: handshake timeout');
  });

  it('drops a peer that sent version but never verack', () => {
    const { clock, rec, remote, flush } = withRemote({ handshakeTimeoutMs: 3_000 });
    remote.version();
    flush();
    expect(remote.received.map((m) => m.cmd)).toEqual(['version', 'verack']);
    clock.advance(3_000);
    expect(rec.closed).toBe('handshake timeout');
  });
});

describe('Peer liveness', () => {
  it('pings on schedule, records the round trip, and survives while pongs come back', () => {
    const { a, b, clock, ra, flush } = setup({}, {}, 50);
    a.start();
    b.start();
    clock.advance(200);
    expect(a.state).toBe('ready');
    clock.advance(60_000);
    flush();
    clock.advance(100);
    expect(a.pingRtt).toBe(100);
    clock.advance(10 * 60_000);
    expect(ra.closed).toBeUndefined();
    expect(a.stats.msgsSent.ping).toBeGreaterThanOrEqual(10);
  });

  it('disconnects a peer that does not answer a ping in time', () => {
    const { clock, rec, remote, flush } = withRemote({ pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
    remote.answerPings = false;
    remote.handshake();
    flush();
    expect(rec.events).toEqual(['ready']);
    clock.advance(10_000);
    expect(remote.received.at(-1)?.cmd).toBe('ping');
    clock.advance(4_999);
    expect(rec.closed).toBeUndefined();
    clock.advance(1);
    expect(rec.closed).toBe('ping timeout');
  });

  it('by default drops a peer that went silent within 9 s of its last pong, and keeps one that answers', () => {
    // no ping options: the defaults cairnd runs with
    const defaults = { pingIntervalMs: undefined, pingTimeoutMs: undefined };
    expect(DEFAULT_PING_INTERVAL_MS + DEFAULT_PING_TIMEOUT_MS).toBeLessThanOrEqual(9_000);
    const live = withRemote(defaults);
    live.remote.handshake();
    live.flush();
    live.clock.advance(10 * 60_000); // pongs keep coming for ten minutes
    expect(live.rec.closed).toBeUndefined();
    expect(live.peer.stats.msgsSent.ping).toBeGreaterThanOrEqual((10 * 60_000) / DEFAULT_PING_INTERVAL_MS - 1);

    // the remote vanishes right after answering a ping (the worst case for noticing)
    const { clock, rec, remote, flush } = withRemote(defaults);
    remote.handshake();
    flush();
    clock.advance(DEFAULT_PING_INTERVAL_MS);
    expect(remote.received.at(-1)?.cmd).toBe('ping'); // answered: the remote is alive
    remote.answerPings = false;
    const lastPong = clock.now();
    let closedAt: number | undefined;
    while (rec.closed === undefined && clock.now() - lastPong < 60_000) {
      clock.advance(100);
      if (rec.closed !== undefined) closedAt = clock.now();
    }
    expect(rec.closed).toBe('ping timeout');
    expect(closedAt! - lastPong).toBeLessThanOrEqual(DEFAULT_PING_INTERVAL_MS + DEFAULT_PING_TIMEOUT_MS);
    expect(closedAt! - lastPong).toBeGreaterThanOrEqual(DEFAULT_PING_TIMEOUT_MS); // not before its timeout
  });

  it('waits for a late pong while other messages keep coming, and drops the peer once they stop', () => {
    const { clock, rec, remote, flush } = withRemote({ pingIntervalMs: undefined, pingTimeoutMs: undefined });
    remote.answerPings = false; // its pongs are stuck behind other traffic, or never come
    remote.handshake();
    flush();
    for (let t = 0; t < 60_000; t += 1_000) {
      remote.send(inv); // busy: a message every second
      clock.advance(1_000);
    }
    expect(rec.closed).toBeUndefined();
    expect(remote.received.filter((m) => m.cmd === 'ping').length).toBeGreaterThanOrEqual(1);
    const quietFrom = clock.now();
    while (rec.closed === undefined && clock.now() - quietFrom < 60_000) clock.advance(100);
    expect(rec.closed).toBe('ping timeout');
    expect(clock.now() - quietFrom).toBeLessThanOrEqual(2 * DEFAULT_PING_TIMEOUT_MS);
  });

  it('ignores a pong with the wrong nonce', () => {
    const { clock, rec, remote, flush } = withRemote({ pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
    remote.answerPings = false;
    remote.handshake();
    flush();
    clock.advance(10_000);
    const ping = remote.received.at(-1);
    if (ping?.cmd !== 'ping') throw new Error('expected a ping');
    remote.send({ cmd: 'pong', nonce: ping.nonce ^ 1n });
    clock.advance(5_000);
    expect(rec.closed).toBe('ping timeout');
  });

  it('disconnects an idle peer even if pings are answered late', () => {
    const { clock, rec, remote, flush } = withRemote({ pingIntervalMs: 10_000, pingTimeoutMs: 100_000, idleTimeoutMs: 30_000 });
    remote.answerPings = false;
    remote.handshake();
    flush();
    clock.advance(30_000);
    expect(rec.closed).toBe('inactivity timeout');
  });

  it('answers pings with the same nonce', () => {
    const { remote, flush } = withRemote();
    remote.handshake();
    flush();
    remote.send({ cmd: 'ping', nonce: 1234n });
    flush();
    expect(remote.received.at(-1)).toEqual({ cmd: 'pong', nonce: 1234n });
  });
});

describe('Peer defences', () => {
  it('drops messages over the message rate limit, scoring each, and refills with time', () => {
    const { clock, peer, rec, remote, flush } = withRemote({ rateLimits: { msgsPerSec: 1, burstMsgs: 5 } });
    remote.handshake(); // 2 of the 5
    for (let i = 0; i < 6; i++) remote.send(inv);
    flush();
    expect(rec.messages.length).toBe(3);
    expect(rec.scores).toEqual([Score.RATE_LIMIT, Score.RATE_LIMIT, Score.RATE_LIMIT]);
    expect(peer.stats.msgsRecv['*ratelimited*']).toBe(3);
    clock.advance(2_000);
    remote.send(inv);
    remote.send(inv);
    flush();
    expect(rec.messages.length).toBe(5);
    expect(rec.closed).toBeUndefined();
  });

  it('drops messages over the byte rate limit', () => {
    const { rec, remote, flush } = withRemote({ rateLimits: { bytesPerSec: 10, burstBytes: 400 } });
    remote.handshake();
    remote.send({ cmd: 'getheaders', version: 1, locator: new Array(10).fill(new Uint8Array(32)), stop: new Uint8Array(32) });
    flush();
    expect(rec.messages).toEqual([]);
    expect(rec.scores).toEqual([Score.RATE_LIMIT]);
  });

  it('emits ban once at the threshold and disconnects', () => {
    const { peer, rec, remote, flush } = withRemote();
    remote.handshake();
    flush();
    peer.misbehave(60, 'invalid header');
    expect(rec.bans).toEqual([]);
    peer.misbehave(40, 'invalid block');
    expect(rec.bans).toEqual(['invalid block']);
    expect(rec.closed).toBe('banned: invalid block');
    peer.misbehave(40, 'late result');
    expect(rec.bans.length).toBe(1);
    expect(peer.score).toBe(140);
    flush();
    expect(remote.closed).toBe('remote closed: banned: invalid block');
  });

  it('scores malformed payloads until a ban, never throwing', () => {
    const { rec, remote, flush } = withRemote();
    remote.handshake();
    const bad = encodeMessage(MAGIC, { cmd: 'ping', nonce: 1n });
    const frame = new Uint8Array(bad.length - 1);
    frame.set(bad.subarray(0, frame.length));
    new DataView(frame.buffer).setUint32(16, 7, true); // a 7-byte ping
    for (let i = 0; i < 5; i++) remote.sendRaw(frame);
    flush();
    expect(rec.scores).toEqual(new Array(5).fill(Score.MALFORMED));
    expect(rec.bans.length).toBe(1);
    expect(rec.closed).toMatch(/^banned: malformed ping/);
  });

  it('scores unknown commands lightly and keeps the connection', () => {
    const { peer, rec, remote, flush } = withRemote();
    remote.handshake();
    const f = encodeMessage(MAGIC, { cmd: 'verack' });
    f.set(new TextEncoder().encode('wtxidrelay'), 4); // BIP339, which Cairn does not speak
    remote.sendRaw(f);
    remote.send(inv);
    flush();
    expect(rec.scores).toEqual([Score.UNKNOWN_COMMAND]);
    expect(peer.stats.msgsRecv.wtxidrelay).toBe(1);
    expect(rec.messages.length).toBe(1);
    expect(rec.closed).toBeUndefined();
  });

  it('disconnects a peer whose frames carry another magic after the handshake', () => {
    const { rec, remote, flush } = withRemote();
    remote.handshake();
    remote.sendRaw(encodeMessage(MAGIC ^ 1, inv));
    flush();
    expect(rec.closed).toMatch(/^wrong network/);
    expect(rec.scores).toEqual([]);
  });

  it('scores a duplicate version without disconnecting', () => {
    const { rec, remote, flush } = withRemote();
    remote.handshake();
    remote.version(5n);
    flush();
    expect(rec.scores).toEqual([Score.DUPLICATE_HANDSHAKE]);
    expect(rec.closed).toBeUndefined();
  });

  it('disconnects when the outgoing buffer would overflow', () => {
    const clock = new ManualClock(0);
    // latency keeps sent bytes in flight, which is what bufferedAmount reports
    const net = new MemoryNetwork({ clock, latencyMs: 1_000 });
    const [us, them] = net.pair();
    const peer = peerOn(us, clock, seededRng(3), { maxSendBuffer: 2_000, handshakeTimeoutMs: 60_000 });
    const rec = record(peer);
    const remote = new FakeRemote(them);
    peer.start();
    remote.handshake();
    clock.advance(2_000);
    expect(peer.state).toBe('ready');
    const big = { cmd: 'inv' as const, items: new Array(20).fill({ type: MSG_TX, hash: new Uint8Array(32) }) };
    expect(peer.send(big)).toBe(true);
    expect(peer.sendBuffered).toBeGreaterThan(700);
    expect(peer.send(big)).toBe(true);
    expect(peer.send(big)).toBe(false);
    expect(rec.closed).toBe('send buffer full: peer is not reading');
  });

  it('a throwing node handler neither kills the peer nor stops other handlers', () => {
    const { rec, remote, peer, flush } = withRemote();
    const seen: string[] = [];
    peer.onCommand('inv', () => {
      throw new Error('node bug');
    });
    peer.onCommand('inv', () => seen.push('second'));
    remote.handshake();
    remote.send(inv);
    flush();
    expect(seen).toEqual(['second']);
    expect(rec.closed).toBeUndefined();
  });
});
