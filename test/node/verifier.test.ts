// cairnd's signature verifier as an operator sees it: --verifier and verifier= in
// cairn.conf, the choice in the start-up banner, /api/node and /metrics, and the fallback
// to WASM when bcrypto cannot be loaded (hidden by a preload, as after a failed native
// build), with transactions still verified on the worker threads.
import { afterAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { Block, bytesToHex, hexToBytes, scriptToAddress, Tx } from '../../src/primitives/index.js';
import { ConfigError, parseConfig } from '../../src/node/index.js';
import { ChainBuilder, type Utxo } from '../support/chainbuilder.js';
import { admin, http, ROOT, run, startDaemon, tempDatadir, type Daemon } from '../api/daemon.js';

const NO_BCRYPTO = ['--require', join(ROOT, 'test', 'support', 'no-bcrypto.cjs')];
const builder = new ChainBuilder(getParams('regtest'));
const ADDR = scriptToAddress(builder.script, 'rcrn')!;
const dirs: string[] = [];
const running: Daemon[] = [];

function dir(): string {
  const d = tempDatadir();
  dirs.push(d);
  return d;
}

async function start(extra: string[] = [], nodeArgs: string[] = []): Promise<Daemon> {
  const d = await startDaemon(dir(), extra, nodeArgs);
  running.push(d);
  return d;
}

afterAll(async () => {
  for (const d of running) await d.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Mines 101 blocks, spends the first coinbase through POST /api/tx and mines it. */
async function spendThroughApi(d: Daemon): Promise<void> {
  await admin(d, '/api/admin/mine', { blocks: 101, address: ADDR });
  const hash = (await http(d, '/api/block-height/1')).text;
  const block = Block.decode((await http(d, `/api/block/${hash}/raw`)).bytes);
  const cb = block.txs[0]!;
  const utxo: Utxo = { outpoint: { txid: cb.txid(), vout: 0 }, coin: { ...cb.outputs[0]!, height: 1, coinbase: true } };
  const tx = builder.spend([utxo]);
  const broken = new Tx({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [Uint8Array.from(i.witness[0]!, (b, k) => (k === 9 ? b ^ 1 : b))] })) });
  const bad = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(broken.encode()) });
  expect([bad.status, bad.json.code]).toEqual([400, 'bad-schnorr-sig']);
  const ok = await http(d, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
  expect([ok.status, ok.text]).toEqual([200, tx.txidHex()]);
  const [mined] = (await admin(d, '/api/admin/mine', { blocks: 1, address: ADDR })).json as string[];
  expect((await http(d, `/api/block/${mined}/txids`)).json).toContain(tx.txidHex());
  expect(hexToBytes(mined!).length).toBe(32);
}

describe('cairnd --verifier', () => {
  it('reads verifier= from cairn.conf, lets the flag override it, and refuses unknown values', () => {
    const read = (): string => 'verifier=wasm\n';
    expect(parseConfig(['--datadir', '/x'], { readFile: () => undefined }).verifier).toBe('auto');
    expect(parseConfig(['--datadir', '/x'], { readFile: read }).verifier).toBe('wasm');
    expect(parseConfig(['--datadir', '/x', '--verifier', 'native'], { readFile: read }).verifier).toBe('native');
    expect(() => parseConfig(['--datadir', '/x', '--verifier', 'fast'], { readFile: () => undefined })).toThrow(ConfigError);
    expect(() => parseConfig(['--datadir', '/x'], { readFile: () => 'verifier=fast\n' })).toThrow(/--verifier must be one of auto, native, wasm/);
  });

  it('runs native by default and shows it in the banner, /api/node and /metrics; the cache serves the block', async () => {
    const d = await start();
    expect([d.banner.verifier, d.banner.verifier_requested, d.banner.verifier_fallback]).toEqual(['native', 'auto', undefined]);
    expect(String(d.banner.msg)).toContain('verifier native');
    expect((await http(d, '/api/node')).json.verifier).toEqual({ backend: 'native', requested: 'auto', fallback_reason: null });
    await spendThroughApi(d);
    const metrics = (await http(d, '/metrics')).text;
    expect(metrics).toContain('cairn_verifier_info{backend="native",requested="auto"} 1');
    // The spend verified once in the mempool (plus the refused forgery) and came from the cache in its block.
    expect(metrics).toMatch(/^cairn_signatures_verified_total 2$/m);
    expect(metrics).toMatch(/^cairn_signatures_cached_total 1$/m);
  });

  it('runs WASM when asked', async () => {
    const d = await start(['--verifier', 'wasm']);
    expect([d.banner.verifier, d.banner.verifier_requested]).toEqual(['wasm', 'wasm']);
    expect((await http(d, '/metrics')).text).toContain('cairn_verifier_info{backend="wasm",requested="wasm"} 1');
  });

  it('falls back to WASM, saying why, when bcrypto cannot be loaded, and still verifies', async () => {
    const d = await start([], NO_BCRYPTO);
    expect([d.banner.verifier, d.banner.verifier_requested]).toEqual(['wasm', 'auto']);
    expect(String(d.banner.verifier_fallback)).toMatch(/did not load: Cannot find module 'bcrypto/);
    expect(d.lines.some((l) => l.includes('falling back to WASM'))).toBe(true);
    expect((await http(d, '/api/node')).json.verifier).toMatchObject({ backend: 'wasm', requested: 'auto', fallback_reason: expect.stringMatching(/did not load/) });
    await spendThroughApi(d);
  });

  it('refuses to start with --verifier native when bcrypto cannot be loaded, naming the cause', async () => {
    const r = await run(['--network', 'regtest', '--datadir', dir(), '--api-port', '0', '--p2p-port', '0', '--verifier', 'native'], 30_000, NO_BCRYPTO);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--verifier native: native libsecp256k1 \(bcrypto\) did not load.*install it/);
  });
});
