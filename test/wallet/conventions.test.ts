// Issue #19's wallet CLI conventions, run in-process against the fake Esplora:
// snake_case --json output like the node's API and Core's RPC, a maxtxfee-like guard
// (refuse a fee above 0.1 coin or 10 % of the amount sent unless --force), at least 8
// characters for a new passphrase, errors that speak of transactions and the node (never
// of API paths) and say what to do next, `psbt sign` on a missing file, and --dry-run
// showing the txid that a real send then broadcasts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Transaction } from '@scure/btc-signer';
import { hex } from '@scure/base';
import { addressToScript, HRPS } from '../../src/primitives/index.js';
import { MAX_FEE, absurdFee } from '../../wallet/feeguard.js';
import { snakeKeys } from '../../wallet/session.js';
import { FakeEsplora } from './fake-esplora.js';
import { removeBundle, runWallet, type RunOptions, type RunResult } from './cli-helpers.js';

const PASS = 'conventions passphrase';
const KDF = ['--kdf-log-n', '6'];
const env = { CAIRN_WALLET_PASSPHRASE: PASS };
let node: FakeEsplora;
let dir: string;
let addrA = '';
let addrB = '';
let mnemonicB = '';

const A = () => join(dir, 'a.json');
const B = () => join(dir, 'b.json');
const W = (file: string, args: string[], o: RunOptions = {}) => runWallet(['--node', node.url, '--wallet', file, '--json', ...args], { env, ...o });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  return r.json();
};
const errOf = (r: RunResult) => JSON.parse(r.err).error as { code: string; message: string; hint?: string };

/** Every object key anywhere in `v`. */
function keysOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keysOf(x, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), keysOf(x, out);
  return out;
}

beforeAll(async () => {
  node = new FakeEsplora('regtest');
  await node.start();
  dir = mkdtempSync(join(tmpdir(), 'cairn-wallet-conv-'));
  addrA = ok(await W(A(), ['create', '--words', '12', ...KDF])).address;
  const b = ok(await W(B(), ['create', '--words', '12', ...KDF]));
  addrB = b.address;
  mnemonicB = b.mnemonic;
  node.mine(101, addressToScript(addrA, HRPS.regtest));
});
afterAll(async () => {
  await node.stop();
  await removeBundle();
  rmSync(dir, { recursive: true, force: true }); // the suite leaves nothing in the temp directory
});

describe('--json output is snake_case, like the node API', () => {
  it('snakeKeys renames every key at every depth and leaves values alone (property)', () => {
    const camel = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,12}$/);
    fc.assert(
      fc.property(fc.dictionary(camel, fc.oneof(fc.string(), fc.integer(), fc.dictionary(camel, fc.string()), fc.array(fc.dictionary(camel, fc.boolean())))), (obj) => {
        const out = snakeKeys(obj);
        for (const k of keysOf(out)) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
        // same number of keys, and each value reachable under the renamed key
        expect(keysOf(out)).toHaveLength(keysOf(obj).length);
        for (const [k, v] of Object.entries(obj)) {
          const renamed = k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
          if (typeof v !== 'object') expect((out as Record<string, unknown>)[renamed]).toBe(v);
        }
      }),
    );
  });

  it('every command prints only snake_case keys (and the fields once in camelCase now are snake_case)', async () => {
    const outputs: [string, unknown][] = [];
    const run = async (name: string, file: string, args: string[]) => {
      const j = ok(await W(file, args));
      outputs.push([name, j]);
      return j;
    };
    const info = await run('info', A(), ['info']);
    expect(info).toMatchObject({ watch_only: false, next_receive_index: 1, next_change_index: 0, sent_txs: 0 });
    await run('address', A(), ['address', '--label', 'x']);
    const addrs = await run('addresses', A(), ['addresses']);
    expect(addrs[0]).toHaveProperty('tx_count');
    await run('balance', A(), ['balance']);
    await run('utxos', A(), ['utxos']);
    const dry = await run('send --dry-run', A(), ['send', addrB, '1', '--fee-rate', '2', '--dry-run']);
    expect(dry).toHaveProperty('fee_rate', 2);
    const sent = await run('send', A(), ['send', addrB, '1', '--fee-rate', '2', '--yes']);
    node.mine(1);
    await run('history', A(), ['history']);
    await run('tx', A(), ['tx', sent.txid]);
    const waited = await run('wait', A(), ['wait', sent.txid, '--interval', '1']);
    expect(waited).toMatchObject({ txid: sent.txid, block_height: 102 });
    const psbt = await run('psbt create', A(), ['psbt', 'create', addrB, '0.5', '--fee-rate', '1']);
    const signed = await run('psbt sign', A(), ['psbt', 'sign', psbt.psbt]);
    expect(signed).toMatchObject({ signed_inputs: 1, complete: true });
    await run('psbt finalize', A(), ['psbt', 'finalize', signed.psbt, '--extract']);
    const restored = await run('restore', join(dir, 'r.json'), ['restore', '--mnemonic-file', writeTemp('m.txt', mnemonicB), '--gap', '3', ...KDF]);
    expect(restored).toHaveProperty('used_addresses', 1);
    for (const [name, j] of outputs) for (const k of keysOf(j)) expect([name, k]).toEqual([name, expect.stringMatching(/^[a-z][a-z0-9_]*$/)]);
    expect(outputs.length).toBeGreaterThanOrEqual(13);
  });
});

