// Block connect is pipelined: while block N's signatures verify, N+1 is prepared against
// the cache plus N's unapplied effects. These tests hold the pipeline to what connecting
// one block at a time gives: the same events, the same coins and digest, and a block that
// fails on its signatures leaving no trace of itself or of the block prepared after it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, MuHash3072, VerifyPool, type BatchResult } from '../../src/chain/index.js';
import { coinDigestElement } from '../../src/chain/layout.js';
import { getParams } from '../../src/consensus/index.js';
import { Block, Tx, hashToHex } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState, type Utxo } from '../support/chainbuilder.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
let pool: VerifyPool;
const dirs: string[] = [];
const opened: Chain[] = [];

async function openChain(extra: Partial<Parameters<typeof Chain.open>[0]> = {}): Promise<Chain> {
  const path = mkdtempSync(join(tmpdir(), 'cairn-pipeline-'));
  dirs.push(path);
  const c = await Chain.open({ params, path, verifyPool: pool, ...extra });
  opened.push(c);
  return c;
}

/** MuHash over every coin on disk, independent of the chain's incremental bookkeeping. */
async function scratchDigest(chain: Chain): Promise<string> {
  await chain.flush();
  const m = new MuHash3072();
  for await (const { txid, vout, coin } of chain.db.coins()) m.insert(coinDigestElement({ txid, vout }, coin));
  return hashToHex(m.finalize());
}

/** Outputs the block that made `state` created (not its coinbase), to spend in the next block. */
function fresh(state: BranchState): Utxo[] {
  return builder.spendable(state).filter((u) => !u.coin.coinbase && u.coin.height === state.height);
}

/** A spend of `u` whose signature is broken in one bit. */
function badSpend(u: Utxo): Tx {
  const good = builder.spend([u]);
  const sig = new Uint8Array(good.inputs[0]!.witness[0]!);
  sig[10] ^= 1;
  return new Tx({ ...good, inputs: [{ ...good.inputs[0]!, witness: [sig] }] });
}

/** `n` blocks, each spending two mature coinbases and every output the block before created. */
function spends(state: BranchState, n: number): { blocks: Block[]; state: BranchState } {
  const blocks: Block[] = [];
  for (let i = 0; i < n; i++) {
    const old = builder.spendable(state).filter((u) => u.coin.coinbase).slice(0, 2);
    const txs = [...old, ...fresh(state)].map((u) => builder.spend([u], undefined, 500n));
    const r = builder.block(state, { txs });
    blocks.push(r.block);
    state = r.state;
  }
  return { blocks, state };
}

/** Every connect and tip event, as comparable text. */
function recordEvents(chain: Chain): string[] {
  const log: string[] = [];
  chain.on('connect', (e, b) => log.push(`connect ${e.height} ${e.hashHex} ${b.hashHex()}`));
  chain.on('disconnect', (e) => log.push(`disconnect ${e.height} ${e.hashHex}`));
  chain.on('tip', (c) => log.push(`tip ${c.tip.hashHex} from ${c.previous.hashHex} depth ${c.reorgDepth} connected ${c.connected}`));
  return log;
}

function errorCode(r: BatchResult | undefined): string | undefined {
  if (!r || r.ok) return undefined;
  return (r.error as { code?: string }).code;
}

let base: { blocks: Block[]; state: BranchState };

beforeAll(() => {
  pool = new VerifyPool({ threads: 2 });
  base = builder.chain(builder.genesis(), 105);
});

afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('chain: pipelined connect', () => {
  it('connects a batch with the same events, tip and digest as one block at a time', async () => {
    const run = spends(base.state, 8);
    const serial = await openChain();
    await serial.processBlocks(base.blocks);
    const serialEvents = recordEvents(serial);
    for (const b of run.blocks) await serial.processBlock(b);

    const batched = await openChain();
    await batched.processBlocks(base.blocks);
    const batchEvents = recordEvents(batched);
    const results = await batched.processBlocks(run.blocks);

    expect(results.map((r) => (r.ok ? r.result.status : 'error'))).toEqual(run.blocks.map(() => 'connected'));
    expect(batchEvents).toEqual(serialEvents);
    expect(batchEvents.filter((l) => l.startsWith('tip'))).toHaveLength(8);
    expect(batched.tip.hashHex).toBe(run.blocks[7]!.hashHex());
    expect(batched.utxoStats()).toEqual(serial.utxoStats());
    expect(await scratchDigest(batched)).toBe(batched.utxoStats().digest);
  });

  it('a bad signature in block N leaves the chain at N-1, N invalid, N+1 unapplied, and the digest of a chain that never saw N', async () => {
    const good = spends(base.state, 3); // heights 106-108
    const before = good.state; // N-1 = 108
    // N spends N-1's outputs, one of them with a broken signature; N+1 spends N's outputs.
    const nTxs = fresh(before).map((u, i) => (i === 1 ? badSpend(u) : builder.spend([u], undefined, 500n)));
    const n = builder.block(before, { txs: nTxs });
    const after = spends(n.state, 2);

    const chain = await openChain();
    await chain.processBlocks(base.blocks);
    const events = recordEvents(chain);
    const results = await chain.processBlocks([...good.blocks, n.block, ...after.blocks]);

    expect(results.slice(0, 3).every((r) => r.ok && r.result.status === 'connected')).toBe(true);
    expect(errorCode(results[3])).toBe('bad-schnorr-sig');
    expect(errorCode(results[4])).toBe('bad-prevblk');
    expect(errorCode(results[5])).toBe('bad-prevblk');
    expect(chain.height).toBe(108);
    expect(chain.tip.hashHex).toBe(good.blocks[2]!.hashHex());
    const nEntry = chain.getEntry(n.block.hash())!;
    expect(nEntry.failed).toBe(true);
    expect(chain.isActive(nEntry)).toBe(false);
    expect(chain.getEntry(after.blocks[0]!.hash())!.failed).toBe(true);
    // No connect event past N-1, and N+1's coins never reached the cache.
    expect(events.filter((l) => l.startsWith('connect')).map((l) => Number(l.split(' ')[1]))).toEqual([106, 107, 108]);
    const nPlus1Out = { txid: after.blocks[0]!.txs[1]!.txid(), vout: 0 };
    expect(await chain.getCoin(nPlus1Out)).toBeUndefined();
    const nOut = { txid: nTxs[0]!.txid(), vout: 0 };
    expect(await chain.getCoin(nOut)).toBeUndefined();
    // N-1's outputs, which N spent, are all still there.
    for (const u of fresh(before)) expect(await chain.getCoin(u.outpoint)).toBeDefined();

    const never = await openChain();
    await never.processBlocks([...base.blocks, ...good.blocks]);
    expect(chain.utxoStats()).toEqual(never.utxoStats());
    expect(await scratchDigest(chain)).toBe(never.utxoStats().digest);

    // The chain goes on from N-1 with a valid block at N's height.
    const replacement = spends(before, 1);
    const r = await chain.processBlock(replacement.blocks[0]!);
    expect(r.status).toBe('connected');
    expect(await scratchDigest(chain)).toBe(chain.utxoStats().digest);
  });

  it('connects N and refuses N+1 when N+1 spends a coin N already spent (the view includes N’s effects)', async () => {
    const good = spends(base.state, 2);
    const coin = fresh(good.state)[0]!;
    const n = builder.block(good.state, { txs: [builder.spend([coin], undefined, 500n)] });
    const again = builder.spend([coin], undefined, 700n); // the same coin, spent again
    const n1 = builder.block(n.state, { txs: [again] });

    const chain = await openChain();
    await chain.processBlocks(base.blocks);
    const results = await chain.processBlocks([...good.blocks, n.block, n1.block]);
    expect(results.slice(0, 3).every((r) => r.ok && r.result.status === 'connected')).toBe(true);
    expect(errorCode(results[3])).toBe('bad-txns-inputs-missingorspent');
    expect(chain.tip.hashHex).toBe(n.block.hashHex());
    expect(chain.getEntry(n1.block.hash())!.failed).toBe(true);
    expect(await scratchDigest(chain)).toBe(chain.utxoStats().digest);
  });

  it('flushes a tiny cache between blocks of a batch and keeps the digest exact', async () => {
    const run = spends(base.state, 6);
    const chain = await openChain({ cacheBytes: 2000, flushIntervalMs: 0 });
    const results = await chain.processBlocks([...base.blocks, ...run.blocks]);
    expect(results.every((r) => r.ok && r.result.status === 'connected')).toBe(true);
    expect(chain.height).toBe(111);
    const reference = await openChain();
    for (const b of [...base.blocks, ...run.blocks]) await reference.processBlock(b);
    expect(chain.utxoStats()).toEqual(reference.utxoStats());
    expect(await scratchDigest(chain)).toBe(chain.utxoStats().digest);
  });

  it('reports orphans, duplicates and refused blocks of a batch like processBlock does', async () => {
    const run = spends(base.state, 3);
    const chain = await openChain();
    await chain.processBlocks(base.blocks);
    // The third block first (an orphan), a duplicate of the first, then a corrupted copy.
    const mutated = Block.decode(run.blocks[1]!.encode());
    mutated.txs.reverse();
    const results = await chain.processBlocks([run.blocks[2]!, run.blocks[0]!, run.blocks[0]!, mutated, run.blocks[1]!]);
    expect(results[0]!.ok && results[0]!.result.status).toBe('orphan');
    expect(results[1]!.ok && results[1]!.result.status).toBe('connected');
    expect(results[2]!.ok && results[2]!.result.status).toBe('duplicate');
    expect(errorCode(results[3])).toBe('bad-txnmrklroot');
    expect(results[4]!.ok && results[4]!.result.status).toBe('connected');
    // The orphan was connected once its parent arrived.
    expect(chain.tip.hashHex).toBe(run.blocks[2]!.hashHex());
  });
});
