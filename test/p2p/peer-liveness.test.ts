// The ping timeout judges the peer, not our own event loop (issue #16; docs/protocol.md
// "Timeouts and liveness"). Under an inventory flood on a loaded machine the victim's loop
// was busy for seconds; its ping timers then fired before it read the pongs already in its
// sockets (timers run before pending input), and it dropped all 60 attackers for "ping
// timeout" although each had answered. A message taken raw (inv, before decoding) proves
// life as a decoded one does.
import { describe, expect, it } from '@jest/globals';
import { type Clock, ManualClock, seededRng } from '../../src/primitives/index.js';
import { MSG_TX } from '../../src/p2p/messages/index.js';
import { PING_STALL_SLACK_MS } from '../../src/p2p/peer.js';
import { MemoryNetwork } from '../../src/p2p/transport.js';
import { FakeRemote, peerOn, record } from './helpers.js';

const PING = { pingIntervalMs: 3_000, pingTimeoutMs: 6_000 };

/** A manual clock whose now() can run ahead of the timers, as a stalled event loop's does. */
function stallableClock(): { base: ManualClock; clock: Clock; stall(ms: number): void } {
  const base = new ManualClock(1_700_000_000_000);
  let lag = 0;
  const clock: Clock = {
    now: () => base.now() + lag,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (h) => base.clearTimeout(h),
  };
  return { base, clock, stall: (ms) => (lag += ms) };
}

function withRemote(raw: boolean) {
  const { base, clock, stall } = stallableClock();
  const net = new MemoryNetwork({ clock });
  const [outEnd, inEnd] = net.pair('remote', 'us');
  const peer = peerOn(inEnd, base, seededRng(2), { ...PING, clock });
  const taken: number[] = [];
  if (raw) peer.onRawCommand('inv', (p) => taken.push(p.length));
  const rec = record(peer);
  const remote = new FakeRemote(outEnd);
  peer.start();
  remote.handshake();
  base.advance(0);
  expect(rec.events).toEqual(['ready']);
  return { base, stall, peer, rec, remote, taken };
}

const inv = { cmd: 'inv' as const, items: [{ type: MSG_TX, hash: new Uint8Array(32).fill(1) }] };


/**
 * A peer after its handshake, over a connection whose `lastReceivedAt` the test sets (as
 * a transport does when bytes arrive), on a clock whose timers can be made late.
 */
function handshakenWithConn(seed: number) {
  const { base, clock } = stallableClock();
  const net = new MemoryNetwork({ clock });
  const [outEnd, inEnd] = net.pair('remote', 'us');
  const conn = {
    remote: inEnd.remote, inbound: inEnd.inbound, lastReceivedAt: 0,
    send: (d: Uint8Array) => inEnd.send(d), close: (r: string) => inEnd.close(r),
    onMessage: (cb: (d: Uint8Array) => void) => inEnd.onMessage(cb), onClose: (cb: (r: string) => void) => inEnd.onClose(cb),
  };
  const peer = peerOn(conn, base, seededRng(seed), { ...PING, clock });
  const rec = record(peer);
  const remote = new FakeRemote(outEnd);
  peer.start();
  remote.handshake();
  base.advance(0);
  return { base, clock, conn, rec, remote };
}

describe('ping timeout', () => {
  it('waits again when its own timer fired late (our loop stalled), and still drops a silent peer once it runs on time', () => {
    const { base, stall, rec, remote } = withRemote(false);
    remote.answerPings = false;
    base.advance(PING.pingIntervalMs); // ping sent
    expect(remote.received.at(-1)?.cmd).toBe('ping');
    stall(PING_STALL_SLACK_MS + 500); // the loop was busy: the timeout fires 1.5 s late
    base.advance(PING.pingTimeoutMs);
    expect(rec.closed).toBeUndefined();
    // on time now, and still no pong: gone
    base.advance(PING.pingTimeoutMs);
    expect(rec.closed).toBe('ping timeout');
  });

  it('does not excuse a timer that was only a little late', () => {
    const { base, stall, rec, remote } = withRemote(false);
    remote.answerPings = false;
    base.advance(PING.pingIntervalMs);
    stall(PING_STALL_SLACK_MS - 1);
    base.advance(PING.pingTimeoutMs);
    expect(rec.closed).toBe('ping timeout');
  });

  it('counts bytes still arriving (a large frame the pong is queued behind) as proof of life', () => {
    const { base, clock, conn, rec, remote } = handshakenWithConn(3);
    remote.answerPings = false;
    base.advance(PING.pingIntervalMs);
    base.advance(PING.pingTimeoutMs / 2);
    conn.lastReceivedAt = clock.now(); // part of a big frame arrived meanwhile
    base.advance(PING.pingTimeoutMs / 2);
    expect(rec.closed).toBeUndefined();
    base.advance(PING.pingTimeoutMs); // nothing since
    expect(rec.closed).toBe('ping timeout');
  });

  it('counts a message taken before decoding (raw inv) as proof of life while the pong is late', () => {
    const { base, rec, remote, taken } = withRemote(true);
    remote.answerPings = false;
    for (let t = 0; t < 60_000; t += 1_000) {
      remote.send(inv);
      base.advance(1_000);
    }
    expect(taken.length).toBe(60);
    expect(rec.closed).toBeUndefined();
    base.advance(2 * PING.pingTimeoutMs + PING.pingIntervalMs);
    expect(rec.closed).toBe('ping timeout');
  });
  it('reads the input already waiting before it judges: bytes that reached the socket as the timer fired keep the peer', () => {
    const { base, clock, conn, rec, remote } = handshakenWithConn(4);
    remote.answerPings = false;
    base.advance(PING.pingIntervalMs); // ping sent, its timeout armed
    // Input that is read in the same instant, but after the timeout's timer ran (timers run
    // before pending input is read): a timer set now, for then, runs after it.
    base.setTimeout(() => (conn.lastReceivedAt = clock.now()), PING.pingTimeoutMs);
    base.advance(PING.pingTimeoutMs);
    expect(rec.closed).toBeUndefined();
    base.advance(PING.pingTimeoutMs); // nothing since
    expect(rec.closed).toBe('ping timeout');
  });
});
