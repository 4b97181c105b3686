// Compact blocks between whole nodes (BIP152 in src/p2p/compact/): a block whose
// transactions are in every mempool crosses a 4-node line as cmpctblock with no full
// block sent; a block with transactions nobody had is completed with getblocktxn; and a
// scripted peer shows that a short-id collision or a wrong blocktxn answer falls back to
// fetching the full block without marking the block invalid or punishing the sender.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { MSG_WITNESS_BLOCK, type Message } from '../../src/p2p/messages/index.js';
import { makeCompact } from '../../src/p2p/compact/reconstruct.js';
import type { Block, Tx } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';
import { RawClient } from './rawclient.js';

const h = new Harness();
const builder = new ChainBuilder(params);
let base: { blocks: Block[]; state: BranchState };
/** generous: the machine is shared with other test suites */
const LONG = 60_000;

beforeAll(() => {
  base = builder.chain(builder.genesis(), 112);
});
afterAll(() => h.close());

const spends = (state: BranchState, n: number, skip = 0): Tx[] => builder.spendPairs(state, n, skip);

async function line(n: number, prefix: string, kind: 'mem' | 'ws' = 'mem'): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push(await h.node(`${prefix}${i}`, { kind, blocks: base.blocks, seeds: i > 0 ? [nodes[i - 1]!.url] : [], outboundTarget: i > 0 ? 1 : 0 }));
  }
  await waitFor(() => nodes.every((x, i) => x.node.peers().length === (i === 0 || i === n - 1 ? 1 : 2)), 'line connected', LONG);
  // sendcmpct crossed every link (it follows the handshake).
  await waitFor(() => nodes.every((x) => (x.node.traffic().messagesIn['sendcmpct'] ?? 0) >= x.node.peers().length), 'sendcmpct exchanged', LONG);
  return nodes;
}

it('a block whose transactions are in every mempool crosses a 4-node line as cmpctblock, no full block sent', async () => {
  const nodes = await line(4, 'cl');
  const txs = spends(base.state, 6);
  // Accepted at one end; tx relay carries them to every mempool.
  for (const t of txs) await nodes[0]!.mempool.accept(t);
  await waitFor(() => nodes.every((n) => txs.every((t) => n.mempool.has(t.txid()))), 'txs in every mempool', LONG);
  const before = nodes.map((n) => n.node.traffic());
  const { block } = builder.block(base.state, { txs });
  await nodes[0]!.chain.processBlock(block);
  await waitFor(() => nodes.every((n) => n.chain.tip.hashHex === block.hashHex()), 'block on every node', LONG);
  const after = nodes.map((n) => n.node.traffic());
  const sent = (i: number, cmd: string): number => (after[i]!.messagesOut[cmd] ?? 0) - (before[i]!.messagesOut[cmd] ?? 0);
  for (let i = 0; i < 4; i++) {
    expect([i, sent(i, 'block'), sent(i, 'getblocktxn'), sent(i, 'getdata')]).toEqual([i, 0, 0, 0]);
  }
  expect([0, 1, 2].map((i) => sent(i, 'cmpctblock'))).toEqual([1, 1, 1]);
  expect(nodes.slice(1).map((n) => n.node.compact.stats.fromMempool)).toEqual([1, 1, 1]);
  // Bytes per hop: a small share of the block.
  const bytes = (after[0]!.bytesOut['cmpctblock'] ?? 0) - (before[0]!.bytesOut['cmpctblock'] ?? 0);
  expect(bytes).toBeLessThan(block.size / 2);
  expect(bytes).toBeGreaterThan(0);
  for (const n of nodes) expect(n.mempool.size).toBe(0);
  for (const n of nodes) await n.stop();
});

it('transactions no mempool had are fetched with getblocktxn, and only those', async () => {
  const nodes = await line(3, 'gt');
  const known = spends(base.state, 3);
  const unknown = spends(base.state, 2, 3);
  for (const t of known) await nodes[0]!.mempool.accept(t);
  await waitFor(() => nodes.every((n) => known.every((t) => n.mempool.has(t.txid()))), 'known txs everywhere', LONG);
  const { block } = builder.block(base.state, { txs: [...known, ...unknown] });
  await nodes[0]!.chain.processBlock(block);
  await waitFor(() => nodes.every((n) => n.chain.tip.hashHex === block.hashHex()), 'block on every node', LONG);
  for (const n of nodes.slice(1)) {
    expect(n.node.compact.stats.afterBlocktxn).toBe(1);
    expect(n.node.compact.stats.txsRequested).toBe(unknown.length);
    expect(n.node.traffic().messagesIn['block'] ?? 0).toBe(0);
  }
  for (const n of nodes) await n.stop();
});

/** A hand-driven peer (plaintext test nodes) that can also wait for a message and serve the fallback. */
class ScriptedClient extends RawClient {
  constructor(url: string, listenUrl: string) {
    super(url, { userAgent: '/scripted/', bestHeight: base.state.height, nonce: 424242n, listenUrl, handshakeDone: ['sendcmpct'], waitMs: LONG });
  }

