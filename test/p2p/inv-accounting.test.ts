// Every item of a well-formed inv is counted once as received and ends up processed or
// counted as dropped by reason (docs/protocol.md "Resource limits", "Inventory"; issue #16):
//   received = processed + dropped{allowance, global, disconnect, malformed} + backlog.
// Each test drives a real P2PNode on loopback with raw WebSocket clients through one of
// the paths an item can take and checks the equation exactly after each step, and once
// the queue is empty, that nothing is left in it. The queue is worked off one item per
// event-loop turn here, so items are still queued when the next frames arrive.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeMessage, MSG_TX } from '../../src/p2p/messages/index.js';
import type { InvStats } from '../../src/p2p/relay.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';
import { RawClient } from './rawclient.js';

const h = new Harness();
let victim: TestNode;

const LIMITS = { invBurst: 3_000, invPerSec: 1, maxQueuedInv: 4_000, invItemsPerTurn: 1 };
/** generous: the machine is shared (npm run test:stress) */
const WAIT = 90_000;

/** A raw peer that answers the victim's getheaders with an empty headers message. */
const rawClient = (url: string): RawClient => new RawClient(url, { userAgent: '/inv-accounting/', answerGetheaders: true, waitMs: WAIT });

let salt = 0;
/** An inv frame of n MSG_TX items with fresh hashes; item `bad` (if given) has the unknown type 7. */
function invFrame(n: number, bad?: number): Uint8Array {
  salt++;
  const items = Array.from({ length: n }, (_, i) => ({ type: MSG_TX, hash: Uint8Array.from({ length: 32 }, (_, j) => (j < 4 ? (i >> (8 * j)) & 0xff : j < 8 ? (salt >> (8 * (j - 4))) & 0xff : 0x3c)) }) as const);
  const f = encodeMessage(params.magic, { cmd: 'inv', items });
  if (bad !== undefined) new DataView(f.buffer, f.byteOffset, f.byteLength).setUint32(20 + (n < 0xfd ? 1 : 3) + bad * 36, 7, true);
  return f;
}

/** An inv whose count says one item more than its length holds: scored MALFORMED (20) on arrival, never counted. */
function shortInv(n: number): Uint8Array {
  const f = invFrame(n);
  const cut = f.slice(0, f.length - 36);
  new DataView(cut.buffer).setUint32(16, cut.length - 20, true);
  return cut;
}

const stats = (): InvStats => ({ ...victim.node.relay.invStats });
const dropped = (s: InvStats): number => s.droppedAllowance + s.droppedGlobal + s.droppedDisconnect + s.droppedMalformed;
/** The accounting equation, with the backlog the relay reports. */
function expectClosed(): void {
  const s = stats();
  expect(s.processed + dropped(s) + victim.node.relay.invBacklog).toBe(s.received);
  expect(s.accepted).toBe(s.processed + s.droppedDisconnect + s.droppedMalformed + victim.node.relay.invBacklog);
}
const drained = (): Promise<void> => waitFor(() => victim.node.relay.invBacklog === 0, 'inventory queue worked off', WAIT);

beforeAll(async () => {
  victim = await h.node('victim', { relay: LIMITS });
});

afterAll(() => h.close());

describe('inventory accounting', () => {
  it('counts items within the allowance as processed and the inv over it as dropped (allowance)', async () => {
    const c = rawClient(victim.url);
    await c.handshake();
    const s0 = stats();
    c.raw(invFrame(2_500));
    c.raw(invFrame(1_000)); // 2,500 + 1,000 > burst 3,000
    await waitFor(() => stats().received - s0.received === 3_500, 'both received', WAIT);
    expectClosed();
    await drained();
    const s = stats();
    expect(s.processed - s0.processed).toBe(2_500);
    expect(s.droppedAllowance - s0.droppedAllowance).toBe(1_000);
    expectClosed();
    c.ws.close();
  });

  it('counts an inv that finds the global queue full as dropped (global), from another peer', async () => {
    const a = rawClient(victim.url);
    const b = rawClient(victim.url);
    await Promise.all([a.handshake(), b.handshake()]);
    const s0 = stats();
    // one item a turn: a's 3,000 are still queued when b's 3,000 arrive (bound 4,000)
    a.raw(invFrame(3_000));
    await waitFor(() => stats().accepted - s0.accepted === 3_000, 'a queued', WAIT);
    b.raw(invFrame(3_000));
    await waitFor(() => stats().received - s0.received === 6_000, 'b received', WAIT);
    expectClosed();
    await drained();
    const s = stats();
    expect(s.droppedGlobal - s0.droppedGlobal + s.processed - s0.processed).toBe(6_000);
    expect(s.droppedGlobal - s0.droppedGlobal).toBe(3_000);
    expectClosed();
    a.ws.close();
    b.ws.close();
  });

  it('counts the items after an unknown type as dropped (malformed), and those before it as processed', async () => {
    const c = rawClient(victim.url);
    await c.handshake();
    const s0 = stats();
    c.raw(invFrame(500, 120));
    await waitFor(() => stats().received - s0.received === 500, 'received', WAIT);
    await drained();
    const s = stats();
    expect(s.processed - s0.processed).toBe(120);
    expect(s.droppedMalformed - s0.droppedMalformed).toBe(380);
    expectClosed();
    c.ws.close();
  });

  it('counts items still queued when their sender is dropped as dropped (disconnect)', async () => {
    const c = rawClient(victim.url);
    await c.handshake();
    const s0 = stats();
    // 3,000 items, then five messages malformed on arrival (20 each): banned at 100 with
    // most of the items still in the queue (one is worked off per turn)
    c.raw(invFrame(3_000));
    for (let i = 0; i < 5; i++) c.raw(shortInv(10));
    await waitFor(() => c.closed !== undefined, 'banned', WAIT);
    await drained();
    const s = stats();
    expect(s.received - s0.received).toBe(3_000);
    expect(s.droppedDisconnect - s0.droppedDisconnect).toBeGreaterThan(0);
    expect(s.processed - s0.processed + s.droppedDisconnect - s0.droppedDisconnect).toBe(3_000);
    expectClosed();
  });

  it('does not count an inv whose count does not match its length (malformed before reading), nor an empty one', async () => {
    const c = rawClient(victim.url);
    await c.handshake();
    const s0 = stats();
    c.raw(shortInv(10));
    c.send({ cmd: 'inv', items: [] });
    c.raw(invFrame(3));
    await waitFor(() => stats().received - s0.received === 3, 'the good one received', WAIT);
    await drained();
    expect(stats().processed - s0.processed).toBe(3);
    expectClosed();
    c.ws.close();
  });
});
