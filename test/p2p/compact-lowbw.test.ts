// BIP152 low-bandwidth mode between whole nodes, with high-bandwidth announcements off
// (highBandwidthPeers: 0), so every new block is announced by headers:
//   - two nodes: a run of generated blocks (transactions all, some or none in the
//     receiver's mempool) each crosses as getdata MSG_CMPCT_BLOCK → cmpctblock (+ one
//     getblocktxn round trip when needed), with no full block on the wire, one getdata
//     per block and nothing left in flight, so the next block is again asked compact;
//   - serving: getdata MSG_CMPCT_BLOCK at depths 0..8 below the tip, from peers that sent
//     sendcmpct version 2 (either mode), an unsupported version or none: cmpctblock only
//     within 5 of the tip and only to version-2 peers, the full block otherwise, notfound
//     (as MSG_WITNESS_BLOCK) for a block we do not have; each servable block's compact
//     form built once (same nonce for every asker, another for every block);
//   - requesting, against a scripted announcer: a lone new block is asked compact; a
//     collision, a wrong blocktxn or an unanswered getblocktxn ends in exactly one getdata
//     of the full block and no second compact request, unpunished; the next block is
//     asked compact again; a peer that never sent sendcmpct, or two new blocks at once
//     (a sync), get full-block getdata.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MSG_CMPCT_BLOCK, MSG_WITNESS_BLOCK, type CmpctblockMessage, type Message } from '../../src/p2p/messages/index.js';
import { PartialBlock, makeCompact } from '../../src/p2p/compact/reconstruct.js';
import { MAX_CMPCTBLOCK_DEPTH } from '../../src/p2p/compact/serve.js';
import { bytesToHex, seededRng, type Block, type Tx } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';
import { RawClient } from './rawclient.js';

const h = new Harness();
const builder = new ChainBuilder(params);
let base: { blocks: Block[]; state: BranchState };
/** generous: the machine is shared with other work */
const LONG = 60_000;
const LOWBW = { highBandwidthPeers: 0 } as const;

beforeAll(() => {
  base = builder.chain(builder.genesis(), 112);
});
afterAll(() => h.close());

const spends = (state: BranchState, n: number, skip = 0): Tx[] => builder.spendPairs(state, n, skip);

const hex = (b: Uint8Array): string => bytesToHex(b);
const items = (m: Message): [number, string][] => (m.cmd === 'getdata' || m.cmd === 'notfound' ? m.items.map((i) => [i.type, hex(i.hash)]) : []);

// ---------------------------------------------------------------- between two nodes

it('new blocks announced by headers cross as cmpctblock, rebuilt from the mempool (getblocktxn for the rest), no full block sent', async () => {
  const a = await h.node('lbA', { kind: 'mem', blocks: base.blocks, outboundTarget: 0, compact: LOWBW });
  const b = await h.node('lbB', { kind: 'mem', blocks: base.blocks, seeds: [a.url], outboundTarget: 1, compact: LOWBW });
  await waitFor(() => a.node.peers().length === 1 && b.node.peers().length === 1, 'connected', LONG);
  await waitFor(() => [a, b].every((n) => (n.node.traffic().messagesIn['sendcmpct'] ?? 0) >= 1), 'sendcmpct exchanged', LONG);

  // Generated blocks: how many of their spends the receiver's mempool has, how many it lacks.
  const rng = seededRng(152);
  const plan = Array.from({ length: 5 }, () => ({ known: rng.int(3), unknown: rng.int(2) }));
  plan[0] = { known: 2, unknown: 0 }; // at least one rebuilt from the mempool alone …
  plan[1] = { known: 1, unknown: 1 }; // … and one needing getblocktxn
  let state = base.state;
  for (const [i, p] of plan.entries()) {
    const txs = spends(state, p.known + p.unknown);
    const known = txs.slice(0, 2 * p.known);
    for (const t of known) await a.mempool.accept(t);
    await waitFor(() => known.every((t) => b.mempool.has(t.txid())), `block ${i}: known txs in b's mempool`, LONG);
    const before = snapshot(a, b);
    const next = builder.block(state, { txs });
    await a.chain.processBlock(next.block);
    await waitFor(() => b.chain.tip.hashHex === next.block.hashHex(), `block ${i} on b`, LONG);
    await waitFor(() => b.node.peers()[0]!.blocks_in_flight === 0, `block ${i}: nothing in flight`, LONG);
    const d = diff(before, snapshot(a, b));
    expect({ i, ...d }).toEqual({
      i,
      aBlock: 0,
      aCmpct: 1,
      aBlocktxn: p.unknown > 0 ? 1 : 0,
      bGetdata: 1,
      bGetblocktxn: p.unknown > 0 ? 1 : 0,
      askedCompact: 1,
      askedFull: 0,
      servedCompact: 1,
      fromMempool: p.unknown > 0 ? 0 : 1,
      afterBlocktxn: p.unknown > 0 ? 1 : 0,
      txsRequested: 2 * p.unknown,
      fallbacks: 0,
    });
    state = next.state;
  }
  expect([a, b].map((n) => n.node.peers()[0]!.ban_score)).toEqual([0, 0]);
  for (const n of [a, b]) await n.stop();
});

