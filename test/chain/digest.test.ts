// The UTXO digest defers the MuHash insertion of new coins and drops it when a coin is
// spent while still pending. These tests check the digest against one computed from
// scratch over the coins on disk, with blocks that spend the previous block's outputs
// (the cancelling path), a reorg while insertions are pending, a rejected block, and
// restarts, one with pending insertions stored by the flush and removed by a reorg after it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { Chain, MuHash3072, VerifyPool } from '../../src/chain/index.js';
import { K_STATS, coinDigestElement } from '../../src/chain/layout.js';
import { UtxoStatistics } from '../../src/chain/utxo-stats.js';
import { getParams } from '../../src/consensus/index.js';
import { Block, Tx, hashToHex } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState, type Utxo } from '../support/chainbuilder.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
let pool: VerifyPool;
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-digest-'));
  dirs.push(d);
  return d;
}

/** MuHash over every coin on disk, independent of the chain's incremental bookkeeping. */
async function scratchDigest(chain: Chain): Promise<string> {
  await chain.flush();
  const m = new MuHash3072();
  for await (const { txid, vout, coin } of chain.db.coins()) m.insert(coinDigestElement({ txid, vout }, coin));
  return hashToHex(m.finalize());
}

/** The stored UTXO statistics record of the closed chain at `path`. */
async function storedStats(path: string): Promise<Uint8Array | undefined> {
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    return await db.get(K_STATS);
  } finally {
    await db.close();
  }
}

/** `n` blocks on `state`, each spending two old coins and every output the block before created. */
function recentSpends(state: BranchState, n: number, oldOffset: number): { blocks: Block[]; state: BranchState } {
  const blocks: Block[] = [];
  let prevTxs: Tx[] = [];
  for (let i = 0; i < n; i++) {
    const recent: Utxo[] = prevTxs.flatMap((tx) =>
      tx.outputs.map((o, vout) => ({ outpoint: { txid: tx.txid(), vout }, coin: { value: o.value, script: o.script, height: state.height, coinbase: false } })),
    );
    const old = builder.spendable(state).filter((u) => u.coin.coinbase).slice(oldOffset, oldOffset + 2);
    const txs = [...old, ...recent].map((u) => builder.spend([u], undefined, 500n));
    const r = builder.block(state, { txs });
    blocks.push(r.block);
    state = r.state;
    prevTxs = txs;
  }
  return { blocks, state };
}

let base: { blocks: Block[]; state: BranchState };

/** The digest of a new node given base's first 105 blocks and then `blocks`. */
async function freshNodeDigest(blocks: Block[]): Promise<string> {
  const fresh = await Chain.open({ params, path: tempDir(), verifyPool: pool });
  for (const b of [...base.blocks.slice(0, 105), ...blocks]) await fresh.processBlock(b);
  const digest = (await fresh.utxoStats()).digest;
  await fresh.close();
  return digest;
}

