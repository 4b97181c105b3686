// The mempool survives a clean restart of a real cairnd (SIGTERM, start) through
// <datadir>/mempool.dat; a truncated or foreign file leaves the node running with an empty
// mempool and a warning in its log. Also POST /api/admin/mempool/save (Core's savemempool).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { MEMPOOL_FILE, decodeMempoolFile, encodeMempoolFile } from '../../src/mempool/index.js';
import { Tx, bytesToHex, hexToBytes, scriptToAddress } from '../../src/primitives/index.js';
import { ChainBuilder, type Utxo } from '../support/chainbuilder.js';
import { admin, http, startDaemon, tempDatadir, type Daemon } from '../api/daemon.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const ADDR = scriptToAddress(builder.script, 'rcrn')!;
const N = 50;

let root: string;
let datadir: string;
let d: Daemon | undefined;
let txids: string[];

beforeAll(() => {
  root = tempDatadir();
  datadir = join(root, 'node');
});

afterAll(async () => {
  await d?.stop();
  rmSync(root, { recursive: true, force: true });
});

const utxoOf = (tx: Tx, vout: number, height = 0x7fffffff): Utxo => ({
  outpoint: { txid: tx.txid(), vout },
  coin: { value: tx.outputs[vout]!.value, script: tx.outputs[vout]!.script, height, coinbase: false },
});
const post = (tx: Tx) => http(d!, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
const mempoolTxids = async (): Promise<string[]> => ((await http(d!, '/api/mempool/txids')).json as string[]).sort();
const warnings = (x: Daemon): Record<string, unknown>[] =>
  x.lines.flatMap((l) => {
    try {
      const j = JSON.parse(l) as Record<string, unknown>;
      // (a dist built without the explorer says so once: not this test's subject)
      return j.level === 40 && !String(j.msg).startsWith('explorer not built') ? [j] : [];
    } catch {
      return [];
    }
  });

describe('mempool across restarts of cairnd', () => {
  it(`keeps ${N} mempool transactions (with a parent-child pair) across SIGTERM and start`, async () => {
    d = await startDaemon(datadir);
    expect((await admin(d, '/api/admin/mine', { blocks: 101, address: ADDR })).status).toBe(200);
    // Split the first coinbase into N outputs and confirm it, then spend them one by one.
    const hash = (await http(d, '/api/block-height/1')).text;
    const [cbid] = (await http(d, `/api/block/${hash}/txids`)).json as string[];
    const cb: Utxo = { outpoint: { txid: hexToBytes(cbid!).reverse(), vout: 0 }, coin: { value: params.subsidy, script: builder.script, height: 1, coinbase: true } };
    const each = (params.subsidy - 10_000n) / BigInt(N);
    const fan = builder.spend([cb], Array.from({ length: N }, () => ({ value: each, script: builder.script })), params.subsidy - each * BigInt(N));
    expect((await post(fan)).status).toBe(200);
    expect((await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).status).toBe(200);
    const sent: Tx[] = [];
    for (let i = 0; i < N - 1; i++) sent.push(builder.spend([utxoOf(fan, i, 102)], undefined, 1000n + BigInt(i)));
    sent.push(builder.spend([utxoOf(sent[0]!, 1)], undefined, 3000n)); // a child of a mempool tx
    for (const tx of sent) {
      const r = await post(tx);
      expect([r.status, r.text]).toEqual([200, tx.txidHex()]);
    }
    txids = sent.map((t) => t.txidHex()).sort();
    expect(await mempoolTxids()).toEqual(txids);

    expect(await d.stop()).toBe(0);
    const file = readFileSync(join(datadir, MEMPOOL_FILE));
    expect(statSync(join(datadir, MEMPOOL_FILE)).mode & 0o777).toBe(0o600);
    expect(decodeMempoolFile(params, file).map((s) => s.tx.txidHex()).sort()).toEqual(txids);
    expect(d.lines.some((l) => l.includes(`saved ${N} mempool transactions`))).toBe(true);

    d = await startDaemon(datadir);
    expect(await mempoolTxids()).toEqual(txids);
    expect((await http(d, '/api/mempool')).json.count).toBe(N);
    expect(d.lines.some((l) => l.includes(`loaded ${N} of ${N} saved mempool transactions`))).toBe(true);
    expect(warnings(d)).toEqual([]);
    // The reloaded pool is a working pool: the next block confirms all of it.
    expect((await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).status).toBe(200);
    expect(await mempoolTxids()).toEqual([]);
    expect((await http(d, `/api/tx/${sent[N - 1]!.txidHex()}/status`)).json.confirmed).toBe(true);
    // Put a few back for the damaged-file cases below, and save on request.
    const more = [builder.spend([utxoOf(sent[1]!, 0, 103)], undefined, 1000n), builder.spend([utxoOf(sent[2]!, 0, 103)], undefined, 1000n)];
    for (const tx of more) expect((await post(tx)).status).toBe(200);
    const saved = await admin(d, '/api/admin/mempool/save', {});
    expect(saved.json).toEqual({ path: join(datadir, MEMPOOL_FILE), count: 2, bytes: expect.any(Number) });
    expect(decodeMempoolFile(params, readFileSync(join(datadir, MEMPOOL_FILE))).length).toBe(2);
    expect((await http(d, '/api/admin/mempool/save', { method: 'POST' })).status).toBe(401);
  });

  it('starts with an empty mempool and a warning when the file is truncated', async () => {
    expect(await d!.stop()).toBe(0);
    const path = join(datadir, MEMPOOL_FILE);
    const full = readFileSync(path);
    expect(decodeMempoolFile(params, full)).toHaveLength(2);
    writeFileSync(path, full.subarray(0, Math.floor(full.length / 2)));
    d = await startDaemon(datadir);
    expect(await mempoolTxids()).toEqual([]);
    expect((await http(d, '/api/blocks/tip/height')).text).toBe('103');
    const w = warnings(d);
    expect(w).toHaveLength(1);
    expect(String(w[0]!.msg)).toMatch(/mempool file ignored: .*bad-checksum/);
  });

  it('starts with an empty mempool and a warning when the file belongs to another network', async () => {
    expect(await d!.stop()).toBe(0);
    // The clean stop wrote a fresh (empty) file; replace it with a devnet one.
    const path = join(datadir, MEMPOOL_FILE);
    writeFileSync(path, encodeMempoolFile(getParams('devnet'), []));
    d = await startDaemon(datadir);
    expect(await mempoolTxids()).toEqual([]);
    expect((await http(d, '/api/node')).json.tip_height).toBe(103);
    const w = warnings(d);
    expect(w).toHaveLength(1);
    expect(String(w[0]!.msg)).toMatch(/mempool file ignored: .*wrong-network/);
    expect(await d.stop()).toBe(0);
    d = undefined;
  });
});
