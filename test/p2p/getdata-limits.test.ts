// getdata and notfound are checked from their item count before they are decoded, as inv
// is (docs/protocol.md "Resource limits", "getdata and notfound"; issue #16). Each over-limit
// message below carries an item of unknown type, which costs MALFORMED (20) if decoded:
// a score of exactly the limit's own cost (or none) shows it was dropped unread. A raw
// WebSocket client plays the peer against a real P2PNode on loopback.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeMessage, MSG_BLOCK, MSG_TX, MSG_WITNESS_FLAG } from '../../src/p2p/messages/index.js';
import { RelayScore } from '../../src/p2p/relay.js';
import { Score } from '../../src/p2p/peer.js';
import type { Block } from '../../src/primitives/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';
import { RawClient } from './rawclient.js';

const h = new Harness();
const builder = new ChainBuilder(params);
let blocks: Block[];
let victim: TestNode;

const LIMITS = { getdataBurst: 600, getdataPerSec: 1, maxNotFound: 200, serveItemsPerTurn: 100 };
/** generous: the machine is shared (npm run test:stress) */
const WAIT = 90_000;

/** A getdata/notfound frame of n items; item `bad` (if given) has the unknown type 7. */
function listFrame(cmd: 'getdata' | 'notfound', n: number, hashOf: (i: number) => Uint8Array, type: number, bad?: number): Uint8Array {
  const items = Array.from({ length: n }, (_, i) => ({ type: MSG_TX, hash: hashOf(i) }) as const);
  const f = encodeMessage(params.magic, { cmd, items });
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const start = 20 + (n < 0xfd ? 1 : 3);
  for (let i = 0; i < n; i++) v.setUint32(start + i * 36, i === bad ? 7 : type, true);
  return f;
}

const unknownTx = (i: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, j) => (j < 4 ? (i >> (8 * j)) & 0xff : 0x5a));

beforeAll(async () => {
  blocks = builder.chain(builder.genesis(), 3).blocks;
  victim = await h.node('victim', { blocks, relay: LIMITS });
});

afterAll(() => h.close());

/** One client per test, so scores do not add up across tests. */
async function client(): Promise<{ c: RawClient; score: () => number }> {
  const before = new Set(victim.node.peers().map((p) => p.id));
  const c = new RawClient(victim.url, { userAgent: '/limits/', waitMs: WAIT });
  await c.handshake();
  const id = victim.node.peers().find((p) => !before.has(p.id))!.id;
  return { c, score: () => victim.node.peers().find((p) => p.id === id)?.ban_score ?? NaN };
}

