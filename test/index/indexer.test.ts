import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { Indexer } from '../../src/index/index.js';
import { type Block, hashToHex, p2trScript } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const other = p2trScript(new Uint8Array(32).fill(7));
let pool: VerifyPool;
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-index-'));
  dirs.push(d);
  return d;
}

// 101 blocks to the builder's key, then one block paying 1 coin to `other` (tx A), then
// one where `other`'s coin is spent back (tx B).
let base: Block[];
let afterBase: BranchState;
let txA: string;
let txB: string;

beforeAll(() => {
  pool = new VerifyPool({ threads: 1 });
  const first = builder.chain(builder.genesis(), 101);
  const coin = builder.spendable(first.state)[0]!;
  const a = builder.spend([coin], [
    { value: 100_000_000n, script: other },
    { value: coin.coin.value - 100_000_000n - 1000n, script: builder.script },
  ]);
  const r1 = builder.block(first.state, { txs: [a] });
  txA = a.txidHex();
  // `other` has no key we know; spend builder's change instead and check the change's spend.
  const change = r1.state.utxos.get([...r1.state.utxos.keys()].find((k) => k.startsWith(Buffer.from(a.txid()).toString('hex')) && k.endsWith(':1'))!)!;
  const b = builder.spend([change]);
  const r2 = builder.block(r1.state, { txs: [b] });
  txB = b.txidHex();
  base = [...first.blocks, r1.block, r2.block];
  afterBase = r2.state;
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function feed(chain: Chain, blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) await chain.processBlock(b);
}

describe('Indexer', () => {
  it('indexes txs, outputs, spenders and address history, then follows a reorg and a restart', async () => {
    const dir = tempDir();
    const chain = await Chain.open({ params, path: join(dir, 'chain'), verifyPool: pool });
    let ix = await Indexer.open({ chain, path: join(dir, 'indexes'), batchBlocks: 7 });
    await feed(chain, base);
    await ix.idle();
    expect(ix.tip.height).toBe(103);
    expect(ix.tip.hash).toBe(chain.tip.hashHex);

    const locA = await ix.getTx(Buffer.from(txA, 'hex').reverse());
    expect(locA).toMatchObject({ height: 102, pos: 1 });
    expect(hashToHex(locA!.blockHash)).toBe(chain.getEntryAt(102)!.hashHex);

    const stats = await ix.addressStats(other);
    expect(stats).toEqual({ funded_txo_count: 1, funded_txo_sum: 100_000_000n, spent_txo_count: 0, spent_txo_sum: 0n, tx_count: 1 });
    const mine = await ix.addressStats(builder.script);
    // 101 coinbases + A's change + B's two outputs + coinbases 102,103; spent: coin of A, change
    expect(mine.funded_txo_count).toBe(103 + 1 + 2);
    expect(mine.spent_txo_count).toBe(2);
    const hist = await ix.addressHistory(builder.script, 3);
    expect(hist.map((h) => hashToHex(h.txid))[0]).toBe(txB);
    expect(hashToHex(hist[2]!.txid)).toBe(txA);
    expect(hist.map((h) => h.height)).toEqual([103, 103, 102]);
    const page2 = await ix.addressHistory(builder.script, 2, hist[2]!);
    expect(page2[0]!.height).toBe(102);
    expect(page2[0]!.pos).toBe(0);

    const spender = await ix.getSpender({ txid: Buffer.from(txA, 'hex').reverse(), vout: 1 });
    expect(hashToHex(spender!.txid)).toBe(txB);

    // A longer branch from height 101 without A or B: both must vanish from the indexes.
    const fork = builder.chain({ ...stateAt(101) }, 4);
    const events: string[] = [];
    ix.on('disconnect', (b) => events.push(`-${b.height}`));
    ix.on('connect', (b) => events.push(`+${b.height}`));
    await feed(chain, fork.blocks);
    await ix.idle();
    expect(chain.height).toBe(105);
    expect(ix.tip.hash).toBe(chain.tip.hashHex);
    expect(events.slice(0, 2)).toEqual(['-103', '-102']);
    expect(events.filter((e) => e.startsWith('+'))).toEqual(['+102', '+103', '+104', '+105']);
    expect(await ix.getTx(Buffer.from(txA, 'hex').reverse())).toBeUndefined();
    expect(await ix.addressStats(other)).toMatchObject({ funded_txo_count: 0, tx_count: 0 });
    expect((await ix.addressStats(builder.script)).spent_txo_count).toBe(0);
    expect(await ix.getSpender({ txid: Buffer.from(txA, 'hex').reverse(), vout: 1 })).toBeUndefined();

    // Close the index only, let the chain move back to the original branch (made longer),
    // then reopen: the index must rewind and catch up on its own.
    await ix.close();
    const back = builder.chain(afterBase, 3);
    await feed(chain, back.blocks);
    expect(chain.height).toBe(106);
    ix = await Indexer.open({ chain, path: join(dir, 'indexes') });
    expect(ix.tip.hash).toBe(chain.tip.hashHex);
    expect(await ix.addressStats(other)).toMatchObject({ funded_txo_count: 1, tx_count: 1 });
    expect((await ix.getTx(Buffer.from(txB, 'hex').reverse()))?.height).toBe(103);
    await ix.close();
    await chain.close();
  });

  it('refuses an index made for another network', async () => {
    const dir = tempDir();
    const chain = await Chain.open({ params, path: join(dir, 'chain'), verifyPool: pool });
    const ix = await Indexer.open({ chain, path: join(dir, 'indexes') });
    await ix.close();
    await chain.close();
    const devnet = getParams('devnet');
    const chain2 = await Chain.open({ params: devnet, path: join(dir, 'chain2'), verifyPool: pool });
    await expect(Indexer.open({ chain: chain2, path: join(dir, 'indexes') })).rejects.toMatchObject({ code: 'db-foreign' });
    await chain2.close();
  });
});

function stateAt(height: number): Pick<BranchState, 'hash' | 'height' | 'time' | 'utxos'> {
  const b = base[height - 1]!;
  return { hash: b.hash(), height, time: b.header.time, utxos: new Map() };
}