function snapshot(a: TestNode, b: TestNode) {
  const ta = a.node.traffic().messagesOut;
  const tb = b.node.traffic().messagesOut;
  const cs = b.node.compact.stats;
  return {
    aBlock: ta['block'] ?? 0,
    aCmpct: ta['cmpctblock'] ?? 0,
    aBlocktxn: ta['blocktxn'] ?? 0,
    bGetdata: tb['getdata'] ?? 0,
    bGetblocktxn: tb['getblocktxn'] ?? 0,
    askedCompact: b.node.sync.requestStats.compact,
    askedFull: b.node.sync.requestStats.full,
    servedCompact: a.node.relay.compactServe.stats.compact,
    fromMempool: cs.fromMempool,
    afterBlocktxn: cs.afterBlocktxn,
    txsRequested: cs.txsRequested,
    fallbacks: Object.values(cs.fallbacks).reduce((x, y) => x + y, 0),
  };
}

function diff<T extends Record<string, number>>(x: T, y: T): T {
  return Object.fromEntries(Object.keys(x).map((k) => [k, y[k]! - x[k]!])) as T;
}

// ---------------------------------------------------------------- serving

describe('serving getdata MSG_CMPCT_BLOCK', () => {
  let server: TestNode;
  /** blocks at depth 0 (the tip) .. 8, each with transactions */
  const byDepth: Block[] = [];

  beforeAll(async () => {
    server = await h.node('serve', { kind: 'ws', blocks: base.blocks, outboundTarget: 0, compact: LOWBW });
    let s = base.state;
    const top: Block[] = [];
    for (let i = 0; i < 9; i++) {
      const r = builder.block(s, { txs: spends(s, 1 + (i % 2)) });
      await server.chain.processBlock(r.block);
      top.push(r.block);
      s = r.state;
    }
    byDepth.push(...top.reverse());
    expect(server.chain.tip.hashHex).toBe(byDepth[0]!.hashHex());
  });
  afterAll(() => server.stop());

  const variants: { name: string; sendcmpct?: { announce: boolean; version: bigint }; compact: boolean }[] = [
    { name: 'sendcmpct version 2, low-bandwidth', sendcmpct: { announce: false, version: 2n }, compact: true },
    { name: 'sendcmpct version 2, high-bandwidth', sendcmpct: { announce: true, version: 2n }, compact: true },
    { name: 'sendcmpct version 1 only', sendcmpct: { announce: false, version: 1n }, compact: false },
    { name: 'sendcmpct version 3 only', sendcmpct: { announce: false, version: 3n }, compact: false },
    { name: 'no sendcmpct at all', compact: false },
  ];

  it.each(variants)('$name: cmpctblock only within 5 of the tip and only to version-2 peers; the full block otherwise', async (v) => {
    const client = new RawClient(server.url, { handshakeDone: ['sendcmpct'], waitMs: LONG });
    await client.handshake();
    if (v.sendcmpct) client.send({ cmd: 'sendcmpct', ...v.sendcmpct });
    // Every depth, in an order drawn from the variant's name, and a block nobody has.
    const rng = seededRng(v.name.length * 31 + (v.sendcmpct ? Number(v.sendcmpct.version) : 0));
    const depths = byDepth.map((_, d) => d);
    for (let i = depths.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [depths[i], depths[j]] = [depths[j]!, depths[i]!];
    }
    const unknown = new Uint8Array(32).fill(0xab);
    const mark = client.received.length;
    client.send({ cmd: 'getdata', items: [...depths.map((d) => ({ type: MSG_CMPCT_BLOCK, hash: byDepth[d]!.hash() })), { type: MSG_CMPCT_BLOCK, hash: unknown }] });
    const answers = (): Message[] => client.received.slice(mark).filter((m) => m.cmd === 'block' || m.cmd === 'cmpctblock' || m.cmd === 'notfound');
    await waitFor(() => answers().length === depths.length + 1, 'every item answered', LONG);
    const got = answers();
    depths.forEach((d, i) => {
      const m = got[i]!;
      const wantCompact = v.compact && d <= MAX_CMPCTBLOCK_DEPTH;
      expect([d, m.cmd]).toEqual([d, wantCompact ? 'cmpctblock' : 'block']);
      const block = byDepth[d]!;
      if (m.cmd === 'block') expect(m.block.hashHex()).toBe(block.hashHex());
      if (m.cmd === 'cmpctblock') expectRebuildsTo(m, block);
    });
    // BIP152 allows MSG_CMPCT_BLOCK in getdata only: the notfound lists it as a full block.
    expect(items(got[depths.length]!)).toEqual([[MSG_WITNESS_BLOCK, hex(unknown)]]);
    expect(server.node.peers().find((p) => p.user_agent === '/raw/')!.ban_score).toBe(0);
    client.ws.close();
    await waitFor(() => server.node.peers().length === 0, 'client gone', LONG);
  });

  it('each servable block is built once: asked again (another peer, any order) it has the same nonce; blocks differ', async () => {
    const servable = byDepth.slice(0, MAX_CMPCTBLOCK_DEPTH + 1);
    const nonces: string[][] = [];
    for (const order of [servable, [...servable].reverse()]) {
      const client = new RawClient(server.url, { handshakeDone: ['sendcmpct'], waitMs: LONG });
      await client.handshake();
      client.send({ cmd: 'sendcmpct', announce: false, version: 2n });
      const mark = client.received.length;
      client.send({ cmd: 'getdata', items: [...order, ...order].map((b) => ({ type: MSG_CMPCT_BLOCK, hash: b.hash() })) });
      const got = (): CmpctblockMessage[] => client.received.slice(mark).filter((m): m is Extract<Message, { cmd: 'cmpctblock' }> => m.cmd === 'cmpctblock');
      await waitFor(() => got().length === 2 * order.length, 'every item answered', LONG);
      const byHash = new Map<string, Set<string>>();
      for (const m of got()) {
        const k = hex(m.header.hash());
        byHash.set(k, (byHash.get(k) ?? new Set()).add(m.nonce.toString()));
      }
      nonces.push(servable.map((b) => [...byHash.get(hex(b.hash()))!].join()));
      client.ws.close();
      await waitFor(() => server.node.peers().length === 0, 'client gone', LONG);
    }
    expect(nonces[1]).toEqual(nonces[0]);
    expect(new Set(nonces[0]).size).toBe(servable.length);
    expect(nonces[0]!.every((n) => !n.includes(','))).toBe(true);
  });
});

