// POST /api/tx never parks a local submission in the orphan pool: a spend of a coin
// already spent in a block, or of a coin that never existed, answers 400
// bad-txns-inputs-missingorspent (as Core's sendrawtransaction and Esplora do) and changes
// nothing; a child of a mempool parent is accepted. Against a real cairnd child process.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { Tx, bytesToHex, hexToBytes, scriptToAddress } from '../../src/primitives/index.js';
import { ChainBuilder, type Utxo } from '../support/chainbuilder.js';
import { admin, http, startDaemon, tempDatadir, type Daemon } from './daemon.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const ADDR = scriptToAddress(builder.script, 'rcrn')!;

let d: Daemon;
let dir: string;

beforeAll(async () => {
  dir = tempDatadir();
  d = await startDaemon(join(dir, 'node'));
  const r = await admin(d, '/api/admin/mine', { blocks: 103, address: ADDR });
  expect(r.status).toBe(200);
});

afterAll(async () => {
  if (d) await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function coinbaseAt(height: number): Promise<Utxo> {
  const hash = (await http(d, `/api/block-height/${height}`)).text;
  const [txid] = (await http(d, `/api/block/${hash}/txids`)).json as string[];
  return {
    outpoint: { txid: hexToBytes(txid!).reverse(), vout: 0 },
    coin: { value: params.subsidy, script: builder.script, height, coinbase: true },
  };
}

function outputOf(tx: Tx, vout: number): Utxo {
  return { outpoint: { txid: tx.txid(), vout }, coin: { value: tx.outputs[vout]!.value, script: tx.outputs[vout]!.script, height: 0x7fffffff, coinbase: false } };
}

const post = (tx: Tx) => http(d, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
const mempoolTxids = async (): Promise<string[]> => ((await http(d, '/api/mempool/txids')).json as string[]).sort();

describe('POST /api/tx and missing or spent inputs', () => {
  let parent: Tx;
  let child: Tx;

  it('accepts a child of a mempool parent', async () => {
    parent = builder.spend([await coinbaseAt(1)], undefined, 2000n);
    expect((await post(parent)).text).toBe(parent.txidHex());
    child = builder.spend([outputOf(parent, 0)], undefined, 1000n);
    const r = await post(child);
    expect(r.status).toBe(200);
    expect(r.text).toBe(child.txidHex());
    expect(await mempoolTxids()).toEqual([parent.txidHex(), child.txidHex()].sort());
    expect((await http(d, `/api/tx/${child.txidHex()}`)).json).toMatchObject({ txid: child.txidHex(), fee: 1000, status: { confirmed: false } });
  });

  it('refuses a spend of a coin already spent in a block with 400 bad-txns-inputs-missingorspent, and changes nothing', async () => {
    const mined = await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR });
    expect(mined.status).toBe(200);
    expect(await mempoolTxids()).toEqual([]);
    expect((await http(d, `/api/tx/${parent.txidHex()}/status`)).json.confirmed).toBe(true);
    const doubleSpend = builder.spend([await coinbaseAt(1)], undefined, 5000n);
    const r = await post(doubleSpend);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('bad-txns-inputs-missingorspent');
    expect(r.json.message).toMatch(/spent or does not exist/);
    expect(await mempoolTxids()).toEqual([]);
    expect((await http(d, `/api/tx/${doubleSpend.txidHex()}`)).status).toBe(404);
    const node = (await http(d, '/api/node')).json;
    expect(node.mempool_count).toBe(0);
  });

  it('refuses a spend of an unknown coin the same way, and never admits it later', async () => {
    // A parent that exists nowhere yet: its child must not wait for it as an orphan.
    const unseenParent = builder.spend([await coinbaseAt(2)], undefined, 2000n);
    const orphanChild = builder.spend([outputOf(unseenParent, 1)], undefined, 1000n);
    const r = await post(orphanChild);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('bad-txns-inputs-missingorspent');
    expect(await mempoolTxids()).toEqual([]);
    // The parent arrives: only the parent is in the mempool (an orphan would have followed it).
    expect((await post(unseenParent)).status).toBe(200);
    expect(await mempoolTxids()).toEqual([unseenParent.txidHex()]);
    expect((await http(d, `/api/tx/${orphanChild.txidHex()}`)).status).toBe(404);
    // And a coin that never existed at all.
    const ghost: Utxo = { outpoint: { txid: new Uint8Array(32).fill(0xab), vout: 3 }, coin: { value: 10_000_000n, script: builder.script, height: 1, coinbase: false } };
    const g = await post(builder.spend([ghost], undefined, 1000n));
    expect(g.status).toBe(400);
    expect(g.json.code).toBe('bad-txns-inputs-missingorspent');
    expect(await mempoolTxids()).toEqual([unseenParent.txidHex()]);
    // Resubmitting the child now that its parent is in works (the refusal left no mark).
    expect((await post(orphanChild)).status).toBe(200);
    expect(await mempoolTxids()).toEqual([unseenParent.txidHex(), orphanChild.txidHex()].sort());
  });
});
