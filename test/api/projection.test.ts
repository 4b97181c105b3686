// GET /api/v1/fees/mempool-blocks (mempool.space's shape) and GET /api/mempool/fee-levels on a
// real regtest cairnd: a mempool of three txs at 2, 5 and 50 sat/vB shows that whole range
// (min, median, max) and three fee levels, each figure checked against the node's own
// /api/tx answers (fee over vsize), not against the projection code.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { getParams } from '../../src/consensus/index.js';
import { bytesToHex, hexToHash, scriptToAddress } from '../../src/primitives/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { admin, http, startDaemon, tempDatadir, type Daemon } from './daemon.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const ADDR = scriptToAddress(builder.script, 'rcrn')!;

let d: Daemon;
let dir: string;
const sent: Array<{ txid: string; fee: number; vsize: number; size: number }> = [];

beforeAll(async () => {
  dir = tempDatadir();
  d = await startDaemon(dir);
  const r = await admin(d, '/api/admin/mine', { blocks: params.coinbaseMaturity + 3, address: ADDR });
  expect(r.status).toBe(200);
  const hashes = r.json as string[];
  for (const [i, rate] of [2, 5, 50].entries()) {
    const cb = (await http(d, `/api/block/${hashes[i]}/txs`)).json[0] as { txid: string; vout: Array<{ value: number }> };
    const utxo = { outpoint: { txid: hexToHash(cb.txid), vout: 0 }, coin: { value: BigInt(cb.vout[0]!.value), script: builder.script, height: i + 1, coinbase: true } };
    const vsize = builder.spend([utxo], undefined, 0n).vsize;
    const tx = builder.spend([utxo], undefined, BigInt(rate * vsize));
    const res = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
    expect(res.status).toBe(200);
    const j = (await http(d, `/api/tx/${tx.txidHex()}`)).json as { fee: number; weight: number; size: number };
    sent.push({ txid: tx.txidHex(), fee: j.fee, vsize: Math.ceil(j.weight / 4), size: j.size });
  }
});

afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('projected blocks', () => {
  it('mempool-blocks: one block with the txs’ true min, median and max rates, sizes and fees', async () => {
    const r = await http(d, '/api/v1/fees/mempool-blocks');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    const blocks = r.json as Array<{ blockSize: number; blockVSize: number; nTx: number; totalFees: number; medianFee: number; feeRange: number[] }>;
    expect(blocks).toHaveLength(1);
    const b = blocks[0]!;
    const rates = sent.map((t) => t.fee / t.vsize).sort((x, y) => x - y);
    expect(b.nTx).toBe(3);
    expect(b.totalFees).toBe(sent.reduce((s, t) => s + t.fee, 0));
    expect(b.blockVSize).toBe(sent.reduce((s, t) => s + t.vsize, 0));
    expect(b.blockSize).toBe(sent.reduce((s, t) => s + t.size, 0));
    expect(b.feeRange).toHaveLength(7);
    expect(b.feeRange[0]).toBeCloseTo(rates[0]!, 2);
    expect(b.feeRange[6]).toBeCloseTo(rates[2]!, 2);
    expect(b.medianFee).toBeCloseTo(rates[1]!, 2);
    expect([...b.feeRange].sort((x, y) => x - y)).toEqual(b.feeRange);
    // Esplora's own histogram keeps electrs' format: bins of ≥50,000 vB, so one bin here
    const mp = (await http(d, '/api/mempool')).json as { fee_histogram: Array<[number, number]> };
    expect(mp.fee_histogram).toHaveLength(1);
  });

  it('fee-levels: three occupied levels from 2 to 50 sat/vB with the empty ones between', async () => {
    const levels = (await http(d, '/api/mempool/fee-levels')).json as Array<{ from: number; to: number | null; count: number; vsize: number; fees: number }>;
    const occupied = levels.filter((l) => l.count > 0);
    expect(occupied.map((l) => l.from)).toEqual([2, 5, 50]);
    expect(levels[0]!.from).toBe(2);
    expect(levels.at(-1)!.to).toBe(60);
    for (let i = 1; i < levels.length; i++) expect(levels[i]!.from).toBe(levels[i - 1]!.to);
    const byRate = [...sent].sort((x, y) => x.fee / x.vsize - y.fee / y.vsize);
    occupied.forEach((l, i) => expect(l).toMatchObject({ count: 1, vsize: byRate[i]!.vsize, fees: byRate[i]!.fee }));
  });

  it('a mined block empties the projection', async () => {
    expect((await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).status).toBe(200);
    expect((await http(d, '/api/v1/fees/mempool-blocks')).json).toEqual([]);
    expect((await http(d, '/api/mempool/fee-levels')).json).toEqual([]);
  });
});