/** The cmpctblock is `block`'s: its header, coinbase prefilled, and its short ids rebuild it from its own transactions. */
function expectRebuildsTo(m: CmpctblockMessage, block: Block): void {
  expect(hex(m.header.hash())).toBe(hex(block.hash()));
  expect(m.prefilled.map((p) => p.index)).toEqual([0]);
  const r = PartialBlock.init(m, [...block.txs.slice(1)].reverse());
  if (r.status !== 'ok') throw new Error(r.status);
  expect(r.partial.missing()).toEqual([]);
  expect(hex(r.partial.block().encode())).toBe(hex(block.encode()));
}

// ---------------------------------------------------------------- requesting

/** A peer driven by the test, announcing blocks to the node by headers and answering its requests. */
class Announcer extends RawClient {
  /** Waits for the next message of `cmd` at or after index `from` of received. */
  async next<K extends Message['cmd']>(cmd: K, from: number): Promise<{ m: Extract<Message, { cmd: K }>; at: number }> {
    let at = -1;
    await waitFor(() => (at = this.received.findIndex((m, i) => i >= from && m.cmd === cmd)) >= 0, cmd, LONG);
    return { m: this.received[at] as Extract<Message, { cmd: K }>, at };
  }

  getdatas(from: number): [number, string][][] {
    return this.received.slice(from).filter((m) => m.cmd === 'getdata').map(items);
  }
}

let port = 41_000;
async function victimWith(name: string, pool: readonly Tx[], opts: { sendcmpct?: boolean } = {}): Promise<{ victim: TestNode; peer: Announcer }> {
  const victim = await h.node(name, { kind: 'ws', blocks: base.blocks, outboundTarget: 0, compact: { ...LOWBW, blocktxnTimeoutMs: 400 } });
  for (const t of pool) await victim.mempool.accept(t);
  return { victim, peer: await announcer(victim, opts.sendcmpct ?? true) };
}

