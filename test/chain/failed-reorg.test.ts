// Issue #14, defect 1: a reorg that fails part-way must leave the node on the best valid
// chain (first seen among equal work), with the UTXO set of a node that never saw the
// invalid branch, and a valid block on that chain must then be accepted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import type { Block } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState, type Utxo } from '../support/chainbuilder.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
let pool: VerifyPool;
const dirs: string[] = [];
const open: Chain[] = [];

async function openChain(extra: Partial<Parameters<typeof Chain.open>[0]> = {}): Promise<Chain> {
  const path = mkdtempSync(join(tmpdir(), 'cairn-failed-reorg-'));
  dirs.push(path);
  const c = await Chain.open({ params, path, verifyPool: pool, ...extra });
  open.push(c);
  return c;
}

async function feed(chain: Chain, blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) await chain.processBlock(b);
}

/** The status, or the error code, of submitting one block. */
async function submit(chain: Chain, b: Block): Promise<string> {
  return chain.processBlock(b).then(
    (r) => r.status,
    (e: { code?: string }) => e.code ?? String(e),
  );
}

// Common chain: 102 blocks, then P (103) spends the coinbase of block 1 (coin Z).
let common: Block[];
let P: BranchState;
let Z: Utxo;
let X: Utxo;

beforeAll(() => {
  pool = new VerifyPool({ threads: 1 });
  const first = builder.chain(builder.genesis(), 102);
  const spendable = builder.spendable(first.state);
  Z = spendable[0]!;
  X = spendable[1]!;
  const p = builder.block(first.state, { txs: [builder.spend([Z])] });
  common = [...first.blocks, p.block];
  P = p.state;
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('failed reorg (issue #14, defect 1)', () => {
  it.each([
    ['a large coin cache', {}],
    ['a tiny coin cache flushed after every block', { cacheBytes: 1, flushIntervalMs: 0 }],
  ])('returns to the first-seen tip and its exact UTXO set, then accepts a valid block on it (%s)', async (_name, extra) => {
    const chain = await openChain(extra);
    await feed(chain, common);
    const T = builder.block(P); // tip T at height 104
    const T1 = builder.block(P, { txs: [builder.spend([X])], time: P.time + 5 }); // T': spends X
    const bad = builder.block(T1.state, { txs: [builder.spend([Z], undefined, 3000n)] }); // re-spends Z
    expect(await submit(chain, T.block)).toBe('connected');
    expect(await submit(chain, T1.block)).toBe('accepted');
    expect(chain.tip.hashHex).toBe(T.block.hashHex());
    const events: string[] = [];
    chain.on('disconnect', (e) => events.push(`-${e.hashHex}`));
    chain.on('connect', (e) => events.push(`+${e.hashHex}`));
    chain.on('tip', (c) => events.push(`tip ${c.previous.hashHex}->${c.tip.hashHex} depth ${c.reorgDepth} -${c.disconnected} +${c.connected}`));
    // T' + child has more work, so it is tried; the child fails on the spent coin Z.
    const r = await submit(chain, bad.block);
    expect(r).toBe('bad-txns-inputs-missingorspent');
    expect(chain.getEntry(bad.block.hash())?.failed).toBe(true);
    expect(chain.getEntry(T1.block.hash())?.failed).toBe(false);
    // First seen wins the tie between T and T'.
    expect(chain.tip.hashHex).toBe(T.block.hashHex());
    // Listeners (mempool, indexes, websocket) see every step, and one tip event at the end.
    const [t, t1] = [T.block.hashHex(), T1.block.hashHex()];
    expect(events).toEqual([`-${t}`, `+${t1}`, `-${t1}`, `+${t}`, `tip ${t}->${t} depth 0 -2 +2`]);
    // The UTXO set is exactly that of a node that never saw T' or its child.
    const reference = await openChain();
    await feed(reference, [...common, T.block]);
    expect((await chain.utxoStats())).toEqual((await reference.utxoStats()));
    expect(await chain.getCoin(X.outpoint)).toEqual(X.coin);
    // A valid block on T spending X (which T' spent) is accepted and becomes the tip.
    const T2 = builder.block(T.state, { txs: [builder.spend([X], undefined, 2000n)] });
    expect(await submit(chain, T2.block)).toBe('connected');
    await feed(reference, [T2.block]);
    expect((await chain.utxoStats())).toEqual((await reference.utxoStats()));
  });

  it('keeps the first-seen tip after restarting, when a failed reorg happened before', async () => {
    const path = mkdtempSync(join(tmpdir(), 'cairn-failed-reorg-'));
    dirs.push(path);
    let chain = await Chain.open({ params, path, verifyPool: pool });
    open.push(chain);
    await feed(chain, common);
    const T = builder.block(P);
    const T1 = builder.block(P, { txs: [builder.spend([X])], time: P.time + 5 });
    const bad = builder.block(T1.state, { txs: [builder.spend([Z], undefined, 3000n)] });
    await feed(chain, [T.block, T1.block]);
    expect(await submit(chain, bad.block)).toBe('bad-txns-inputs-missingorspent');
    const stats = (await chain.utxoStats());
    await chain.close();
    open.splice(open.indexOf(chain), 1);
    chain = await Chain.open({ params, path, verifyPool: pool });
    open.push(chain);
    expect(chain.tip.hashHex).toBe(T.block.hashHex());
    expect((await chain.utxoStats())).toEqual(stats);
  });

  it('counts a block as seen when it could first be connected (its ancestors all have data), as Core does', async () => {
    const chain = await openChain();
    await feed(chain, common);
    const A = builder.chain(P, 2);
    const B = builder.chain({ ...P, time: P.time + 3 }, 2);
    await chain.processHeaders([...A.blocks, ...B.blocks].map((b) => b.header));
    // A2's data comes first, but A1's is missing, so A2 cannot be connected yet.
    expect(await submit(chain, A.blocks[1]!)).toBe('accepted');
    expect(await submit(chain, B.blocks[1]!)).toBe('accepted');
    expect(chain.tip.hashHex).toBe(common[common.length - 1]!.hashHex());
    expect(await submit(chain, B.blocks[0]!)).toBe('connected'); // and B2 after it
    expect(chain.tip.hashHex).toBe(B.blocks[1]!.hashHex());
    // A's branch becomes connectable later: equal work, seen later, so B stays.
    expect(await submit(chain, A.blocks[0]!)).toBe('accepted');
    expect(chain.tip.hashHex).toBe(B.blocks[1]!.hashHex());
    expect(chain.getTips().find((t) => t.hash === A.blocks[1]!.hashHex())?.status).toBe('valid-headers');
  });
});