function writeTemp(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('fee guard (Core maxtxfee-like)', () => {
  it('absurdFee agrees with a naive model: more than 0.1 coin, or more than a tenth of what is sent (property)', () => {
    const model = (fee: number, sent: number): boolean => fee > 0.1 * 100_000_000 || fee / sent > 0.1;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 330, max: 2_100_000_000_000 }), (fee, sent) => {
        expect([fee, sent, absurdFee(BigInt(fee), BigInt(sent)) !== null]).toEqual([fee, sent, model(fee, sent)]);
      }),
      { numRuns: 2000 },
    );
    // the edges themselves
    expect(absurdFee(MAX_FEE, 1_000_000_000n)).toBeNull();
    expect(absurdFee(MAX_FEE + 1n, 10_000_000_000n)).toMatch(/more than 0\.10000000/);
    expect(absurdFee(1000n, 10_000n)).toBeNull();
    expect(absurdFee(1001n, 10_000n)).toMatch(/more than 10 %/);
  });

  it('refuses a fee above 10 % of a small payment, or above 0.1 coin, unless --force; refusals change nothing', async () => {
    const before = readFileSync(A());
    const mempool = node.mempool();
    const cases: string[][] = [
      ['send', addrB, '10000sat', '--fee-rate', '10', '--yes'], // ~1,540 of fee on 10,000
      ['send', addrB, '10', '--fee-rate', '100000', '--yes'], // ~0.15 coin of fee on 10 coins
      ['send', addrB, '10', '--fee-rate', '100000', '--dry-run'], // a dry run says what a real one would
      ['psbt', 'create', addrB, '10', '--fee-rate', '100000'],
    ];
    for (const args of cases) {
      const r = await W(A(), args);
      expect([args.join(' '), r.code, errOf(r).code]).toEqual([args.join(' '), 1, 'fee-too-high']);
      expect(errOf(r).hint).toContain('--force');
      expect(readFileSync(A()).equals(before)).toBe(true);
      expect(node.mempool()).toEqual(mempool);
    }
    const forced = ok(await W(A(), ['send', addrB, '10000sat', '--fee-rate', '10', '--yes', '--force']));
    expect(forced.fee).toBeGreaterThan(1000);
    expect(node.mempool()).toContain(forced.txid);
    const bump = await W(A(), ['bump', forced.txid, '--fee-rate', '20', '--yes']);
    expect(errOf(bump).code).toBe('fee-too-high');
    expect(ok(await W(A(), ['bump', forced.txid, '--fee-rate', '20', '--yes', '--force'])).replaces).toBe(forced.txid);
    node.mine(1);
  });
});

