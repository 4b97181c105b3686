// Headers-first sync between whole in-process nodes, over the in-memory network and over
// real WebSockets on 127.0.0.1: a fresh node catches up 500 blocks (with spends), ends
// with the same UTXO digest, reports progress, and resumes after a restart mid-sync.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Block } from '../../src/primitives/index.js';
import type { SyncState } from '../../src/sync/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { Harness, params, waitFor } from '../p2p/netnode.js';

const h = new Harness();
// Syncing 500 blocks (~800 signatures) takes 5-8 s alone but several times that while
// other suites load the shared 2-core machine: the waits below are generous on purpose.
const SYNC_MS = 150_000;
const TEST_MS = 300_000;
const builder = new ChainBuilder(params);
let blocks: Block[];

beforeAll(() => {
  // 500 blocks; from height 101 on each block spends two mature coinbase outputs.
  let s = builder.genesis();
  blocks = [];
  for (let i = 0; i < 500; i++) {
    const txs = s.height >= 101 ? builder.spendable(s).slice(0, 2).map((u) => builder.spend([u])) : [];
    const r = builder.block(s, { txs });
    blocks.push(r.block);
    s = r.state;
  }
});

afterAll(() => h.close());

describe.each(['mem', 'ws'] as const)('two nodes over %s', (kind) => {
  it('a fresh node syncs 500 blocks from genesis to the same UTXO set', async () => {
    const a = await h.node(`a-${kind}`, { kind, blocks });
    expect(a.chain.height).toBe(500);
    const b = await h.node(`b-${kind}`, { kind, seeds: [a.url] });
    const seen: SyncState[] = [];
    b.node.on('sync-progress', (s) => seen.push(s));
    await waitFor(() => b.chain.height === 500, 'b to reach 500', SYNC_MS);
    expect(b.chain.tip.hashHex).toBe(a.chain.tip.hashHex);
    expect((await b.chain.utxoStats())).toEqual((await a.chain.utxoStats()));
    await waitFor(() => b.node.syncState().state === 'synced', 'synced state');
    expect(b.node.syncState()).toMatchObject({ headers_height: 500, blocks_height: 500, progress: 1, eta_seconds: 0 });
    // Progress was reported on the way, growing, with the headers ahead of the blocks.
    expect(seen.some((s) => s.state === 'blocks' && s.headers_height === 500 && s.blocks_height < 500)).toBe(true);
    const heights = seen.map((s) => s.blocks_height);
    expect(heights).toEqual([...heights].sort((x, y) => x - y));
    const [pa] = b.node.peers();
    expect(pa).toMatchObject({ direction: 'outbound', addr: a.url, version: 1, user_agent: `/cairn-test:a-${kind}/`, height: 500, ban_score: 0 });
    expect(pa!.bytes_in).toBeGreaterThan(blocks.reduce((n, x) => n + x.size, 0));
    expect(a.node.peers()[0]).toMatchObject({ direction: 'inbound', listen_url: b.url });
    expect(b.node.traffic().bytesIn.block).toBeGreaterThan(0);
    await b.stop();
    await a.stop();
  }, TEST_MS);
});

it('a node stopped mid-sync resumes from where it was on the same datadir', async () => {
  const a = await h.node('src', { blocks });
  const dir = h.tempDir();
  const b1 = await h.node('restart-1', { dir, seeds: [a.url] });
  await waitFor(() => b1.chain.height >= 120, 'partial sync', SYNC_MS);
  await b1.stop();
  const b2 = await h.node('restart-2', { dir, seeds: [] });
  const resumedAt = b2.chain.height;
  expect(resumedAt).toBeGreaterThanOrEqual(120);
  expect(resumedAt).toBeLessThan(500);
  // The address manager kept the source: no seed is given this time.
  expect(b2.node.addrman.get(a.url)?.tried).toBe(true);
  await waitFor(() => b2.chain.height === 500, 'resume to 500', SYNC_MS);
  expect((await b2.chain.utxoStats()).digest).toBe((await a.chain.utxoStats()).digest);
  await b2.stop();
  await a.stop();
}, TEST_MS);

it('downloads from several peers at once', async () => {
  const srcs = [];
  for (let i = 0; i < 3; i++) srcs.push(await h.node(`multi-src-${i}`, { kind: 'mem', blocks }));
  const b = await h.node('multi-dst', { kind: 'mem', seeds: srcs.map((s) => s.url), sync: { maxInFlightPerPeer: 4 } });
  await waitFor(() => b.chain.height === 500, 'multi-peer sync', SYNC_MS);
  expect((await b.chain.utxoStats()).digest).toBe((await srcs[0]!.chain.utxoStats()).digest);
  const served = b.node.peers().map((p) => p.bytes_in);
  // Every source served a share of the blocks.
  expect(served.filter((n) => n > 100_000)).toHaveLength(3);
  await b.stop();
  for (const s of srcs) await s.stop();
}, TEST_MS);
