import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction } from '@scure/btc-signer';
import { base64 } from '@scure/base';
import { addressToScript, encodeAddress, HRPS } from '../../src/primitives/index.js';
import { FakeEsplora } from './fake-esplora.js';
import { removeBundle, runWallet, spawnWallet, type RunResult } from './cli-helpers.js';

const PASS = 'test passphrase';
const KDF = ['--kdf-log-n', '6'];
let node: FakeEsplora;
let dir: string;
const env = { CAIRN_WALLET_PASSPHRASE: PASS };

const A = () => join(dir, 'a.json');
const B = () => join(dir, 'b.json');
const W = (file: string, ...args: string[]) => runWallet(['--node', node.url, '--wallet', file, '--json', ...args], { env });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  return r.json();
};
const errOf = (r: RunResult) => JSON.parse(r.err).error as { code: string; message: string; hint?: string };

let mnemonicA = '';
let addrA0 = '';
let addrB0 = '';

beforeAll(async () => {
  node = new FakeEsplora('regtest');
  await node.start();
  dir = mkdtempSync(join(tmpdir(), 'cairn-wallet-cli-'));
});
afterAll(async () => {
  await node.stop();
  await removeBundle();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function balance(file: string) {
  return ok(await W(file, 'balance')) as { confirmed: number; unconfirmed: number; immature: number; tip: number };
}

describe('cairn-wallet against a fake Esplora', () => {
  it('create: network from the node, mnemonic shown once, file 0600 and encrypted', async () => {
    const j = ok(await W(A(), 'create', '--words', '12', ...KDF));
    expect(j.network).toBe('regtest');
    expect(j.mnemonic.split(' ')).toHaveLength(12);
    expect(j.address.startsWith('rcrn1p')).toBe(true);
    mnemonicA = j.mnemonic;
    addrA0 = j.address;
    expect(statSync(A()).mode & 0o777).toBe(0o600);
    const text = readFileSync(A(), 'utf8');
    expect(text).not.toContain(j.mnemonic.split(' ')[0] + ' ');
    expect(text).not.toContain('xprv');
    const b = ok(await W(B(), 'create', ...KDF));
    expect(b.mnemonic.split(' ')).toHaveLength(24);
    addrB0 = b.address;
    // create never overwrites
    const again = await W(A(), 'create', ...KDF);
    expect(again.code).toBe(1);
    expect(errOf(again).code).toBe('wallet-exists');
  });

  it('balance: 101 blocks mined to A → one mature reward, 100 immature', async () => {
    node.mine(101, addressToScript(addrA0, HRPS.regtest));
    const b = await balance(A());
    expect(b).toMatchObject({ confirmed: 5_000_000_000, unconfirmed: 0, immature: 500_000_000_000, tip: 101 });
    expect(await balance(B())).toMatchObject({ confirmed: 0, unconfirmed: 0, immature: 0 });
  });

  it('send --dry-run builds and signs but sends and saves nothing', async () => {
    const before = readFileSync(A());
    const j = ok(await W(A(), 'send', addrB0, '1.25', '--fee-rate', '2', '--dry-run'));
    expect(j.broadcast).toBe(false);
    expect(j.payments).toEqual([{ address: addrB0, value: 125_000_000 }]);
    expect(j.fee).toBe(Math.ceil((j.weight * 2) / 4));
    expect(j.vsize).toBe(Math.ceil((42 + 230 + 172 * 2) / 4));
    expect(node.mempool()).toHaveLength(0);
    expect(readFileSync(A()).equals(before)).toBe(true);
  });

  it('send: A pays B 1.25, mine, balances exact to the unit including fee', async () => {
    const j = ok(await W(A(), 'send', addrB0, '1.25', '--fee-rate', '2', '--yes'));
    expect(j.broadcast).toBe(true);
    expect(node.mempool()).toEqual([j.txid]);
    const tx = node.txs.get(j.txid)!.tx;
    expect(tx.version).toBe(2);
    expect(tx.locktime).toBe(101);
    expect(tx.inputs.every((i) => i.sequence === 0xfffffffd)).toBe(true);
    expect(j.change.address.startsWith('rcrn1p')).toBe(true);
    const fee = j.fee as number;
    expect(fee).toBe(Number(node.txs.get(j.txid)!.fee));
    // Before mining: B sees it unconfirmed; A's change is unconfirmed.
    expect(await balance(B())).toMatchObject({ confirmed: 0, unconfirmed: 125_000_000 });
    node.mine(1);
    expect(await balance(B())).toMatchObject({ confirmed: 125_000_000, unconfirmed: 0, immature: 0 });
    // Tip 102: coinbases at heights 1 and 2 are mature now; one reward was spent.
    const a = await balance(A());
    expect(a.confirmed).toBe(2 * 5_000_000_000 - 125_000_000 - fee);
    expect(a.immature).toBe(99 * 5_000_000_000);
    const h = ok(await W(A(), 'history'));
    expect(h[0]).toMatchObject({ txid: j.txid, amount: -(125_000_000 + fee), fee, confirmations: 1 });
  });

  it('refusals exit 1 with a clear code and leave the wallet file byte-for-byte unchanged', async () => {
    const before = readFileSync(A());
    const cases: [string[], string, Record<string, string>?][] = [
      [['balance'], 'bad-passphrase', { CAIRN_WALLET_PASSPHRASE: 'wrong' }],
      [['send', addrB0, '1000000', '--fee-rate', '1', '--yes'], 'insufficient-funds'],
      [['send', 'rcrn1pnotanaddress', '1', '--yes'], 'bad-address'],
      [['send', encodeAddress(new Uint8Array(32).fill(7), HRPS.devnet), '1', '--yes'], 'wrong-network'],
      [['send', encodeAddress(new Uint8Array(32).fill(7), HRPS.main), '1', '--yes'], 'wrong-network'],
      [['send', addrB0, '329sat', '--yes'], 'dust'],
      [['send', addrB0, '1.5.5', '--yes'], 'bad-amount'],
      [['send', addrB0, '1'], 'aborted'], // no --yes and nobody at a terminal to confirm
      [['bump', 'ab'.repeat(32), '--fee-rate', '9', '--yes'], 'not-found'],
    ];
    for (const [args, code, e] of cases) {
      const r = await runWallet(['--node', node.url, '--wallet', A(), '--json', ...args], { env: e ?? env });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect([args.join(' '), errOf(r).code]).toEqual([args.join(' '), code]);
      expect(readFileSync(A()).equals(before)).toBe(true);
    }
    const down = await runWallet(['--node', 'http://127.0.0.1:1', '--wallet', A(), 'balance'], { env });
    expect(down.code).toBe(1);
    expect(down.err).toContain('cannot reach node at http://127.0.0.1:1');
    expect(down.err).toContain('is cairnd running? set --node or CAIRN_NODE');
    expect(readFileSync(A()).equals(before)).toBe(true);
    expect(node.mempool()).toHaveLength(0);
  });

  it('a wallet refuses a node of another network', async () => {
    const other = new FakeEsplora('devnet');
    await other.start();
    try {
      const r = await runWallet(['--node', other.url, '--wallet', A(), '--json', 'balance'], { env });
      expect(r.code).toBe(1);
      expect(errOf(r).code).toBe('wrong-network');
    } finally {
      await other.stop();
    }
  });

  it('bump replaces the mempool tx with a higher-fee one', async () => {
    const sent = ok(await W(A(), 'send', addrB0, '0.5', '--fee-rate', '1', '--yes'));
    const bumped = ok(await W(A(), 'bump', sent.txid, '--fee-rate', '5', '--yes'));
    expect(bumped.replaces).toBe(sent.txid);
    expect(node.mempool()).toEqual([bumped.txid]);
    expect(node.txs.has(sent.txid)).toBe(false);
    expect(bumped.fee).toBeGreaterThan(sent.fee);
    expect(bumped.payments).toEqual([{ address: addrB0, value: 50_000_000 }]);
    // Same inputs: a true replacement, not a second payment.
    expect(bumped.inputs.map((i: { txid: string }) => i.txid)).toEqual(sent.inputs.map((i: { txid: string }) => i.txid));
    node.mine(1);
    expect((await balance(B())).confirmed).toBe(175_000_000);
  });

  it('restore from the mnemonic finds the same balance', async () => {
    const mfile = join(dir, 'mnemonic.txt');
    writeFileSync(mfile, mnemonicA + '\n');
    const want = await balance(A());
    const r = ok(await W(join(dir, 'restored.json'), 'restore', '--mnemonic-file', mfile, ...KDF));
    expect(r.confirmed).toBe(want.confirmed);
    expect(r.immature).toBe(want.immature);
    expect(r.next.change).toBeGreaterThanOrEqual(2);
    expect(await balance(join(dir, 'restored.json'))).toEqual(want);
    const bad = await W(join(dir, 'r2.json'), 'restore', ...KDF);
    expect(bad.code).toBe(1);
    expect(existsSync(join(dir, 'r2.json'))).toBe(false);
  });

  it('a PSBT made by a watch-only wallet, signed by the seed wallet, broadcasts', async () => {
    const info = ok(await W(A(), 'info'));
    const watch = join(dir, 'watch.json');
    ok(await W(watch, 'create', '--xpub', info.xpub, '--fingerprint', info.fingerprint, ...KDF));
    const wb = await balance(watch);
    expect(wb).toEqual(await balance(A()));
    // Watch-only can't send directly.
    const direct = await W(watch, 'send', addrB0, '0.1', '--yes');
    expect(errOf(direct).code).toBe('watch-only');
    const file = join(dir, 'p.psbt');
    const created = ok(await W(watch, 'psbt', 'create', addrB0, '0.1', '--fee-rate', '3', '--out', file));
    // An independent PSBT implementation reads it, with our BIP371 fields.
    const t = Transaction.fromPSBT(base64.decode(readFileSync(file, 'utf8').trim()));
    expect(t.inputsLength).toBeGreaterThan(0);
    const in0 = t.getInput(0);
    expect(in0.tapInternalKey).toHaveLength(32);
    expect(in0.tapBip32Derivation?.[0]?.[1].der.fingerprint).toBe(parseInt(info.fingerprint, 16));
    const signedFile = join(dir, 'p.signed.psbt');
    const signed = ok(await W(A(), 'psbt', 'sign', file, '--out', signedFile));
    expect(signed.complete).toBe(true);
    const t2 = Transaction.fromPSBT(base64.decode(readFileSync(signedFile, 'utf8').trim()));
    expect(t2.getInput(0).tapKeySig).toHaveLength(64);
    const sent = ok(await W(watch, 'psbt', 'broadcast', signedFile));
    expect(sent.txid).toBe(created.txid);
    expect(node.mempool()).toEqual([created.txid]);
    node.mine(1);
    expect((await balance(B())).confirmed).toBe(185_000_000);
  });

  it('sendmany from CSV and JSON files', async () => {
    const b1 = ok(await W(B(), 'address', '--label', 'second')).address as string;
    const csv = join(dir, 'pay.csv');
    writeFileSync(csv, `address,amount\n${addrB0},0.01\n${b1},1000sat\n`);
    const j = ok(await W(A(), 'sendmany', csv, '--fee-rate', '1', '--yes'));
    expect(j.payments).toEqual([{ address: addrB0, value: 1_000_000 }, { address: b1, value: 1000 }]);
    const jf = join(dir, 'pay.json');
    writeFileSync(jf, JSON.stringify([{ address: b1, amount: 0.5 }]));
    expect(errOf(await W(A(), 'sendmany', jf, '--yes')).code).toBe('bad-amount');
    node.mine(1);
    const rows = ok(await W(B(), 'addresses')) as { address: string; label: string | null; balance: number }[];
    expect(rows.find((r) => r.address === b1)).toMatchObject({ label: 'second', balance: 1000 });
  });

  it('wait polls until the requested confirmations', async () => {
    const s = ok(await W(A(), 'send', addrB0, '0.2', '--fee-rate', '1', '--yes'));
    node.mine(2);
    const w = ok(await W(A(), 'wait', s.txid, '--confirmations', '2', '--interval', '1'));
    expect(w).toMatchObject({ txid: s.txid, confirmations: 2 });
    const notYet = await W(A(), 'wait', s.txid, '--confirmations', '5', '--interval', '1', '--max-wait', '3');
    expect(errOf(notYet).code).toBe('aborted');
  });

  it('utxos and tx show coinbase maturity and wallet effect', async () => {
    const u = ok(await W(A(), 'utxos')) as { immature: boolean; coinbase: boolean; confirmations: number }[];
    expect(u.some((c) => c.immature && c.coinbase && c.confirmations <= 100)).toBe(true);
    expect(u.some((c) => !c.immature && c.confirmations > 100)).toBe(true);
    const h = ok(await W(B(), 'history')) as { txid: string; amount: number }[];
    const t = ok(await W(B(), 'tx', h[0]!.txid));
    expect(t.amount).toBe(h[0]!.amount);
    expect(t.outputs.some((o: { mine: boolean }) => o.mine)).toBe(true);
  });

  it('interactive: passphrase prompt, confirmation question, "n" sends nothing', async () => {
    const before = readFileSync(A());
    const args = ['--node', node.url, '--wallet', A(), 'send', addrB0, '0.01', '--fee-rate', '1'];
    const no = await runWallet(args, { interactive: true, answers: [PASS, 'n'] });
    expect(no.code).toBe(1);
    expect(no.err).toContain('About to send');
    expect(no.err).toContain('cancelled');
    expect(readFileSync(A()).equals(before)).toBe(true);
    expect(node.mempool()).toHaveLength(0);
    const yes = await runWallet(args, { interactive: true, answers: [PASS, 'y'] });
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/^Sent [0-9a-f]{64}/);
    expect(node.mempool()).toHaveLength(1);
    const wrongPass = await runWallet(['--wallet', A(), 'info'], { interactive: true, answers: ['nope'] });
    expect(wrongPass.code).toBe(1);
    expect(wrongPass.err).toContain('wrong passphrase');
    node.mine(1);
  });

  it('as a separate process: exit codes, text errors, env defaults', async () => {
    const ok2 = await spawnWallet(['--json', 'balance'], { CAIRN_NODE: node.url, CAIRN_WALLET: A(), CAIRN_WALLET_PASSPHRASE: PASS });
    expect(ok2.code).toBe(0);
    // A sync may record sends that became settled (6 deep: not checked again); after it,
    // nothing below changes the file.
    const before = readFileSync(A());
    expect(JSON.parse(ok2.out).confirmed).toBe((await balance(A())).confirmed);
    const r = await spawnWallet(['balance'], { CAIRN_NODE: 'http://127.0.0.1:1', CAIRN_WALLET: A(), CAIRN_WALLET_PASSPHRASE: PASS });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach node at http:\/\/127\.0\.0\.1:1/);
    const wrong = await spawnWallet(['info'], { CAIRN_WALLET: A(), CAIRN_WALLET_PASSPHRASE: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('wrong passphrase');
    const usage = await spawnWallet(['send'], { CAIRN_WALLET: A() });
    expect(usage.code).toBe(2);
    const pf = join(dir, 'pass.txt');
    writeFileSync(pf, PASS + '\n');
    const viaFile = await spawnWallet(['--passphrase-file', pf, '--json', 'info'], { CAIRN_WALLET: A() });
    expect(viaFile.code).toBe(0);
    expect(JSON.parse(viaFile.out).network).toBe('regtest');
    expect(readFileSync(A()).equals(before)).toBe(true);
  });
});
