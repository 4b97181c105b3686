import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { Chain, ChainError, VerifyPool } from '../../src/chain/index.js';
import { K_META, K_STATS, SCHEMA_VERSION } from '../../src/chain/layout.js';
import { RuleError, getParams, blockSubsidy } from '../../src/consensus/index.js';
import { Block, Tx } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';
import { BACKENDS } from '../support/backends.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
let pool: VerifyPool;
const dirs: string[] = [];
const open: Chain[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-chain-'));
  dirs.push(d);
  return d;
}

async function openChain(path = tempDir(), extra: Partial<Parameters<typeof Chain.open>[0]> = {}): Promise<Chain> {
  const c = await Chain.open({ params, path, verifyPool: pool, ...extra });
  open.push(c);
  watchInvariants(c);
  return c;
}

/**
 * After every connect and disconnect: the coins are worth exactly the subsidies of the
 * active chain (these chains claim every subsidy and fee and burn nothing), and never more.
 */
const invariantFailures: string[] = [];
function watchInvariants(chain: Chain): void {
  const check = (what: string) => (e: { height: number; hashHex: string }) => {
    let subsidies = 0n;
    for (let h = 1; h <= chain.height; h++) subsidies += blockSubsidy(h, params);
    const { totalAmount } = chain.utxoTotals();
    if (totalAmount !== subsidies) invariantFailures.push(`${what} ${e.height} ${e.hashHex}: ${totalAmount} != ${subsidies}`);
  };
  chain.on('connect', check('connect'));
  chain.on('disconnect', check('disconnect'));
}

async function closeChain(c: Chain): Promise<void> {
  await c.close();
  open.splice(open.indexOf(c), 1);
}

/** Total value must equal the subsidies claimed (no OP_RETURN burns in these chains). */
function expectValueInvariant(chain: Chain): void {
  let subsidies = 0n;
  for (let h = 1; h <= chain.height; h++) subsidies += blockSubsidy(h, params);
  expect(chain.utxoTotals().totalAmount).toBe(subsidies);
}

async function feed(chain: Chain, blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) await chain.processBlock(b);
}

// A shared base: 110 blocks, then blocks with spends, so every test has mature coins.
let base: { blocks: Block[]; state: BranchState };

