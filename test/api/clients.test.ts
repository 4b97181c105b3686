// Independent Esplora clients against a real regtest cairnd: mempool.space's own client
// library (@mempool/mempool.js) and a wallet backend (@bitcoinerlab/explorer's
// EsploraExplorer). Beyond status codes, every tx object is checked field by field for
// the JSON types electrs serializes, and the merkleblock proof is verified by bitcore-lib.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import mempoolJS from '@mempool/mempool.js';
import { EsploraExplorer } from '@bitcoinerlab/explorer';
import bitcore from 'bitcore-lib';
import { bytesToHex, encodeAddress, hexToBytes, opReturnScript, p2trScript, scriptToAddress, sha256, type Tx } from '../../src/primitives/index.js';
import { getParams } from '../../src/consensus/index.js';
import { ChainBuilder, type Utxo } from '../support/chainbuilder.js';
import { admin, http, startDaemon, tempDatadir, type Daemon } from './daemon.js';

const builder = new ChainBuilder(getParams('regtest'));
const ADDR = scriptToAddress(builder.script, 'rcrn')!;
const otherKey = new Uint8Array(32).fill(0x42);
const OTHER = encodeAddress(otherKey, 'rcrn');
const OTHER_SCRIPT = p2trScript(otherKey);
const OTHER_SH = bytesToHex(sha256(OTHER_SCRIPT)); // Esplora's scripthash
const ELECTRUM_SH = bytesToHex(sha256(OTHER_SCRIPT).reverse()); // Electrum's: reversed

let d: Daemon;
let dir: string;
let api: ReturnType<typeof mempoolJS>['bitcoin'];
let explorer: EsploraExplorer;
let spend: Tx;

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
const kindOf = (v: unknown): Kind => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as Kind));
function expectShape(o: Record<string, unknown>, shape: Record<string, Kind | Kind[]>, where: string): void {
  for (const [k, want] of Object.entries(shape)) {
    const ok = (Array.isArray(want) ? want : [want]).includes(kindOf(o[k]));
    if (!ok) throw new Error(`${where}.${k}: expected ${String(want)}, got ${kindOf(o[k])} (${JSON.stringify(o[k])})`);
  }
}
const VOUT = { scriptpubkey: 'string', scriptpubkey_asm: 'string', scriptpubkey_type: 'string', value: 'number' } as const;
/** Every field electrs gives a Bitcoin tx, with its JSON type. */
function expectEsploraTx(tx: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expectShape(tx, { txid: 'string', version: 'number', locktime: 'number', vin: 'array', vout: 'array', size: 'number', weight: 'number', fee: 'number', status: 'object' }, 'tx');
  expectShape(tx.status, { confirmed: 'boolean' }, 'tx.status');
  if (tx.status.confirmed) expectShape(tx.status, { block_height: 'number', block_hash: 'string', block_time: 'number' }, 'tx.status');
  for (const i of tx.vin) {
    expectShape(i, { txid: 'string', vout: 'number', prevout: ['object', 'null'], scriptsig: 'string', scriptsig_asm: 'string', witness: 'array', is_coinbase: 'boolean', sequence: 'number' }, 'vin');
    if (i.prevout) expectShape(i.prevout, VOUT, 'vin.prevout');
  }
  for (const o of tx.vout) expectShape(o, VOUT, 'vout');
}