describe('getdata before decoding', () => {
  it('answers a getdata within its allowance: blocks it has, notfound for the rest, in order', async () => {
    const { c, score } = await client();
    const s0 = { ...victim.node.relay.getdataStats };
    const items = [
      { type: MSG_BLOCK | MSG_WITNESS_FLAG, hash: blocks[1]!.hash() },
      { type: MSG_TX | MSG_WITNESS_FLAG, hash: unknownTx(1) },
      { type: MSG_BLOCK | MSG_WITNESS_FLAG, hash: blocks[2]!.hash() },
    ] as const;
    c.send({ cmd: 'getdata', items });
    await waitFor(() => c.got('notfound').length === 1 && c.got('block').length === 2, 'answers', WAIT);
    const got = c.got('block').map((m) => (m.cmd === 'block' ? m.block.hashHex() : ''));
    expect(got).toEqual([blocks[1]!.hashHex(), blocks[2]!.hashHex()]);
    const nf = c.got('notfound')[0]!;
    expect(nf.cmd === 'notfound' && nf.items.map((i) => Buffer.from(i.hash).toString('hex'))).toEqual([Buffer.from(unknownTx(1)).toString('hex')]);
    expect(victim.node.relay.getdataStats.received - s0.received).toBe(3);
    expect(victim.node.relay.getdataStats.served - s0.served).toBe(2);
    expect(score()).toBe(0);
    c.ws.close();
  });

  it('drops a getdata over the allowance unread: INV-style flood score only, no answer, counted', async () => {
    const { c, score } = await client();
    const s0 = { ...victim.node.relay.getdataStats };
    // burst 600: 500 fit, the next 500 do not (refill 1/s)
    c.raw(listFrame('getdata', 500, unknownTx, MSG_TX));
    await waitFor(() => c.got('notfound').length === 1, 'first answered', WAIT);
    c.raw(listFrame('getdata', 500, (i) => unknownTx(i + 10_000), MSG_TX, 5));
    await waitFor(() => score() === RelayScore.GETDATA_FLOOD, 'flood scored', WAIT);
    expect(victim.node.relay.getdataStats.droppedAllowance - s0.droppedAllowance).toBe(500);
    // a ping behind it comes back, and nothing was answered for the dropped one
    const pings = c.got('pong').length;
    c.send({ cmd: 'ping', nonce: 5n });
    await waitFor(() => c.got('pong').length > pings, 'pong', WAIT);
    expect(c.got('notfound')).toHaveLength(1);
    expect(score()).toBe(RelayScore.GETDATA_FLOOD); // not MALFORMED: item 5's type was never read
    c.ws.close();
  });

  it('scores a getdata whose count does not match its length as malformed, unread', async () => {
    const { c, score } = await client();
    const f = listFrame('getdata', 10, unknownTx, MSG_TX);
    const cut = f.slice(0, f.length - 36);
    new DataView(cut.buffer).setUint32(16, cut.length - 20, true);
    c.raw(cut);
    await waitFor(() => score() === Score.MALFORMED, 'malformed scored', WAIT);
    expect(c.got('notfound')).toHaveLength(0);
    c.ws.close();
  });

  it('answers the items before an unknown type, then scores it malformed and drops the rest', async () => {
    const { c, score } = await client();
    c.raw(listFrame('getdata', 300, unknownTx, MSG_TX, 250));
    await waitFor(() => score() === Score.MALFORMED && c.got('notfound').length === 1, 'partly answered', WAIT);
    const nf = c.got('notfound')[0]!;
    expect(nf.cmd === 'notfound' && nf.items.length).toBe(250);
    c.ws.close();
  });

  it('yields to the event loop while answering a long getdata: a ping sent right behind it is answered first', async () => {
    const { c } = await client();
    c.raw(listFrame('getdata', 500, (i) => unknownTx(i + 50_000), MSG_TX));
    c.send({ cmd: 'ping', nonce: 77n });
    await waitFor(() => c.got('notfound').length === 1, 'answered', WAIT);
    const order = c.received.filter((m) => m.cmd === 'notfound' || (m.cmd === 'pong' && m.nonce === 77n)).map((m) => m.cmd);
    expect(order).toEqual(['pong', 'notfound']);
    const nf = c.got('notfound')[0]!;
    expect(nf.cmd === 'notfound' && nf.items.length).toBe(500);
    c.ws.close();
  });
});

describe('notfound before decoding', () => {
  it('drops a notfound longer than anything we ask one peer for, unread and at no cost', async () => {
    const { c, score } = await client();
    const d0 = victim.node.relay.getdataStats.notFoundDropped;
    c.raw(listFrame('notfound', LIMITS.maxNotFound + 1, unknownTx, MSG_TX, 3));
    await waitFor(() => victim.node.relay.getdataStats.notFoundDropped === d0 + 1, 'dropped', WAIT);
    expect(score()).toBe(0);
    // one within the bound is decoded as usual: its unknown type is malformed
    c.raw(listFrame('notfound', LIMITS.maxNotFound, unknownTx, MSG_TX, 3));
    await waitFor(() => score() === Score.MALFORMED, 'decoded and scored', WAIT);
    expect(victim.node.relay.getdataStats.notFoundDropped).toBe(d0 + 1);
    expect(c.closed).toBeUndefined();
    c.ws.close();
  });
});
