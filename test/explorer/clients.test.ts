// The explorer's non-visual parts: the API client's error mapping, the WebSocket feed's
// reconnect/resubscribe behaviour (driven with a fake socket and manual timers), and the
// devnet page's analysis of who links to whom, who disagrees, and block arrival delays.
import { describe, expect, test } from '@jest/globals';
import { Api, ApiError, type NodeInfo, type TreeBlock } from '../../explorer/src/api.js';
import { analyzeDevnet, type NodeView } from '../../explorer/src/pages/devnet-model.js';
import { isLiveEvent, LiveFeed, type LiveEvent, type LiveState, type SocketLike } from '../../explorer/src/ws.js';

describe('Api', () => {
  const respond = (status: number, body: string, type = 'application/json') => async () => new Response(body, { status, headers: { 'content-type': type } });

  test('joins the base URL and parses JSON and text', async () => {
    const seen: string[] = [];
    const api = new Api('http://n1:3000/', async (u) => {
      seen.push(u);
      return u.endsWith('/height') ? new Response('42\n') : new Response('{"count":3,"vsize":1,"total_fee":2,"fee_histogram":[]}');
    });
    await expect(api.tipHeight()).resolves.toBe(42);
    await expect(api.mempool()).resolves.toMatchObject({ count: 3 });
    expect(seen).toEqual(['http://n1:3000/api/blocks/tip/height', 'http://n1:3000/api/mempool']);
  });

  test('404 and 400 are "not found"; other statuses and transport failures are not', async () => {
    const nf = await new Api('', respond(404, 'no such tx', 'text/plain')).tx('00').catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(ApiError);
    expect((nf as ApiError).status).toBe(404);
    expect((nf as ApiError).notFound).toBe(true);
    expect(((await new Api('', respond(400, 'bad')).address('x').catch((e: unknown) => e)) as ApiError).notFound).toBe(true);
    const s500 = (await new Api('', respond(500, 'boom')).mempool().catch((e: unknown) => e)) as ApiError;
    expect([s500.status, s500.notFound]).toEqual([500, false]);
    const down = (await new Api('', async () => {
      throw new TypeError('fetch failed');
    })
      .node()
      .catch((e: unknown) => e)) as ApiError;
    expect([down.status, down.notFound]).toEqual([0, false]);
    const garbled = (await new Api('', respond(200, '{nope')).mempool().catch((e: unknown) => e)) as ApiError;
    expect(garbled.status).toBe(502);
  });

  test('path segments are URL-encoded, so typed input cannot reach other endpoints', async () => {
    const seen: string[] = [];
    const api = new Api('', async (u) => {
      seen.push(u);
      return new Response('{}');
    });
    await api.address('a/../../admin?x=1');
    expect(seen[0]).toBe('/api/address/a%2F..%2F..%2Fadmin%3Fx%3D1');
  });
});

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readyState = 0;
  sent: string[] = [];
  send(d: string): void {
    this.sent.push(d);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const feed = new LiveFeed({
    url: 'ws://x/api/ws',
    open: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => undefined,
  });
  return { feed, sockets, timers };
}

describe('LiveFeed', () => {
  const block = { type: 'block', block: { id: 'aa', height: 1 } };

  test('delivers well-formed events and drops garbage', () => {
    const { feed, sockets } = harness();
    const got: LiveEvent[] = [];
    feed.on((e) => got.push(e));
    feed.start();
    sockets[0]!.open();
    sockets[0]!.deliver(block);
    sockets[0]!.deliver('not json');
    sockets[0]!.deliver({ type: 'block' });
    sockets[0]!.deliver({ type: 'weird' });
    sockets[0]!.deliver({ type: 'tx', tx: { txid: 'bb', fee: 1, vsize: 1, value: 1 } });
    expect(got.map((e) => e.type)).toEqual(['block', 'tx']);
  });

  test('reconnects with growing backoff, reports state, and re-sends subscriptions', () => {
    const { feed, sockets, timers } = harness();
    const states: LiveState[] = [];
    feed.onState((s) => states.push(s));
    feed.start();
    const unsub = feed.subscribeAddress('rcrn1abc');
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([JSON.stringify({ subscribe: 'address', address: 'rcrn1abc' })]);
    sockets[0]!.drop();
    expect(feed.state).toBe('offline');
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers[0]!.fn();
    sockets[1]!.drop();
    timers[1]!.fn();
    expect(timers.map((t) => t.ms)).toEqual([500, 1000]);
    sockets[2]!.open();
    expect(sockets[2]!.sent).toEqual([JSON.stringify({ subscribe: 'address', address: 'rcrn1abc' })]);
    expect(states).toEqual(['connecting', 'live', 'offline', 'connecting', 'offline', 'connecting', 'live']);
    unsub();
    sockets[2]!.drop();
    timers[2]!.fn();
    expect(timers[2]!.ms).toBe(500); // a successful open resets the backoff
    sockets[3]!.open();
    expect(sockets[3]!.sent).toEqual([]);
  });

  test('one failing listener does not starve the others; stop() ends reconnecting', () => {
    const { feed, sockets, timers } = harness();
    let n = 0;
    feed.on(() => {
      throw new Error('broken page');
    });
    feed.on(() => n++);
    feed.start();
    sockets[0]!.open();
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      sockets[0]!.deliver(block);
    } finally {
      console.warn = warn;
    }
    expect(n).toBe(1);
    feed.stop();
    sockets[0]!.drop();
    expect(timers).toEqual([]);
  });

  test('isLiveEvent checks the shapes the node sends', () => {
    expect(isLiveEvent({ type: 'reorg', old_tip: 'a', new_tip: 'b', depth: 1 })).toBe(true);
    expect(isLiveEvent({ type: 'mempool', mempool: { count: 0 } })).toBe(true);
    expect(isLiveEvent(null)).toBe(false);
    expect(isLiveEvent({ type: 'reorg' })).toBe(false);
  });
});