describe('new passphrases', () => {
  it('fewer than 8 characters are refused for create and restore, from env, file or prompt; nothing is written', async () => {
    const f = join(dir, 'weak.json');
    const seven = { CAIRN_WALLET_PASSPHRASE: 'seven77' };
    const r1 = await runWallet(['--node', node.url, '--wallet', f, '--json', 'create', ...KDF], { env: seven });
    expect([r1.code, errOf(r1).code]).toEqual([1, 'weak-passphrase']);
    expect(errOf(r1).message).toContain('at least 8 characters');
    const pf = writeTemp('short-pass.txt', 'short\n');
    const r2 = await runWallet(['--node', node.url, '--wallet', f, '--passphrase-file', pf, '--json', 'create', ...KDF]);
    expect(errOf(r2).code).toBe('weak-passphrase');
    const r3 = await runWallet(['--node', node.url, '--wallet', f, 'create', ...KDF], { interactive: true, answers: ['abc', 'abc'] });
    expect(r3.code).toBe(1);
    expect(r3.err).toContain('at least 8 characters');
    const words = ok(await W(join(dir, 'src.json'), ['create', '--words', '12', ...KDF])).mnemonic as string;
    const r4 = await runWallet(['--node', node.url, '--wallet', f, '--json', 'restore', '--mnemonic-file', writeTemp('words.txt', words), ...KDF], { env: seven });
    expect(errOf(r4).code).toBe('weak-passphrase');
    expect(existsSync(f)).toBe(false);
    // exactly 8 characters, counted as characters (not UTF-8 bytes), is enough
    const eight = ok(await runWallet(['--node', node.url, '--wallet', f, '--json', 'create', ...KDF], { env: { CAIRN_WALLET_PASSPHRASE: 'ünïcödé!' } }));
    expect(eight.address).toMatch(/^rcrn1p/);
    expect(ok(await runWallet(['--wallet', f, '--json', 'info'], { env: { CAIRN_WALLET_PASSPHRASE: 'ünïcödé!' } })).network).toBe('regtest');
  });
});

describe('errors say what happened in words and what to do next', () => {
  it('an unknown transaction, a failing node and a node that is not cairnd: no API paths, always a hint', async () => {
    const unknown = 'ab'.repeat(32);
    const cases: [string[], RunOptions, string, RegExp][] = [
      [['tx', unknown], {}, 'not-found', /does not know transaction abab/],
      [['wait', unknown, '--max-wait', '1'], {}, 'not-found', /does not know transaction/],
      [['bump', unknown, '--fee-rate', '5', '--yes'], {}, 'not-found', /does not know transaction/],
      [['balance'], { fetch: async () => ({ status: 500, ok: false, text: async () => '{"code":"internal","message":"boom"}' }) }, 'node-error', /failed to give its network and version \(HTTP 500: internal: boom\)/],
      [['balance'], { fetch: async () => ({ status: 200, ok: true, text: async () => '<html>' }) }, 'node-error', /unreadable answer for its network and version/],
    ];
    for (const [args, o, code, msg] of cases) {
      const r = await W(A(), args, o);
      const e = errOf(r);
      expect([args[0], r.code, e.code]).toEqual([args[0], 1, code]);
      expect(e.message).toMatch(msg);
      expect(e.message).not.toContain('/api/');
      expect(e.hint ?? '').not.toBe('');
    }
  });

  it('psbt sign on a missing file says the file is missing; a damaged base64 PSBT is a bad PSBT', async () => {
    const missing = join(dir, 'nope', 'unsigned.psbt');
    const r = await W(A(), ['psbt', 'sign', missing]);
    expect(errOf(r)).toMatchObject({ code: 'no-file', message: `no PSBT file at ${missing}` });
    const text = await runWallet(['--wallet', A(), 'psbt', 'sign', 'unsigned.psbt'], { env });
    expect(text.err).toContain('error: no PSBT file at unsigned.psbt');
    expect(text.err).toContain('hint: check the path');
    expect(errOf(await W(A(), ['psbt', 'finalize', missing])).code).toBe('no-file');
    expect(errOf(await W(A(), ['psbt', 'sign', 'cHNidP8BAAAA'])).code).toBe('bad-psbt');
  });
});

describe('send --dry-run', () => {
  it('shows the txid; the same send for real broadcasts exactly that txid', async () => {
    const seed = 4242;
    const dry = ok(await W(A(), ['send', addrB, '0.3', '--fee-rate', '3', '--dry-run'], { seed }));
    expect(dry.broadcast).toBe(false);
    // the txid is the hash of the signed tx it printed (checked by an independent decoder)
    expect(Transaction.fromRaw(hex.decode(dry.hex)).id).toBe(dry.txid);
    const text = await runWallet(['--node', node.url, '--wallet', A(), 'send', addrB, '0.3', '--fee-rate', '3', '--dry-run'], { env, seed });
    expect(text.out).toContain(`txid   ${dry.txid}`);
    expect(node.mempool()).not.toContain(dry.txid);
    const real = ok(await W(A(), ['send', addrB, '0.3', '--fee-rate', '3', '--yes'], { seed }));
    expect(real.txid).toBe(dry.txid);
    expect(node.mempool()).toContain(dry.txid);
  });
});