beforeAll(() => {
  const first = builder.chain(builder.genesis(), 105);
  const blocks = [...first.blocks];
  let state = first.state;
  for (let i = 0; i < 5; i++) {
    const coins = builder.spendable(state).slice(0, 3);
    const txs = coins.map((c) => builder.spend([c]));
    const r = builder.block(state, { txs });
    blocks.push(r.block);
    state = r.state;
  }
  base = { blocks, state };
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
  expect(invariantFailures.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Every block test runs on both signature backends (native libsecp256k1 and WASM).
describe.each(BACKENDS)('%s verifier', (backend) => {
  beforeAll(() => {
    pool = new VerifyPool({ threads: 2, verifier: backend });
    expect(pool.backend).toBe(backend);
  });
  afterAll(async () => {
    await pool.close();
  });

  describe('chain: linear growth and persistence', () => {
    it('connects a chain with spends, keeps the value invariant, and restarts at the same tip and digest', async () => {
      const path = tempDir();
      const chain = await openChain(path);
      const connects: number[] = [];
      chain.on('connect', (e) => connects.push(e.height));
      await feed(chain, base.blocks);
      expect(chain.height).toBe(110);
      expect(connects).toEqual(Array.from({ length: 110 }, (_, i) => i + 1));
      expectValueInvariant(chain);
      const stats = (await chain.utxoStats());
      // 110 coinbases + 15 spends each turning one coin into two.
      expect(stats.txouts).toBe(110 + 15);
      await closeChain(chain);
      const again = await openChain(path);
      expect(again.tip.hashHex).toBe(base.blocks[109]!.hashHex());
      expect((await again.utxoStats())).toEqual(stats);
      // The coins are really on disk: a spent one is gone, a new one is there.
      const spendTx = base.blocks[109]!.txs[1]!;
      expect(await again.getCoin(spendTx.inputs[0]!.prevout)).toBeUndefined();
      expect((await again.getCoin({ txid: spendTx.txid(), vout: 0 }))?.value).toBe(spendTx.outputs[0]!.value);
    });

    it('reports duplicates and refuses a foreign database with a clear error', async () => {
      const path = tempDir();
      const chain = await openChain(path);
      await feed(chain, base.blocks.slice(0, 3));
      expect((await chain.processBlock(base.blocks[1]!)).status).toBe('duplicate');
      await closeChain(chain);
      await expect(Chain.open({ params: getParams('devnet'), path, verifyPool: pool })).rejects.toMatchObject({ code: 'db-foreign' });
    });

    it('opens a schema-1 database (no waiting coins stored) and marks it schema 2; refuses a newer one', async () => {
      const path = tempDir();
      const chain = await openChain(path);
      await feed(chain, base.blocks.slice(0, 8));
      const stats = await chain.utxoStats(); // folds every waiting coin: the record is schema 1's shape plus a zero count
      await closeChain(chain);
      const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
      const meta = (await db.get(K_META))!;
      const asVersion = (v: number): Uint8Array => {
        const m = new Uint8Array(meta);
        new DataView(m.buffer).setUint32(0, v, true);
        return m;
      };
      const record = (await db.get(K_STATS))!;
      expect(record[record.length - 1]).toBe(0);
      await db.batch([
        { type: 'put', key: K_META, value: asVersion(1) },
        { type: 'put', key: K_STATS, value: record.subarray(0, record.length - 1) },
      ]);
      await db.close();
      const again = await openChain(path);
      expect(await again.utxoStats()).toEqual(stats);
      await closeChain(again);
      const after = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
      const marked = (await after.get(K_META))!;
      expect(new DataView(marked.buffer, marked.byteOffset, marked.byteLength).getUint32(0, true)).toBe(SCHEMA_VERSION);
      await after.put(K_META, asVersion(SCHEMA_VERSION + 1));
      await after.close();
      const err = await Chain.open({ params, path, verifyPool: pool }).catch((e) => e);
      expect(err).toMatchObject({ code: 'db-version' });
      expect(err.message).toMatch(/Resync/);
    });

    it('refuses to start on a damaged database with an error that says what to do', async () => {
      const path = tempDir();
      const chain = await openChain(path);
      await feed(chain, base.blocks.slice(0, 5));
      const hash = chain.tip.hash;
      await closeChain(chain);
      // Truncate the tip's block index entry, as a torn write or disk fault would.
      const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
      const key = Uint8Array.from([0x65, ...hash]);
      const value = (await db.get(key))!;
      await db.put(key, value.subarray(0, 50));
      await db.close();
      const err = await Chain.open({ params, path, verifyPool: pool }).catch((e) => e);
      expect(err).toBeInstanceOf(ChainError);
      expect(err.code).toBe('db-corrupt');
      expect(err.message).toMatch(/resync/);
    });

    it('gives the same digest with a tiny coin cache (many flushes) as with a large one', async () => {
      const small = await openChain(tempDir(), { cacheBytes: 2000, flushIntervalMs: 0 });
      const large = await openChain();
      await feed(small, base.blocks);
      await feed(large, base.blocks);
      expect((await small.utxoStats())).toEqual((await large.utxoStats()));
    });
  });

  describe('chain: fork choice and reorgs', () => {
    it.each([1, 10])('reorganizes to a branch with more work (depth %i), restoring digests exactly on disconnect', async (depth) => {
      const chain = await openChain();
      const digestAt = new Map<string, string>();
      digestAt.set(params.genesis.hashHex(), (await chain.utxoStats()).digest);
      chain.on('connect', (e) => digestAt.set(e.hashHex, chain.utxoStatsNow().digest));
      const mismatches: string[] = [];
      chain.on('disconnect', (e) => {
        if (digestAt.get(e.prev!.hashHex) !== chain.utxoStatsNow().digest) mismatches.push(e.hashHex);
      });
      const tips: number[] = [];
      chain.on('tip', (t) => tips.push(t.reorgDepth));
      await feed(chain, base.blocks);
      // Fork below the current tip: the old branch has `depth` blocks above the fork.
      const forkHeight = 110 - depth;
      const forkState = stateAt(forkHeight);
      const coins = builder.spendable(forkState).slice(5, 7);
      const first = builder.block(forkState, { txs: coins.map((c) => builder.spend([c], undefined, 2000n)) });
      const rest = builder.chain(first.state, depth);
      await feed(chain, [first.block, ...rest.blocks]);
      expect(chain.tip.hashHex).toBe(rest.state.hash && rest.blocks[rest.blocks.length - 1]!.hashHex());
      expect(chain.height).toBe(forkHeight + depth + 1);
      expect(tips[tips.length - 1]).toBe(depth);
      expect(mismatches).toEqual([]);
      expectValueInvariant(chain);
      // A node that only ever saw the winning branch has the same coins.
      const fresh = await openChain();
      await feed(fresh, [...base.blocks.slice(0, forkHeight), first.block, ...rest.blocks]);
      expect((await fresh.utxoStats())).toEqual((await chain.utxoStats()));
    });

    it('keeps the first-seen branch when a competitor has equal work', async () => {
      const chain = await openChain();
      await feed(chain, base.blocks.slice(0, 105));
      const fork = stateAt(104);
      const competitor = builder.block(fork, { time: fork.time + 7 });
      const r = await chain.processBlock(competitor.block);
      expect(r.status).toBe('accepted');
      expect(chain.tip.hashHex).toBe(base.blocks[104]!.hashHex());
      // One more block on the competitor gives it more work: now it wins.
      const next = builder.block(competitor.state);
      await chain.processBlock(next.block);
      expect(chain.tip.hashHex).toBe(next.block.hashHex());
    });

    it('falls back to the best valid chain when a longer branch has an invalid block in the middle', async () => {
      const chain = await openChain();
      await feed(chain, base.blocks);
      const invalidEvents: string[] = [];
      chain.on('invalid', (e, err) => invalidEvents.push(`${e.height}:${err.code}`));
      const fork = stateAt(105);
      const good1 = builder.block(fork);
      const good2 = builder.block(good1.state);
      // A spend whose signature is for other data: valid shape, fails only at connect.
      const coin = builder.spendable(good2.state)[0]!;
      const tx = builder.spend([coin]);
      const badSig = new Uint8Array(tx.inputs[0]!.witness[0]!);
      badSig[10] ^= 1;
      const badTx = new Tx({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [badSig] }] });
      const bad = builder.block(good2.state, { txs: [badTx] });
      const after = builder.chain(bad.state, 5);
      const outcomes: string[] = [];
      for (const b of [good1.block, good2.block, bad.block, ...after.blocks]) {
        outcomes.push(await chain.processBlock(b).then((r) => r.status, (e) => e.code));
      }
      // The bad block is only tried once its branch has more work (at height 111); then it
      // and its descendants are marked, and later children are refused as such.
      expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'bad-prevblk', 'bad-prevblk', 'bad-prevblk']);
      // Branch: 105 + 2 valid blocks < 110 on the original chain, so the node stays there.
      expect(chain.tip.hashHex).toBe(base.blocks[109]!.hashHex());
      expect(invalidEvents).toEqual([`${108}:bad-schnorr-sig`]);
      expectValueInvariant(chain);
      // Known-invalid blocks are refused at once when offered again.
      await expect(chain.processBlock(after.blocks[0]!)).rejects.toMatchObject({ code: 'duplicate-invalid' });
      await expect(chain.processBlock(bad.block)).rejects.toMatchObject({ code: 'duplicate-invalid' });
      const tips = chain.getTips();
      expect(tips.find((t) => t.status === 'active')?.hash).toBe(base.blocks[109]!.hashHex());
      expect(tips.some((t) => t.status === 'invalid')).toBe(true);
    });

    it('ends on the valid prefix of a branch when that prefix alone has the most work', async () => {
      const chain = await openChain();
      await feed(chain, base.blocks.slice(0, 106));
      const fork = stateAt(104);
      const valid = builder.chain(fork, 4); // heights 105..108: more work than 106
      const coin = builder.spendable(valid.state)[0]!;
      const overspend = builder.spend([coin], [{ value: coin.coin.value + 1n, script: builder.script }], 0n);
      const bad = builder.block(valid.state, { txs: [overspend] });
      await feed(chain, valid.blocks);
      // The block extends the tip directly, so its submitter is told exactly why it failed.
      await expect(chain.processBlock(bad.block)).rejects.toMatchObject({ code: 'bad-txns-in-belowout' });
      expect(chain.tip.hashHex).toBe(valid.blocks[3]!.hashHex());
      expect(chain.getEntry(bad.block.hash())?.failed).toBe(true);
    });
  });

  describe('chain: out-of-order arrival and mutation', () => {
    it('holds orphans arriving in reverse order and connects them when the parent arrives', async () => {
      const chain = await openChain();
      const blocks = base.blocks.slice(0, 20);
      for (const b of [...blocks].reverse().slice(0, 19)) {
        const r = await chain.processBlock(b);
        expect(r.status).toBe('orphan');
      }
      expect(chain.orphanCount).toBe(19);
      const r = await chain.processBlock(blocks[0]!);
      expect(r.status).toBe('connected');
      expect(chain.height).toBe(20);
      expect(chain.orphanCount).toBe(0);
    });

    it('refuses a CVE-2012-2459 mutated block without marking it invalid, then accepts the genuine one', async () => {
      const chain = await openChain();
      await feed(chain, base.blocks.slice(0, 105));
      const parent = stateAt(105);
      const coins = builder.spendable(parent).slice(0, 2);
      const good = builder.block(parent, { txs: coins.map((c) => builder.spend([c])) });
      expect(good.block.txs.length).toBe(3);
      // Duplicating the last tx of an odd-length list keeps the merkle root.
      const mutated = new Block(good.block.header, [...good.block.txs, good.block.txs[2]!]);
      expect(mutated.hashHex()).toBe(good.block.hashHex());
      const err = await chain.processBlock(mutated).catch((e) => e);
      expect(err).toBeInstanceOf(RuleError);
      expect(err.corruption).toBe(true);
      expect(chain.getEntry(good.block.hash())?.failed ?? false).toBe(false);
      const r = await chain.processBlock(good.block);
      expect(r.status).toBe('connected');
    });

    it('rejects a block whose parent is invalid, and headers that do not connect', async () => {
      const chain = await openChain();
      await feed(chain, base.blocks.slice(0, 3));
      const err = await chain.processHeaders([base.blocks[10]!.header]).catch((e) => e);
      expect(err).toBeInstanceOf(ChainError);
      expect(err.code).toBe('prev-blk-not-found');
      const entries = await chain.processHeaders(base.blocks.slice(3, 50).map((b) => b.header));
      expect(entries.length).toBe(47);
      expect(chain.bestHeader.height).toBe(50);
      expect(chain.height).toBe(3);
    });
  });
});

/** The builder state at a height of the shared base chain. */
function stateAt(height: number): BranchState {
  let s = builder.genesis();
  // Rebuild deterministically from the stored blocks (states are cheap to recompute).
  for (const b of base.blocks.slice(0, height)) s = applyBlock(s, b);
  return s;
}

function applyBlock(parent: BranchState, block: Block): BranchState {
  const utxos = new Map(parent.utxos);
  const height = parent.height + 1;
  block.txs.forEach((tx, t) => {
    const txid = tx.txid();
    if (t > 0) for (const i of tx.inputs) utxos.delete(Buffer.from(i.prevout.txid).toString('hex') + ':' + i.prevout.vout);
    tx.outputs.forEach((o, vout) => {
      if (o.script[0] === 0x6a) return;
      const outpoint = { txid, vout };
      utxos.set(Buffer.from(txid).toString('hex') + ':' + vout, { outpoint, coin: { value: o.value, script: o.script, height, coinbase: t === 0 } });
    });
  });
  return { hash: block.hash(), height, time: block.header.time, utxos };
}