beforeAll(async () => {
  dir = tempDatadir();
  d = await startDaemon(dir);
  api = mempoolJS({ hostname: `127.0.0.1:${d.port}`, protocol: 'http' } as Parameters<typeof mempoolJS>[0]).bitcoin;
  explorer = new EsploraExplorer({ url: `${d.base}/api` });
  await explorer.connect();
  const mined = (await admin(d, '/api/admin/mine', { blocks: 101, address: ADDR })).json as string[];
  expect(mined).toHaveLength(101);
  const cb = (await http(d, `/api/block/${mined[0]}/txs`)).json[0];
  const utxo: Utxo = { outpoint: { txid: hexToBytes(cb.txid).reverse(), vout: 0 }, coin: { value: BigInt(cb.vout[0].value), script: builder.script, height: 1, coinbase: true } };
  spend = builder.spend([utxo], [
    { value: 100_000_000n, script: OTHER_SCRIPT },
    { value: 0n, script: opReturnScript(new TextEncoder().encode('hello')) },
    { value: utxo.coin.value - 100_000_000n - 3000n, script: builder.script },
  ]);
});

afterAll(async () => {
  explorer?.close();
  if (d) await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('independent Esplora clients against cairnd', () => {
  it('a wallet backend pages the history of an address whose only tx is unconfirmed', async () => {
    const txid = await explorer.push(bytesToHex(spend.encode()));
    expect(txid).toBe(spend.txidHex());
    // EsploraExplorer asks /txs, then /txs/chain/<last txid> even for an unconfirmed one:
    // a 404 there made it throw.
    expect(await explorer.fetchTxHistory({ address: OTHER })).toEqual([{ txId: txid, blockHeight: 0, irreversible: false }]);
    expect(await explorer.fetchTxHistory({ scriptHash: ELECTRUM_SH })).toEqual([{ txId: txid, blockHeight: 0, irreversible: false }]);
    expect(await explorer.fetchAddress(OTHER)).toEqual({ balance: 0, txCount: 0, unconfirmedBalance: 100_000_000, unconfirmedTxCount: 1 });
    expect(await explorer.fetchScriptHash(ELECTRUM_SH)).toEqual({ balance: 0, txCount: 0, unconfirmedBalance: 100_000_000, unconfirmedTxCount: 1 });
    expect(await explorer.fetchTx(txid)).toBe(bytesToHex(spend.encode()));
    const fees = await explorer.fetchFeeEstimates(); // throws unless Esplora-shaped
    expect(Object.keys(fees).map(Number)).toEqual([...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008]);
  });

  it('mempool.js reads an unconfirmed tx with electrs field names, types and asm', async () => {
    const tx = await api.transactions.getTx({ txid: spend.txidHex() });
    expectEsploraTx(tx);
    expect(tx.status).toEqual({ confirmed: false });
    expect(tx.vout.map((o) => [o.scriptpubkey_type, o.scriptpubkey_asm])).toEqual([
      ['v1_p2tr', `OP_PUSHNUM_1 OP_PUSHBYTES_32 ${bytesToHex(otherKey)}`],
      ['op_return', 'OP_RETURN OP_PUSHBYTES_5 68656c6c6f'],
      ['v1_p2tr', `OP_PUSHNUM_1 OP_PUSHBYTES_32 ${bytesToHex(builder.script.subarray(2))}`],
    ]);
    expect(tx.vin[0]!.scriptsig_asm).toBe('');
    expect(tx.vin[0]!.prevout.scriptpubkey_asm).toBe(`OP_PUSHNUM_1 OP_PUSHBYTES_32 ${bytesToHex(builder.script.subarray(2))}`);
    expect(await api.transactions.getTxOutspend({ txid: spend.txidHex(), vout: 0 })).toEqual({ spent: false });
    const utxo = await api.addresses.getAddressTxsUtxo({ address: OTHER });
    expect(utxo).toEqual([{ txid: spend.txidHex(), vout: 0, status: { confirmed: false }, value: 100_000_000 }]);
    expect((await api.addresses.getAddressTxsMempool({ address: OTHER })).map((t) => t.txid)).toEqual([spend.txidHex()]);
    expect(await api.addresses.getAddressTxsChain({ address: OTHER })).toEqual([]);
  });

  it('after a block: outspend, merkleblock proof (verified by bitcore-lib), coinbase asm, scripthash routes', async () => {
    const [hash] = (await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).json as string[];
    const txid = spend.txidHex();
    const tx = await api.transactions.getTx({ txid });
    expectEsploraTx(tx);
    expect(tx.status).toMatchObject({ confirmed: true, block_height: 102, block_hash: hash });

    const prevTxid = tx.vin[0]!.txid;
    const os = await api.transactions.getTxOutspend({ txid: prevTxid, vout: 0 });
    expect(os).toEqual({ spent: true, txid, vin: 0, status: { confirmed: true, block_height: 102, block_hash: hash, block_time: tx.status.block_time } });
    expect(os).toEqual((await api.transactions.getTxOutspends({ txid: prevTxid }))[0]);
    expect((await http(d, `/api/tx/${prevTxid}/outspend/5`)).status).toBe(404);
    expect((await http(d, `/api/tx/${prevTxid}/outspend/x`)).status).toBe(400);

    const proofHex = await api.transactions.getTxMerkleBlockProof({ txid });
    expect(proofHex).toMatch(/^[0-9a-f]+$/);
    const mb = new bitcore.MerkleBlock(Buffer.from(proofHex, 'hex'));
    expect(mb.validMerkleTree()).toBe(true);
    expect(mb.header.hash).toBe(hash);
    expect(mb.numTransactions).toBe(2);
    expect(mb.hasTransaction(bytesToHex(spend.txid()))).toBe(true);
    expect(mb.hasTransaction(bytesToHex(hexToBytes((await http(d, `/api/block/${hash}/txid/0`)).text).reverse()))).toBe(false);
    expect((await http(d, `/api/tx/${'cd'.repeat(32)}/merkleblock-proof`)).status).toBe(404);

    const block = (await api.blocks.getBlockTxs({ hash, start_index: 0 })) as unknown as Awaited<ReturnType<typeof api.transactions.getTx>>[]; // typed as one Tx, returns a page
    const coinbase = block[0]!;
    expectEsploraTx(coinbase);
    expect(coinbase.vin[0]).toMatchObject({ is_coinbase: true, prevout: null });
    expect(coinbase.vin[0]!.scriptsig_asm).toMatch(/^OP_PUSHBYTES_1 66( |$)/); // BIP34 height 102

    // the /scripthash family answers as /address does, under the scripthash key
    const byAddr = (await http(d, `/api/address/${OTHER}`)).json;
    const bySh = (await http(d, `/api/scripthash/${OTHER_SH}`)).json;
    expect(bySh).toEqual({ ...byAddr, address: undefined, scripthash: OTHER_SH });
    expect(bySh.chain_stats).toEqual({ funded_txo_count: 1, funded_txo_sum: 100_000_000, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 1 });
    for (const p of ['/txs', '/txs/chain', `/txs/chain/${txid}`, '/txs/mempool', '/utxo']) {
      const a = (await http(d, `/api/address/${OTHER}${p}`)).json;
      expect((await http(d, `/api/scripthash/${OTHER_SH}${p}`)).json).toEqual(a);
    }
    const shTxs = (await http(d, `/api/scripthash/${OTHER_SH}/txs`)).json;
    expect(shTxs.map((t: { txid: string }) => t.txid)).toEqual([txid]);
    shTxs.forEach(expectEsploraTx);
    expect((await http(d, `/api/scripthash/${OTHER_SH.slice(2)}`)).json.code).toBe('bad-length');
    expect((await http(d, `/api/scripthash/${'zz' + OTHER_SH.slice(2)}`)).json.code).toBe('bad-hex');
    // a wallet backend sees it confirmed, via address and scripthash
    expect(await explorer.fetchTxHistory({ scriptHash: ELECTRUM_SH })).toEqual([{ txId: txid, blockHeight: 102, irreversible: false }]);
    expect(await explorer.fetchAddress(OTHER)).toEqual({ balance: 100_000_000, txCount: 1, unconfirmedBalance: 0, unconfirmedTxCount: 0 });
  });
});
