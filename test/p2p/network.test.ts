// Multi-node behaviour over real WebSockets on 127.0.0.1: a 5-node line converges after
// each node mines; a partition into two halves that both mine heals onto the most-work
// chain with identical UTXO digests and the losing side's transaction back in mempools;
// a node given one seed finds the others through address gossip.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Block } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';
import { Harness, params, sameTip, waitFor, type TestNode } from './netnode.js';

const h = new Harness();
const builder = new ChainBuilder(params);
let base: { blocks: Block[]; state: BranchState };

beforeAll(() => {
  base = builder.chain(builder.genesis(), 105);
});
afterAll(() => h.close());

/** Node i dials node i-1 only: a line. */
async function line(n: number, prefix: string): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push(await h.node(`${prefix}${i}`, { blocks: base.blocks, seeds: i > 0 ? [nodes[i - 1]!.url] : [], outboundTarget: i > 0 ? 1 : 0 }));
  }
  await waitFor(() => nodes.every((x, i) => x.node.peers().length === (i === 0 || i === n - 1 ? 1 : 2)), 'line connected');
  return nodes;
}

/** Builds a block on a node's current tip paying the test key (a stand-in for mining). */
function mineOn(states: Map<string, BranchState>, node: TestNode, txs: NonNullable<Parameters<ChainBuilder['block']>[1]>['txs'] = []): Block {
  const parent = states.get(node.chain.tip.hashHex);
  if (!parent) throw new Error('unknown parent state');
  const r = builder.block(parent, { txs: txs ?? [] });
  states.set(r.block.hashHex(), r.state);
  return r.block;
}

it('a 5-node line converges after each node mines a block', async () => {
  const nodes = await line(5, 'line');
  const states = new Map([[nodes[0]!.chain.tip.hashHex, base.state]]);
  for (const n of nodes) {
    const b = mineOn(states, n);
    await n.chain.processBlock(b);
    await waitFor(() => nodes.every((x) => x.chain.tip.hashHex === b.hashHex()), `block of ${n.name} everywhere`);
  }
  expect(nodes.map((x) => x.chain.height)).toEqual([110, 110, 110, 110, 110]);
  const digest = (await nodes[0]!.chain.utxoStats()).digest;
  expect((await Promise.all(nodes.map((x) => x.chain.utxoStats()))).every((s) => s.digest === digest)).toBe(true);
  // Blocks travelled hop by hop: the ends never connected to each other.
  expect(nodes[0]!.node.peers().map((p) => p.listen_url)).toEqual([nodes[1]!.url]);
  for (const n of nodes) await n.stop();
});

it('a partition 2|3 where both sides mine heals onto the most-work chain', async () => {
  const nodes = await line(5, 'part');
  const left = nodes.slice(0, 2);
  const right = nodes.slice(2);
  const states = new Map([[nodes[0]!.chain.tip.hashHex, base.state]]);
  // Each half refuses the other half (as the devnet's admin endpoint does), so address
  // gossip cannot route around the cut either.
  for (const n of left) n.node.setPartition(right.map((r) => r.url));
  for (const n of right) n.node.setPartition(left.map((l) => l.url));
  await waitFor(() => nodes[1]!.node.peers().length === 1 && nodes[2]!.node.peers().length === 1, 'link cut');

  // Left: a transaction relayed to its neighbour, then two blocks, the first confirming it.
  const tx = builder.spend([builder.spendable(base.state)[0]!]);
  await left[0]!.mempool.accept(tx);
  await waitFor(() => left[1]!.mempool.has(tx.txid()), 'tx relayed on the left');
  await left[0]!.chain.processBlock(mineOn(states, left[0]!, [tx]));
  await left[1]!.chain.processBlock(await waitForTipThenMine(left, states));
  await waitFor(() => sameTip(left) && left[0]!.chain.height === 107, 'left at 107');
  expect(left[0]!.mempool.has(tx.txid())).toBe(false);

  // Right: three blocks, more work.
  for (const n of right) {
    await n.chain.processBlock(mineOn(states, n));
    await waitFor(() => sameTip(right), 'right agrees');
  }
  expect(right[0]!.chain.height).toBe(108);
  // Nothing crossed the partition.
  expect(right.every((n) => !n.mempool.has(tx.txid()))).toBe(true);

  for (const n of nodes) n.node.heal();
  await waitFor(() => sameTip(nodes) && nodes[0]!.chain.height === 108, 'everyone on the right chain', 30_000);
  const digest = (await nodes[4]!.chain.utxoStats()).digest;
  expect((await Promise.all(nodes.map((n) => n.chain.utxoStats()))).map((s) => s.digest)).toEqual(nodes.map(() => digest));
  // The losing side's transaction went back to its mempools, and from there everywhere.
  await waitFor(() => nodes.every((n) => n.mempool.has(tx.txid())), 'tx back in every mempool');
  for (const n of nodes) await n.stop();
});

async function waitForTipThenMine(left: TestNode[], states: Map<string, BranchState>): Promise<Block> {
  await waitFor(() => sameTip(left), 'left agrees');
  return mineOn(states, left[1]!);
}

it('a node given one seed finds the others through address gossip, and again after a restart', async () => {
  const seed = await h.node('seed', { blocks: base.blocks });
  const others: TestNode[] = [];
  for (let i = 0; i < 3; i++) others.push(await h.node(`member${i}`, { seeds: [seed.url] }));
  const dir = h.tempDir();
  const fresh = await h.node('newcomer', { dir, seeds: [seed.url] });
  const want = new Set([seed.url, ...others.map((o) => o.url)]);
  const linked = (n: TestNode): Set<string> => new Set(n.node.peers().map((p) => (p.direction === 'outbound' ? p.addr : p.listen_url ?? '')));
  await waitFor(() => [...want].every((u) => linked(fresh).has(u)), 'newcomer connected to all');
  await waitFor(() => fresh.chain.height === 105, 'newcomer synced', 60_000);
  await fresh.stop();
  // Restarted without any seed, it reconnects from the addresses it saved.
  const again = await h.node('newcomer-2', { dir, seeds: [] });
  await waitFor(() => [...want].every((u) => linked(again).has(u)), 'reconnected after restart');
  await again.stop();
  for (const o of others) await o.stop();
  await seed.stop();
});