beforeAll(() => {
  pool = new VerifyPool({ threads: 2 });
  base = builder.chain(builder.genesis(), 105);
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('chain: UTXO digest with deferred insertions', () => {
  it('matches a from-scratch digest after blocks that spend the previous block’s outputs, a reorg, a rejected block and a restart', async () => {
    const path = tempDir();
    const chain = await Chain.open({ params, path, verifyPool: pool });
    const main = recentSpends(base.state, 6, 0);
    for (const b of [...base.blocks, ...main.blocks]) await chain.processBlock(b);
    expect(chain.height).toBe(111);

    // A heavier branch from height 105: blocks 106-111 (whose coins are still pending) go.
    const fork108 = recentSpends(base.state, 3, 0);
    const branch = recentSpends(fork108.state, 5, 0);
    for (const b of [...fork108.blocks, ...branch.blocks]) await chain.processBlock(b);
    expect(chain.tip.hashHex).toBe(branch.blocks[4]!.hashHex());
    expect(chain.height).toBe(113);

    // A block spending the tip's fresh outputs with one bad signature changes nothing.
    const before = chain.utxoTotals();
    const lastTx = branch.blocks[4]!.txs[1]!;
    const good = builder.spend([{ outpoint: { txid: lastTx.txid(), vout: 0 }, coin: { value: lastTx.outputs[0]!.value, script: lastTx.outputs[0]!.script, height: 0, coinbase: false } }]);
    const sig = new Uint8Array(good.inputs[0]!.witness[0]!);
    sig[10] ^= 1;
    const bad = new Tx({ ...good, inputs: [{ ...good.inputs[0]!, witness: [sig] }] });
    await expect(chain.processBlock(builder.block(branch.state, { txs: [bad] }).block)).rejects.toMatchObject({ code: 'bad-schnorr-sig' });
    expect(chain.utxoTotals()).toEqual(before);

    const digest = (await chain.utxoStats()).digest;
    expect(await scratchDigest(chain)).toBe(digest);

    // A node that only ever saw the winning branch agrees, and so does a restart.
    expect(await freshNodeDigest([...fork108.blocks, ...branch.blocks])).toBe(digest);
    await chain.close();
    const again = await Chain.open({ params, path, verifyPool: pool });
    expect((await again.utxoStats()).digest).toBe(digest);
    await again.close();
  });

  it('stores the coins still waiting to join the digest at a flush, and after a restart drops them when a reorg removes them', async () => {
    // A flush does not fold the waiting coins: it names them, and a restart reads them back
    // from the coin set. The reorg then disconnects the blocks that created them.
    const path = tempDir();
    const chain = await Chain.open({ params, path, verifyPool: pool });
    const main = recentSpends(base.state, 6, 0);
    for (const b of [...base.blocks, ...main.blocks]) await chain.processBlock(b);
    await chain.close(); // the digest was never read: nothing forced the waiting coins in
    const stored = UtxoStatistics.decode((await storedStats(path))!);
    expect(stored.waiting.length).toBeGreaterThan(0);

    const again = await Chain.open({ params, path, verifyPool: pool });
    const fork108 = recentSpends(base.state, 3, 0);
    const branch = recentSpends(fork108.state, 5, 0);
    for (const b of [...fork108.blocks, ...branch.blocks]) await again.processBlock(b);
    expect(again.tip.hashHex).toBe(branch.blocks[4]!.hashHex());
    await again.close();

    const reopened = await Chain.open({ params, path, verifyPool: pool });
    const digest = (await reopened.utxoStats()).digest;
    expect(await scratchDigest(reopened)).toBe(digest);
    expect(await freshNodeDigest([...fork108.blocks, ...branch.blocks])).toBe(digest);
    await reopened.close();
  });

  it('matches from scratch when flushes (a tiny cache) fall between a coin’s creation and its spend', async () => {
    const chain = await Chain.open({ params, path: tempDir(), verifyPool: pool, cacheBytes: 2000, flushIntervalMs: 0 });
    const main = recentSpends(base.state, 5, 0);
    for (const b of [...base.blocks, ...main.blocks]) await chain.processBlock(b);
    const digest = (await chain.utxoStats()).digest;
    expect(await scratchDigest(chain)).toBe(digest);
    await chain.close();
  });

  it('stays exact when the digest is read while a block that spends pending coins is half connected', async () => {
    // The API reads the digest whenever it is asked. A read that folded the pending coins
    // while a block was half connected (its spends matched against the pending coins, its
    // signatures still being verified) once counted a coin that block spends, and the
    // digest stayed wrong. Here each block's signature check waits until a read was asked.
    const gated = new GatedPool();
    const chain = await Chain.open({ params, path: tempDir(), verifyPool: gated });
    const main = recentSpends(base.state, 4, 0);
    for (const b of base.blocks) await chain.processBlock(b);
    const seen: number[] = [];
    for (const b of main.blocks) {
      let release!: () => void;
      const entered = new Promise<void>((r) => (gated.onWait = r));
      gated.gate = new Promise<void>((r) => (release = r));
      const connecting = chain.processBlock(b);
      await entered;
      const read = (async () => (await chain.utxoStats()).height)();
      release();
      await connecting;
      seen.push(await read);
    }
    const digest = (await chain.utxoStats()).digest;
    expect(chain.utxoStatsNow().digest).toBe(digest);
    expect(await scratchDigest(chain)).toBe(digest);
    // each read waited for the block being connected: it never saw half of one
    expect(seen).toEqual(main.blocks.map((_, i) => 106 + i));
    await chain.close();
    await gated.close();
  });
});

/** A verify pool whose jobs finish only once the test opens the gate (and tells it they are waiting). */
class GatedPool extends VerifyPool {
  gate: Promise<void> = Promise.resolve();
  onWait: () => void = () => undefined;
  constructor() {
    super({ threads: 1 });
  }
  override start(): ReturnType<VerifyPool['start']> {
    const job = super.start();
    const done = job.done.bind(job);
    job.done = async () => {
      this.onWait();
      await this.gate;
      return done();
    };
    return job;
  }
}