  /** Waits for the next message of `cmd` after `from` (an index into received). */
  async next<K extends Message['cmd']>(cmd: K, from: number): Promise<Extract<Message, { cmd: K }>> {
    let found: Message | undefined;
    await waitFor(() => (found = this.received.slice(from).find((m) => m.cmd === cmd)) !== undefined, cmd, LONG);
    return found as Extract<Message, { cmd: K }>;
  }

  /** Answers the fallback: the block for the node's getdata of the full block. */
  async serveFallback(block: Block, from: number): Promise<void> {
    const gd = await this.next('getdata', from);
    expect(gd.items.map((i) => [i.type, Buffer.from(i.hash).toString('hex')])).toEqual([[MSG_WITNESS_BLOCK, Buffer.from(block.hash()).toString('hex')]]);
    this.send({ cmd: 'block', block });
  }
}

let port = 40_000;
async function victimWithClient(name: string, txs: readonly Tx[]): Promise<{ victim: TestNode; client: ScriptedClient }> {
  const victim = await h.node(name, { kind: 'ws', blocks: base.blocks, outboundTarget: 0 });
  for (const t of txs) await victim.mempool.accept(t);
  const client = new ScriptedClient(victim.url, `ws://127.0.0.1:${port++}`);
  await client.handshake();
  return { victim, client };
}

it('a short-id collision falls back to the full block, which connects; the sender is not punished', async () => {
  const txs = spends(base.state, 3);
  const { victim, client } = await victimWithClient('coll', txs);
  const { block } = builder.block(base.state, { txs });
  const cb = makeCompact(block, 77n);
  const ids = [...cb.shortIds];
  ids[1] = ids[0]!;
  const mark = client.received.length;
  client.send({ cmd: 'cmpctblock', ...cb, shortIds: ids });
  await client.serveFallback(block, mark);
  await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'block connected after fallback', LONG);
  expect(victim.node.compact.stats.fallbacks.collision).toBe(1);
  expect(victim.node.peers().map((p) => p.ban_score)).toEqual([0]);
  expect(client.closed).toBeUndefined();
  client.ws.close();
  await victim.stop();
});

it('a wrong blocktxn answer fails the merkle check: full block fetched, block never marked invalid', async () => {
  const txs = spends(base.state, 3);
  const { victim, client } = await victimWithClient('wrong', txs.slice(0, 4));
  const { block } = builder.block(base.state, { txs });
  const mark = client.received.length;
  client.send({ cmd: 'cmpctblock', ...makeCompact(block, 5n) });
  const req = await client.next('getblocktxn', mark);
  expect(req.indexes).toEqual([5, 6]);
  // Right count, wrong transactions (the first two of the block instead).
  client.send({ cmd: 'blocktxn', blockHash: block.hash(), txs: [block.txs[1]!, block.txs[2]!] });
  await waitFor(() => victim.node.compact.stats.fallbacks.check === 1, 'check failure', LONG);
  expect(victim.chain.getEntry(block.hash())!.failed).toBe(false);
  await client.serveFallback(block, mark);
  await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'block connected after fallback', LONG);
  expect(victim.node.peers().map((p) => p.ban_score)).toEqual([0]);
  client.ws.close();
  await victim.stop();
});

it('a getblocktxn beyond the block costs the asker 100 (Core\'s score)', async () => {
  const { victim, client } = await victimWithClient('oob', []);
  const { block } = builder.block(base.state);
  await victim.chain.processBlock(block);
  client.send({ cmd: 'getblocktxn', blockHash: block.hash(), indexes: [0, block.txs.length] });
  await waitFor(() => client.closed !== undefined, 'asker disconnected', LONG);
  await victim.stop();
});

it("a block announced by cmpctblock whose parent we skipped (a tie lost) is fetched from its announcer, not waited for", async () => {
  // a and b mine competing blocks at once: each keeps its own (first seen) and stores the
  // other's header from its cmpctblock. b then mines on its own block: a can rebuild that
  // child but lacks its parent, which only b has. b announced both by cmpctblock only (no
  // headers message), so a must learn from the announcements that b holds them, as Core's
  // UpdateBlockAvailability does; before, a stayed behind until some headers message came.
  const [a, b] = await line(2, 'tie');
  const mineA = builder.block(base.state, { time: base.state.time + 1 });
  const mineB = builder.block(base.state, { time: base.state.time + 2 });
  await Promise.all([a!.chain.processBlock(mineA.block), b!.chain.processBlock(mineB.block)]);
  await waitFor(() => a!.chain.getEntry(mineB.block.hash()) !== undefined && b!.chain.getEntry(mineA.block.hash()) !== undefined, 'each has the other header', LONG);
  expect(a!.chain.tip.hashHex).toBe(mineA.block.hashHex());
  expect(b!.chain.tip.hashHex).toBe(mineB.block.hashHex());
  const child = builder.block(mineB.state);
  await b!.chain.processBlock(child.block);
  await waitFor(() => a!.chain.tip.hashHex === child.block.hashHex(), "a on b's longer branch", LONG);
  for (const n of [a!, b!]) await n.stop();
});