async function announcer(victim: TestNode, sendcmpct: boolean): Promise<Announcer> {
  const peer = new Announcer(victim.url, { userAgent: '/announcer/', bestHeight: base.state.height, listenUrl: `ws://127.0.0.1:${port++}`, handshakeDone: ['sendcmpct'], waitMs: LONG });
  await peer.handshake();
  if (sendcmpct) peer.send({ cmd: 'sendcmpct', announce: false, version: 2n });
  return peer;
}

const settle = (ms = 300): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Failure = 'collision' | 'wrong blocktxn' | 'getblocktxn unanswered';

describe('asking for a new block with getdata MSG_CMPCT_BLOCK', () => {
  it('a lone new block is asked compact, rebuilt from the mempool; its slot is freed and the next block is asked compact too', async () => {
    const txs = spends(base.state, 3);
    const { victim, peer } = await victimWith('ask', txs);
    let state = base.state;
    for (let i = 0; i < 3; i++) {
      const r = builder.block(state, { txs: i === 0 ? txs : [] });
      const mark = peer.received.length;
      peer.send({ cmd: 'headers', headers: [r.block.header] });
      const { m } = await peer.next('getdata', mark);
      expect(items(m)).toEqual([[MSG_CMPCT_BLOCK, hex(r.block.hash())]]);
      peer.send({ cmd: 'cmpctblock', ...makeCompact(r.block, BigInt(i + 1)) });
      await waitFor(() => victim.chain.tip.hashHex === r.block.hashHex(), `block ${i} connected`, LONG);
      await waitFor(() => victim.node.peers()[0]!.blocks_in_flight === 0, 'slot freed', LONG);
      await settle();
      // One request per block: the slot was freed, not timed out and asked again.
      expect(peer.getdatas(mark)).toEqual([[[MSG_CMPCT_BLOCK, hex(r.block.hash())]]]);
      state = r.state;
    }
    expect(victim.node.compact.stats.fromMempool).toBe(3);
    expect(victim.node.peers()[0]!.ban_score).toBe(0);
    expect(victim.mempool.size).toBe(0);
    peer.ws.close();
    await victim.stop();
  });

  const failures: Failure[] = ['collision', 'wrong blocktxn', 'getblocktxn unanswered'];
  it.each(failures)('a failed rebuild (%s) falls back to exactly one full-block getdata, unpunished; the next block is asked compact', async (failure) => {
    const txs = spends(base.state, 3);
    // The victim lacks the last two transactions unless the failure needs nothing fetched.
    const { victim, peer } = await victimWith(`fail-${failure.split(' ')[0]}`, failure === 'collision' ? txs : txs.slice(0, 4));
    const { block, state } = builder.block(base.state, { txs });
    const mark = peer.received.length;
    peer.send({ cmd: 'headers', headers: [block.header] });
    const first = await peer.next('getdata', mark);
    expect(items(first.m)).toEqual([[MSG_CMPCT_BLOCK, hex(block.hash())]]);
    const cb = makeCompact(block, 9n);
    if (failure === 'collision') {
      const ids = [...cb.shortIds];
      ids[1] = ids[0]!;
      peer.send({ cmd: 'cmpctblock', ...cb, shortIds: ids });
    } else {
      peer.send({ cmd: 'cmpctblock', ...cb });
      const req = await peer.next('getblocktxn', mark);
      expect(req.m.indexes).toEqual([5, 6]);
      // Right count, wrong transactions; or no answer at all.
      if (failure === 'wrong blocktxn') peer.send({ cmd: 'blocktxn', blockHash: block.hash(), txs: [block.txs[1]!, block.txs[2]!] });
    }
    const second = await peer.next('getdata', first.at + 1);
    expect(items(second.m)).toEqual([[MSG_WITNESS_BLOCK, hex(block.hash())]]);
    expect(victim.chain.getEntry(block.hash())!.failed).toBe(false);
    peer.send({ cmd: 'block', block });
    await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'block connected after the fallback', LONG);
    await settle(600); // longer than the getblocktxn deadline: a late timer must not ask again
    expect(peer.getdatas(mark)).toEqual([[[MSG_CMPCT_BLOCK, hex(block.hash())]], [[MSG_WITNESS_BLOCK, hex(block.hash())]]]);
    expect(victim.node.peers()[0]!.blocks_in_flight).toBe(0);
    expect(victim.node.peers()[0]!.ban_score).toBe(0);
    const kind = { collision: 'collision', 'wrong blocktxn': 'check', 'getblocktxn unanswered': 'timeout' } as const;
    expect(victim.node.compact.stats.fallbacks[kind[failure]]).toBe(1);

    // The failure was that block's alone: the next one is asked compact again.
    const next = builder.block(state);
    const mark2 = peer.received.length;
    peer.send({ cmd: 'headers', headers: [next.block.header] });
    expect(items((await peer.next('getdata', mark2)).m)).toEqual([[MSG_CMPCT_BLOCK, hex(next.block.hash())]]);
    peer.send({ cmd: 'cmpctblock', ...makeCompact(next.block, 10n) });
    await waitFor(() => victim.chain.tip.hashHex === next.block.hashHex(), 'next block connected', LONG);
    peer.ws.close();
    await victim.stop();
  });

  it('a block whose rebuild failed is never asked compact again, even of another peer that announces it', async () => {
    const txs = spends(base.state, 2);
    const { victim, peer: p1 } = await victimWith('again', txs);
    const p2 = await announcer(victim, true);
    const { block } = builder.block(base.state, { txs });
    const hash = hex(block.hash());
    const m1 = p1.received.length;
    p1.send({ cmd: 'headers', headers: [block.header] });
    const first = await p1.next('getdata', m1);
    expect(items(first.m)).toEqual([[MSG_CMPCT_BLOCK, hash]]);
    const cb = makeCompact(block, 3n);
    p1.send({ cmd: 'cmpctblock', ...cb, shortIds: [cb.shortIds[0]!, ...cb.shortIds.slice(0, -1)] });
    const second = await p1.next('getdata', first.at + 1);
    expect(items(second.m)).toEqual([[MSG_WITNESS_BLOCK, hash]]);
    // p2 announces the same block as its one new block; p1 then cannot serve it after all.
    const m2 = p2.received.length;
    p2.send({ cmd: 'headers', headers: [block.header] });
    await waitFor(() => victim.node.peers().some((p) => p.user_agent === '/announcer/' && p.height === base.state.height + 1 && p.blocks_in_flight === 0), "p2's announcement stored", LONG);
    p1.send({ cmd: 'notfound', items: [{ type: MSG_WITNESS_BLOCK, hash: block.hash() }] });
    const third = await p2.next('getdata', m2);
    expect(items(third.m)).toEqual([[MSG_WITNESS_BLOCK, hash]]);
    p2.send({ cmd: 'block', block });
    await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'block connected', LONG);
    await settle();
    expect([p1.getdatas(m1).length, p2.getdatas(m2).length]).toEqual([2, 1]);
    expect(victim.node.sync.requestStats).toEqual({ full: 2, compact: 1 });
    expect(victim.node.peers().map((p) => p.ban_score)).toEqual([0, 0]);
    for (const p of [p1, p2]) p.ws.close();
    await victim.stop();
  });

  it('a peer that never sent sendcmpct is asked for the full block', async () => {
    const { victim, peer } = await victimWith('nocmpct', [], { sendcmpct: false });
    const { block } = builder.block(base.state);
    const mark = peer.received.length;
    peer.send({ cmd: 'headers', headers: [block.header] });
    expect(items((await peer.next('getdata', mark)).m)).toEqual([[MSG_WITNESS_BLOCK, hex(block.hash())]]);
    peer.send({ cmd: 'block', block });
    await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'block connected', LONG);
    expect(victim.node.sync.requestStats).toEqual({ full: 1, compact: 0 });
    peer.ws.close();
    await victim.stop();
  });

  it('several new blocks at once (a sync) are asked for whole', async () => {
    const { victim, peer } = await victimWith('sync', []);
    const { blocks } = builder.chain(base.state, 3);
    const mark = peer.received.length;
    peer.send({ cmd: 'headers', headers: blocks.map((b) => b.header) });
    expect(items((await peer.next('getdata', mark)).m)).toEqual(blocks.map((b) => [MSG_WITNESS_BLOCK, hex(b.hash())]));
    for (const b of blocks) peer.send({ cmd: 'block', block: b });
    await waitFor(() => victim.chain.tip.hashHex === blocks[2]!.hashHex(), 'blocks connected', LONG);
    expect(victim.node.sync.requestStats).toEqual({ full: 3, compact: 0 });
    peer.ws.close();
    await victim.stop();
  });
});
