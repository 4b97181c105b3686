// GET /api/tx/:txid for a tx in a block the tx index has not reached yet. The index
// follows the chain a moment behind; a tx that had just left the mempool for a block
// answered 404 in that moment (devnet spam's setup read its own funding tx as "not
// found"). The API now looks in the active blocks above the index's height.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { EsploraApi } from '../../src/api/esplora.js';
import type { ApiContext } from '../../src/api/context.js';
import { ChainBuilder } from '../support/chainbuilder.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const dir = mkdtempSync(join(tmpdir(), 'cairn-unindexed-'));
const pool = new VerifyPool({ threads: 0 });
let chain: Chain;
let api: EsploraApi;
let txid: string;
let indexHeight = 0;

beforeAll(async () => {
  chain = await Chain.open({ params, path: join(dir, 'chain'), verifyPool: pool });
  const first = builder.chain(builder.genesis(), 101);
  for (const b of first.blocks) await chain.processBlock(b);
  const spend = builder.spend([builder.spendable(first.state)[0]!]);
  txid = spend.txidHex();
  const { block } = builder.block(first.state, { txs: [spend] });
  await chain.processBlock(block);
  // an index that has not caught up: it knows no tx and stands `indexHeight` high
  const ctx = {
    params,
    chain,
    mempool: { get: () => undefined },
    indexer: {
      getTx: async () => undefined,
      get tip() {
        return { hash: '', height: indexHeight };
      },
    },
  } as unknown as ApiContext;
  api = new EsploraApi(ctx);
});
afterAll(async () => {
  await chain.close();
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

it('finds a tx in a block above the index height, confirmed at that block', async () => {
  indexHeight = 101;
  const f = await api.findTx(txid);
  expect(f.tx.txidHex()).toBe(txid);
  expect(f.status).toEqual({ confirmed: true, block_height: 102, block_hash: chain.tip.hashHex, block_time: chain.tip.time });
  expect(f.pos).toBe(1);
});

it('still answers 404 for a tx in no block above the index, and does not look below it', async () => {
  await expect(api.findTx('11'.repeat(32))).rejects.toThrow(/not found/);
  indexHeight = 102; // the index has the block: a tx it does not know is not there
  await expect(api.findTx(txid)).rejects.toThrow(/not found/);
});