describe('analyzeDevnet', () => {
  const info = (identity: string, tip: string, height: number): NodeInfo => ({
    network: 'regtest', version: '0', coinbase_maturity: 100, tip_height: height, tip_hash: tip,
    sync: { state: 'synced', progress: 1, headers_height: height, blocks_height: height }, index_height: height,
    peers: 0, mempool_count: 0, mempool_vsize: 0, uptime: 0, mining: false, hashrate: 0, identity, p2p_url: null, siblings: [], verifier: null,
  });
  const tb = (hash: string, height: number, at?: number): TreeBlock => ({ hash, height, prev: '', status: 'active', in_best_chain: true, received_at: at ?? null });
  const node = (url: string, i: NodeInfo | null, peerIds: string[], blocks: TreeBlock[]): NodeView => ({
    url,
    info: i,
    peers: peerIds.map((id, k) => ({ id: k, addr: 'x', direction: 'outbound', version: 1, user_agent: null, height: 0, ping_ms: null, ban_score: 0, bytes_in: 0, bytes_out: 0, identity: id, blocks_in_flight: 0, connected_at: 0 })),
    blocks,
  });

  test('links from peer identities, majority tip, laggards and unreachable nodes flagged', () => {
    const a = analyzeDevnet([
      node('A', info('ia', 'T2', 2), ['ib'], [tb('T1', 1, 1000), tb('T2', 2, 2000)]),
      node('B', info('ib', 'T2', 2), ['ia'], [tb('T1', 1, 1030), tb('T2', 2, 2250)]),
      node('C', info('ic', 'T1', 1), [], [tb('T1', 1, 1100)]),
      node('D', null, [], []),
    ]);
    expect(a.edges).toEqual([[0, 1]]);
    expect(a.consensusTip).toBe('T2');
    expect(a.disagree).toEqual([false, false, true, true]);
    expect(a.propagation).toEqual([
      { hash: 'T2', height: 2, delays: [0, 250, null, null] },
      { hash: 'T1', height: 1, delays: [0, 30, 100, null] },
    ]);
  });

  test('a one-sided peer entry is enough for a link; ties go to the higher tip', () => {
    const a = analyzeDevnet([node('A', info('ia', 'X', 5), [], []), node('B', info('ib', 'Y', 6), ['ia'], [])]);
    expect(a.edges).toEqual([[0, 1]]);
    expect(a.consensusTip).toBe('Y');
    expect(a.disagree).toEqual([true, false]);
  });

  test('blocks without a received time show as not received, and the window is capped', () => {
    const blocks = Array.from({ length: 15 }, (_, i) => tb(`h${i}`, i));
    const a = analyzeDevnet([node('A', info('ia', 'h14', 14), [], blocks)], 10);
    expect(a.propagation).toHaveLength(10);
    expect(a.propagation[0]).toEqual({ hash: 'h14', height: 14, delays: [null] });
  });

  test('the genesis block, built into every node, has no propagation row', () => {
    const a = analyzeDevnet([node('A', info('ia', 'h1', 1), [], [tb('h0', 0), tb('h1', 1, 500)]), node('B', info('ib', 'h1', 1), [], [tb('h0', 0), tb('h1', 1, 540)])]);
    expect(a.propagation).toEqual([{ hash: 'h1', height: 1, delays: [0, 40] }]);
  });
});
