// Every endpoint of cairnd's API against a real child process on regtest.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { getParams } from '../../src/consensus/index.js';
import { Block, BlockHeader, Tx, bytesToHex, encodeAddress, hashToHex, hexToBytes, p2trScript, rootFromBranch, scriptToAddress } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState, type Utxo } from '../support/chainbuilder.js';
import { admin, http, startDaemon, tempDatadir, until, type Daemon } from './daemon.js';

const params = getParams('regtest');
const builder = new ChainBuilder(params);
const ADDR = scriptToAddress(builder.script, 'rcrn')!;
const otherKey = new Uint8Array(32).fill(7);
const OTHER = encodeAddress(otherKey, 'rcrn');
const OTHER_SCRIPT = p2trScript(otherKey);
const UNKNOWN = 'ab'.repeat(32);

let d: Daemon;
let dir: string;
let explorer: string;

interface WsClient {
  ws: WebSocket;
  msgs: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function openWs(): Promise<WsClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${d.port}/api/ws`);
  const c: WsClient = { ws, msgs: [] };
  ws.on('message', (m) => c.msgs.push(JSON.parse(String(m))));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  await until(async () => c.msgs.some((m) => m.type === 'hello'), 'ws hello');
  return c;
}

beforeAll(async () => {
  dir = tempDatadir();
  explorer = join(dir, 'explorer');
  mkdirSync(explorer);
  writeFileSync(join(explorer, 'index.html'), '<!doctype html><title>cairn explorer</title>');
  writeFileSync(join(explorer, 'app.js'), 'console.log(1)');
  d = await startDaemon(join(dir, 'node'), ['--explorer-dir', explorer, '--sibling', 'http://127.0.0.1:1']);
});

afterAll(async () => {
  if (d) await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cairnd API on regtest', () => {
  let blockHashes: string[];
  let spend: Tx;
  let coinbase1: { txid: string; value: number };

  it('refuses admin calls without the cookie token (401, no CORS) and mines with it', async () => {
    const no = await http(d, '/api/admin/mine', { method: 'POST', body: JSON.stringify({ blocks: 1, address: ADDR }) });
    expect(no.status).toBe(401);
    expect(no.json.code).toBe('unauthorized');
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    const wrong = await http(d, '/api/admin/mine', { method: 'POST', token: 'x' + d.token.slice(1), body: JSON.stringify({ blocks: 1, address: ADDR }) });
    expect(wrong.status).toBe(401);
    for (const [m, p] of [['POST', '/api/admin/peers'], ['DELETE', '/api/admin/peers/1'], ['POST', '/api/admin/ban'], ['POST', '/api/admin/miner'], ['POST', '/api/admin/shutdown'], ['POST', '/api/admin/partition'], ['POST', '/api/admin/heal'], ['POST', '/api/admin/latency']] as const) {
      expect((await http(d, p, { method: m, body: '{}' })).status).toBe(401);
    }
    const pre = await http(d, '/api/admin/mine', { method: 'OPTIONS' });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect((await http(d, '/api/blocks/tip/height')).text).toBe('0');

    const bad = await admin(d, '/api/admin/mine', { blocks: 1, address: encodeAddress(otherKey, 'tcrn') });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('address-wrong-network');
    const r = await admin(d, '/api/admin/mine', { blocks: 101, address: ADDR });
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(101);
    blockHashes = r.json;
  });

  it('serves tips, heights and block lists', async () => {
    const h = await http(d, '/api/blocks/tip/height');
    expect(h.text).toBe('101');
    expect(h.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(h.headers.get('access-control-allow-origin')).toBe('*');
    expect((await http(d, '/api/blocks/tip/hash')).text).toBe(blockHashes[100]);
    expect((await http(d, '/api/block-height/5')).text).toBe(blockHashes[4]);
    expect((await http(d, '/api/block-height/102')).status).toBe(404);
    expect((await http(d, '/api/block-height/-1')).status).toBe(400);
    const list = (await http(d, '/api/blocks')).json;
    expect(list.map((b: { height: number }) => b.height)).toEqual([101, 100, 99, 98, 97, 96, 95, 94, 93, 92]);
    const list2 = (await http(d, '/api/blocks/3')).json;
    expect(list2.map((b: { id: string }) => b.id)).toEqual([blockHashes[2], blockHashes[1], blockHashes[0], params.genesis.hashHex()]);
  });

  it('serves a block, its status, txids, txs, header and raw bytes', async () => {
    const hash = blockHashes[0]!;
    const b = (await http(d, `/api/block/${hash}`)).json;
    expect(b).toMatchObject({ id: hash, height: 1, tx_count: 1, previousblockhash: params.genesis.hashHex(), bits: params.powLimitBits });
    // powLimit/target: 1 up to the rounding of the compact encoding
    expect(b.difficulty).toBeCloseTo(1, 5);
    for (const k of ['version', 'timestamp', 'mediantime', 'size', 'weight', 'merkle_root', 'nonce']) expect(b).toHaveProperty(k);
    expect(b.extras).toEqual({ reward: 5_000_000_000, total_fees: 0, fee_range: [0, 0] });
    expect((await http(d, `/api/block/${hash}/status`)).json).toEqual({ in_best_chain: true, height: 1, next_best: blockHashes[1] });
    expect((await http(d, `/api/block/${blockHashes[100]}/status`)).json.next_best).toBeNull();
    const txids = (await http(d, `/api/block/${hash}/txids`)).json;
    expect(txids).toHaveLength(1);
    const txs = (await http(d, `/api/block/${hash}/txs`)).json;
    expect(txs[0].txid).toBe(txids[0]);
    expect(txs[0].vin[0].is_coinbase).toBe(true);
    expect(txs[0].vout[0]).toMatchObject({ scriptpubkey_type: 'v1_p2tr', scriptpubkey_address: ADDR, value: 5_000_000_000 });
    expect(txs[0].status).toEqual({ confirmed: true, block_height: 1, block_hash: hash, block_time: b.timestamp });
    coinbase1 = { txid: txids[0], value: 5_000_000_000 };
    expect((await http(d, `/api/block/${hash}/txs/25`)).status).toBe(404);
    expect((await http(d, `/api/block/${hash}/txs/3`)).status).toBe(400);
    const header = (await http(d, `/api/block/${hash}/header`)).text;
    expect(BlockHeader.decode(hexToBytes(header)).hashHex()).toBe(hash);
    const raw = await http(d, `/api/block/${hash}/raw`);
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(Block.decode(raw.bytes).hashHex()).toBe(hash);
  });

  it('answers 404 for unknown hashes and 400 for malformed ones', async () => {
    for (const p of [`/api/block/${UNKNOWN}`, `/api/block/${UNKNOWN}/status`, `/api/tx/${UNKNOWN}`, `/api/tx/${UNKNOWN}/hex`, `/api/tx/${UNKNOWN}/outspends`]) {
      const r = await http(d, p);
      expect([p, r.status]).toEqual([p, 404]);
      expect(r.json.code).toBe('not-found');
    }
    const hex = await http(d, `/api/block/${'zz'.repeat(32)}`);
    expect(hex.status).toBe(400);
    expect(hex.json.code).toBe('bad-hex');
    const len = await http(d, `/api/tx/${'ab'.repeat(31)}`);
    expect(len.status).toBe(400);
    expect(len.json.code).toBe('bad-length');
    expect((await http(d, '/api/no/such/thing')).status).toBe(404);
    expect((await http(d, '/api/address/not-an-address')).status).toBe(400);
    const net = await http(d, `/api/address/${encodeAddress(otherKey, 'crn')}`);
    expect(net.status).toBe(400);
    expect(net.json.code).toBe('address-wrong-network');
  });

  it('accepts a valid transaction, refuses bad ones with a code, and shows it in the mempool', async () => {
    const utxo: Utxo = {
      outpoint: { txid: hexToBytes(coinbase1.txid).reverse(), vout: 0 },
      coin: { value: BigInt(coinbase1.value), script: builder.script, height: 1, coinbase: true },
    };
    spend = builder.spend([utxo], [
      { value: 100_000_000n, script: OTHER_SCRIPT },
      { value: BigInt(coinbase1.value) - 100_000_000n - 2000n, script: builder.script },
    ]);
    const badHex = await http(d, '/api/tx', { method: 'POST', body: 'xyz' });
    expect(badHex.status).toBe(400);
    expect(badHex.json.code).toBe('bad-hex');
    const garbage = await http(d, '/api/tx', { method: 'POST', body: '0100' });
    expect(garbage.status).toBe(400);
    expect(garbage.json.code).toMatch(/^decode-/);
    // a broken signature: consensus refuses it with its rule code
    const broken = new Tx({ ...spend, inputs: spend.inputs.map((i) => ({ ...i, witness: [Uint8Array.from(i.witness[0]!, (b, k) => (k === 5 ? b ^ 1 : b))] })) });
    const sig = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(broken.encode()) });
    expect(sig.status).toBe(400);
    expect(sig.json.code).toBe('bad-schnorr-sig');
    expect(sig.json.message).toMatch(/signature/i);
    expect((await http(d, '/api/mempool')).json.count).toBe(0);

    const ok = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(spend.encode()) });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(spend.txidHex());
    const again = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(spend.encode()) });
    expect(again.status).toBe(400);
    expect(again.json.code).toBe('txn-already-in-mempool');

    const mp = (await http(d, '/api/mempool')).json;
    expect(mp).toMatchObject({ count: 1, vsize: spend.vsize, total_fee: 2000 });
    expect(Array.isArray(mp.fee_histogram)).toBe(true);
    expect((await http(d, '/api/mempool/txids')).json).toEqual([spend.txidHex()]);
    expect((await http(d, '/api/mempool/recent')).json).toEqual([{ txid: spend.txidHex(), fee: 2000, vsize: spend.vsize, value: coinbase1.value - 2000 }]);
    const fees = (await http(d, '/api/fee-estimates')).json;
    expect(Object.keys(fees).map(Number)).toEqual([...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008]);
    expect(fees['1']).toBeGreaterThanOrEqual(1);

    const tx = (await http(d, `/api/tx/${spend.txidHex()}`)).json;
    expect(tx).toMatchObject({ txid: spend.txidHex(), version: 2, locktime: 0, fee: 2000, size: spend.size, weight: spend.weight, status: { confirmed: false } });
    expect(tx.vin[0]).toMatchObject({ txid: coinbase1.txid, vout: 0, is_coinbase: false, sequence: 0xfffffffd, prevout: { scriptpubkey_address: ADDR, value: coinbase1.value } });
    expect(tx.vin[0].witness[0]).toHaveLength(128);
    expect(tx.vout[0]).toEqual({ scriptpubkey: bytesToHex(OTHER_SCRIPT), scriptpubkey_asm: `OP_PUSHNUM_1 OP_PUSHBYTES_32 ${bytesToHex(otherKey)}`, scriptpubkey_type: 'v1_p2tr', scriptpubkey_address: OTHER, value: 100_000_000 });
    expect((await http(d, `/api/tx/${spend.txidHex()}/status`)).json).toEqual({ confirmed: false });
    expect((await http(d, `/api/tx/${spend.txidHex()}/hex`)).text).toBe(bytesToHex(spend.encode()));
    expect((await http(d, `/api/tx/${spend.txidHex()}/merkle-proof`)).status).toBe(404);
    const outs = (await http(d, `/api/tx/${coinbase1.txid}/outspends`)).json;
    expect(outs).toEqual([{ spent: true, txid: spend.txidHex(), vin: 0, status: { confirmed: false } }]);

    const a = (await http(d, `/api/address/${OTHER}`)).json;
    expect(a).toEqual({
      address: OTHER,
      chain_stats: { funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 0 },
      mempool_stats: { funded_txo_count: 1, funded_txo_sum: 100_000_000, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 1 },
    });
    expect((await http(d, `/api/address/${OTHER}/utxo`)).json).toEqual([{ txid: spend.txidHex(), vout: 0, status: { confirmed: false }, value: 100_000_000 }]);
  });

  let ws: WsClient;
  it('pushes block and address events on /api/ws when the tx is mined', async () => {
    ws = await openWs();
    ws.ws.send(JSON.stringify({ subscribe: 'address', address: OTHER }));
    await until(async () => ws.msgs.some((m) => m.type === 'subscribed'), 'subscription ack');
    ws.ws.send(JSON.stringify({ subscribe: 'address', address: 'bogus' }));
    await until(async () => ws.msgs.some((m) => m.type === 'error' && m.code === 'bad-address'), 'address refusal');
    const mined = (await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).json as string[];
    blockHashes.push(...mined);
    const blockEv = await until(async () => ws.msgs.find((m) => m.type === 'block' && m.block.id === mined[0]), 'block event');
    expect(blockEv.block).toMatchObject({ height: 102, tx_count: 2 });
    const addrEv = await until(async () => ws.msgs.find((m) => m.type === 'address' && m.confirmed), 'address event');
    expect(addrEv).toMatchObject({ address: OTHER, txid: spend.txidHex(), block_height: 102 });
  });

  it('serves confirmed txs, proofs, outspends and address history from the indexes', async () => {
    const txid = spend.txidHex();
    const st = (await http(d, `/api/tx/${txid}/status`)).json;
    expect(st).toMatchObject({ confirmed: true, block_height: 102, block_hash: blockHashes[101] });
    const proof = (await http(d, `/api/tx/${txid}/merkle-proof`)).json;
    expect(proof.block_height).toBe(102);
    expect(proof.pos).toBe(1);
    const root = rootFromBranch(spend.txid(), proof.merkle.map((h: string) => hexToBytes(h).reverse()), proof.pos);
    const blk = (await http(d, `/api/block/${blockHashes[101]}`)).json;
    expect(hashToHex(root)).toBe(blk.merkle_root);
    expect(blk.extras).toEqual({ reward: 5_000_002_000, total_fees: 2000, fee_range: [expect.any(Number), expect.any(Number)] });
    expect(blk.extras.fee_range[0]).toBeCloseTo(2000 / spend.vsize, 1);
    const raw = await http(d, `/api/tx/${txid}/raw`);
    expect(Tx.decode(raw.bytes).txidHex()).toBe(txid);
    const outs = (await http(d, `/api/tx/${coinbase1.txid}/outspends`)).json;
    expect(outs[0]).toMatchObject({ spent: true, txid, vin: 0, status: { confirmed: true, block_height: 102 } });
    expect((await http(d, `/api/tx/${txid}/outspends`)).json).toEqual([{ spent: false }, { spent: false }]);

    const a = (await http(d, `/api/address/${OTHER}`)).json;
    expect(a.chain_stats).toEqual({ funded_txo_count: 1, funded_txo_sum: 100_000_000, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 1 });
    expect(a.mempool_stats.tx_count).toBe(0);
    const mine = (await http(d, `/api/address/${ADDR}`)).json.chain_stats;
    expect(mine).toEqual({ funded_txo_count: 103, funded_txo_sum: 102 * 5_000_000_000 + 2000 + (coinbase1.value - 100_000_000 - 2000), spent_txo_count: 1, spent_txo_sum: coinbase1.value, tx_count: 103 });
    const txs = (await http(d, `/api/address/${ADDR}/txs`)).json;
    expect(txs).toHaveLength(25);
    expect(txs[0].txid).toBe(txid);
    const page2 = (await http(d, `/api/address/${ADDR}/txs/chain/${txs[24].txid}`)).json;
    expect(page2).toHaveLength(25);
    expect(page2[0].status.block_height).toBe(txs[24].status.block_height - 1);
    // as electrs: a last_seen_txid that is no confirmed tx ends the listing
    const unknown = await http(d, `/api/address/${ADDR}/txs/chain/${UNKNOWN}`);
    expect([unknown.status, unknown.json]).toEqual([200, []]);
    expect((await http(d, `/api/address/${ADDR}/txs/chain/xyz`)).json.code).toBe('bad-hex');
    const utxo = (await http(d, `/api/address/${OTHER}/utxo`)).json;
    expect(utxo).toEqual([{ txid, vout: 0, status: { confirmed: true, block_height: 102, block_hash: blockHashes[101], block_time: blk.timestamp }, value: 100_000_000 }]);
    expect((await http(d, `/api/address/${ADDR}/utxo`)).json).toHaveLength(102);
  });

  it('serves the node, peers, chain tips, the block tree, the UTXO set summary and metrics', async () => {
    const n = (await http(d, '/api/node')).json;
    expect(n).toMatchObject({ network: 'regtest', coinbase_maturity: params.coinbaseMaturity, tip_height: 102, tip_hash: blockHashes[101], peers: 0, mempool_count: 0, siblings: ['http://127.0.0.1:1'] });
    expect(n.identity).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(n.p2p_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(n.sync.state).toBeDefined();
    expect((await http(d, '/api/peers')).json).toEqual([]);
    expect((await http(d, '/api/chain/tips')).json).toEqual([{ height: 102, hash: blockHashes[101], branchlen: 0, status: 'active' }]);
    const tree = (await http(d, '/api/chain/blocks?from=101')).json;
    expect(tree).toEqual([
      { hash: blockHashes[100], height: 101, prev: blockHashes[99], status: 'active', in_best_chain: true, received_at: expect.any(Number) },
      { hash: blockHashes[101], height: 102, prev: blockHashes[100], status: 'active', in_best_chain: true, received_at: expect.any(Number) },
    ]);
    const u = (await http(d, '/api/utxo-set-info')).json;
    expect(u).toMatchObject({ height: 102, bestblock: blockHashes[101], txouts: 103, total_amount: 102 * 5_000_000_000 });
    expect(u.digest).toMatch(/^[0-9a-f]{64}$/);
    const m = await http(d, '/metrics');
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/^cairn_height 102$/m);
    expect(m.text).toMatch(/^cairn_blocks_validated_total\{result="connected"\} 102$/m);
    expect(m.text).toMatch(/^cairn_txs_rejected_total\{reason="bad-schnorr-sig"\} 1$/m);
    expect(m.text).toMatch(/^cairn_txs_accepted_total\{source="api"\} 1$/m);
  });

  it('reorganizes onto a longer branch submitted with POST /api/block and says so on /api/ws', async () => {
    const b100 = (await http(d, `/api/block/${blockHashes[99]}`)).json;
    const fork: BranchState = { hash: hexToBytes(blockHashes[99]!).reverse(), height: 100, time: b100.timestamp, utxos: new Map() };
    const branch = builder.chain(fork, 4).blocks;
    expect((await http(d, '/api/block', { method: 'POST', body: 'nothex' })).status).toBe(400);
    const orphan = await http(d, '/api/block', { method: 'POST', body: bytesToHex(branch[1]!.encode()) });
    expect(orphan.status).toBe(400);
    expect(orphan.json.code).toBe('prev-blk-not-found');
    const badPow = new Block(branch[0]!.header.with({ merkleRoot: new Uint8Array(32) }), branch[0]!.txs);
    const bad = await http(d, '/api/block', { method: 'POST', body: bytesToHex(badPow.encode()) });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toMatch(/^(bad-txnmrklroot|high-hash)$/);
    ws.msgs.length = 0;
    for (const b of branch.slice(0, 1).concat(branch.slice(2))) {
      const r = await http(d, '/api/block', { method: 'POST', body: bytesToHex(b.encode()) });
      expect(r.status).toBe(200);
      expect(r.text).toBe(b.hashHex());
    }
    expect((await http(d, '/api/blocks/tip/hash')).text).toBe(branch[3]!.hashHex());
    const reorg = await until(async () => ws.msgs.find((m) => m.type === 'reorg'), 'reorg event');
    // branch[1] waited as an orphan, so the reorg happens when branch[2] makes the fork longer
    expect(reorg).toMatchObject({ old_tip: blockHashes[101], new_tip: branch[2]!.hashHex(), depth: 2 });
    const blocksAfter = ws.msgs.filter((m) => m.type === 'block').map((m) => m.block.id);
    expect(blocksAfter).toEqual(branch.map((b) => b.hashHex()));
    expect(ws.msgs.indexOf(reorg)).toBeLessThan(ws.msgs.findIndex((m) => m.type === 'block'));

    // the spend left the chain: the index forgot it and the mempool took it back
    const a = await until(async () => {
      const j = (await http(d, `/api/address/${OTHER}`)).json;
      return j.mempool_stats.tx_count === 1 ? j : undefined;
    }, 'tx back in the mempool');
    expect(a.chain_stats.funded_txo_count).toBe(0);
    expect((await http(d, `/api/tx/${spend.txidHex()}/status`)).json).toEqual({ confirmed: false });
    const tips = (await http(d, '/api/chain/tips')).json;
    expect(tips[0]).toEqual({ height: 104, hash: branch[3]!.hashHex(), branchlen: 0, status: 'active' });
    expect(tips).toContainEqual({ height: 102, hash: blockHashes[101], branchlen: 2, status: 'valid-fork' });
    // a corrupted block never becomes a tip with data
    expect(tips.find((t: { hash: string }) => t.hash === badPow.hashHex())?.status ?? 'headers-only').toBe('headers-only');
    expect((await http(d, `/api/block/${blockHashes[101]}/status`)).json).toEqual({ in_best_chain: false });
    const tree = (await http(d, '/api/chain/blocks?from=102')).json;
    expect(tree.filter((t: { in_best_chain: boolean }) => !t.in_best_chain).map((t: { hash: string }) => t.hash)).toEqual([blockHashes[101]]);
    expect((await http(d, '/metrics')).text).toMatch(/^cairn_reorgs_total 1$/m);
  });

  it('serves the explorer with an SPA fallback and the right content types', async () => {
    const root = await http(d, '/');
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
    expect(root.text).toContain('cairn explorer');
    expect((await http(d, '/block/abc')).text).toContain('cairn explorer');
    const js = await http(d, '/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await http(d, '/missing.js')).status).toBe(404);
    expect((await http(d, '/../../etc/passwd')).text).not.toContain('root:');
    expect((await http(d, '/api/unknown')).json.code).toBe('not-found');
  });

  it('refuses bad admin parameters and reports p2p admin results', async () => {
    expect((await admin(d, '/api/admin/mine', { blocks: 0, address: ADDR })).status).toBe(400);
    expect((await http(d, '/api/admin/mine', { method: 'POST', token: d.token, body: '{not json' })).json.code).toBe('bad-json');
    expect((await admin(d, '/api/admin/peers/999', undefined, 'DELETE')).status).toBe(404);
    expect((await admin(d, '/api/admin/ban', { host: '10.1.2.3', seconds: 60 })).json).toEqual({ banned: '10.1.2.3', seconds: 60 });
    expect((await admin(d, '/api/admin/latency', { ms: 5 })).json).toEqual({ latency_ms: 5 });
    expect((await admin(d, '/api/admin/partition', { peers: ['ws://127.0.0.1:1'] })).status).toBe(200);
    expect((await admin(d, '/api/admin/heal', {})).json).toEqual({ healed: true });
    expect((await admin(d, '/api/admin/miner', { enabled: 'yes' })).status).toBe(400);
  });

  it('shuts down on POST /api/admin/shutdown with exit code 0', async () => {
    ws.ws.close();
    const r = await admin(d, '/api/admin/shutdown', {});
    expect(r.json).toEqual({ stopping: true });
    expect(await d.exited).toBe(0);
  });
});
