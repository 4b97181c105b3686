// cairn-wallet end to end (issue #7): the compiled CLI (bin/cairn-wallet.js → dist/, built
// by `npm test` first) as a separate process against real regtest cairnd children. Every
// check reads the real node: balances to the unit, the mempool after RBF, signatures
// re-verified with an independent sighash (@scure/btc-signer) and Schnorr (@noble/curves).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction } from '@scure/btc-signer';
import { schnorr } from '@noble/curves/secp256k1.js';
import { getParams } from '../../src/consensus/index.js';
import { addressToScript, bytesToHex, encodeAddress, hexToBytes, Tx } from '../../src/primitives/index.js';
import { admin, http, ROOT, startDaemon, type Daemon } from '../api/daemon.js';
import { requireBuild, walletRunner } from './e2e-helpers.js';

const PASS = 'correct horse battery staple';
const KDF = ['--kdf-log-n', '6']; // scrypt cost kept low so ~40 processes stay fast
// A test here runs up to ~12 wallet processes in a row; on a shared 2-core machine at load
// ~25 each takes 5+ s, so the default 60 s ran out (and a late broadcast then failed the
// next tests). Generous, since a timeout is only a deadline for a hang.
jest.setTimeout(300_000);
const COIN = 100_000_000;
const REWARD = 50 * COIN;
const MATURITY = getParams('regtest').coinbaseMaturity;
const OUTSIDE = encodeAddress(new Uint8Array(32).fill(0x42), 'rcrn'); // mines blocks that pay no wallet

let dir: string;
let d: Daemon;
const { wallet, ok } = walletRunner(() => d, () => dir, PASS);

const file = (name: string) => join(dir, name);
const W = (name: string, ...args: string[]) => ok(['--wallet', file(name), ...args]);

async function balance(name: string): Promise<{ confirmed: number; unconfirmed: number; immature: number; tip: number }> {
  return W(name, 'balance');
}

async function mine(n: number, address: string): Promise<string[]> {
  const r = await admin(d, '/api/admin/mine', { blocks: n, address });
  expect(r.status).toBe(200);
  return r.json;
}

async function mempoolTxids(daemon = d): Promise<string[]> {
  return (await http(daemon, '/api/mempool/txids')).json;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Re-check every input's signature of a raw tx from the node: BIP341 sighash by
 * @scure/btc-signer, BIP340 verify by @noble/curves, key from the spent output's script.
 */
async function verifyTaprootSigs(txid: string): Promise<number> {
  const hex = (await http(d, `/api/tx/${txid}/hex`)).text.trim();
  const tx = Tx.decode(hexToBytes(hex));
  const scripts: Uint8Array[] = [];
  const amounts: bigint[] = [];
  for (const i of tx.inputs) {
    const parent = (await http(d, `/api/tx/${bytesToHex(i.prevout.txid.slice().reverse())}`)).json;
    const o = parent.vout[i.prevout.vout];
    scripts.push(hexToBytes(o.scriptpubkey));
    amounts.push(BigInt(o.value));
  }
  const t = Transaction.fromRaw(hexToBytes(hex), { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true });
  tx.inputs.forEach((inp, idx) => {
    expect(inp.witness).toHaveLength(1);
    const sig = inp.witness[0]!;
    expect(sig.length).toBe(64); // SIGHASH_DEFAULT: no hash-type byte
    const msg = t.preimageWitnessV1(idx, scripts, 0, amounts);
    expect(schnorr.verify(sig, msg, scripts[idx]!.slice(2))).toBe(true);
    // and a flipped sighash bit fails, so the check above is not vacuous
    const bad = msg.slice();
    bad[0]! ^= 1;
    expect(schnorr.verify(sig, bad, scripts[idx]!.slice(2))).toBe(false);
  });
  return tx.inputs.length;
}

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'cairn-wallet-e2e-'));
  d = await startDaemon(join(dir, 'node'));
}, 60_000);

afterAll(async () => {
  if (d) await d.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cairn-wallet against a real regtest cairnd', () => {
  let mnemonicA = '';
  let addrA = '';
  let addrB = '';
  let sent = { txid: '', fee: 0 };
  let bumped = { txid: '', fee: 0 };

  it('creates two wallets; addresses are regtest taproot, the node is asked for the network', async () => {
    const a = await W('a.json', 'create', '--words', '12', ...KDF);
    expect(a).toMatchObject({ network: 'regtest', watch_only: false });
    expect(a.mnemonic.split(' ')).toHaveLength(12);
    expect(a.address).toMatch(/^rcrn1p[02-9ac-hj-np-z]{58}$/);
    mnemonicA = a.mnemonic;
    addrA = a.address;
    const b = await W('b.json', 'create', ...KDF);
    expect(b.mnemonic.split(' ')).toHaveLength(24);
    addrB = b.address;
    expect(statSync(file('a.json')).mode & 0o777).toBe(0o600);
    // the node agrees these are regtest addresses of P2TR outputs
    expect((await http(d, `/api/address/${addrB}`)).json).toMatchObject({ address: addrB, chain_stats: { tx_count: 0 } });
  });

  it('101 blocks to A: one mature reward, 100 immature (maturity from the node), B empty', async () => {
    expect((await http(d, '/api/node')).json.coinbase_maturity).toBe(MATURITY);
    await mine(101, addrA);
    expect(await balance('a.json')).toEqual({ confirmed: REWARD, unconfirmed: 0, immature: 100 * REWARD, tip: 101 });
    expect(await balance('b.json')).toEqual({ confirmed: 0, unconfirmed: 0, immature: 0, tip: 101 });
    const utxos = await W('a.json', 'utxos');
    expect(utxos).toHaveLength(101);
    expect(utxos.filter((u: { immature: boolean }) => !u.immature)).toEqual([
      expect.objectContaining({ value: REWARD, confirmations: MATURITY + 1, coinbase: true, spendable: true }),
    ]);
  });

  it('sends 1.25 to B: in the mempool, unconfirmed on both sides to the unit', async () => {
    const r = await W('a.json', 'send', addrB, '1.25', '--fee-rate', '2', '--yes');
    expect(r.broadcast).toBe(true);
    // 1 key-path input, pay + change: 154 vB at 2/vB
    expect(r).toMatchObject({ fee: 308, vsize: 154, payments: [{ address: addrB, value: 125_000_000 }] });
    expect(r.change.value).toBe(REWARD - 125_000_000 - 308);
    sent = { txid: r.txid, fee: r.fee };
    expect(await mempoolTxids()).toEqual([sent.txid]);
    expect(await balance('a.json')).toEqual({ confirmed: 0, unconfirmed: REWARD - 125_000_000 - 308, immature: 100 * REWARD, tip: 101 });
    expect(await balance('b.json')).toEqual({ confirmed: 0, unconfirmed: 125_000_000, immature: 0, tip: 101 });
  });

  it('bump (RBF) replaces it in the mempool at the higher fee', async () => {
    const r = await W('a.json', 'bump', sent.txid, '--fee-rate', '5', '--yes');
    expect(r).toMatchObject({ replaces: sent.txid, fee: 770, fee_rate: 5, payments: [{ address: addrB, value: 125_000_000 }] });
    bumped = { txid: r.txid, fee: r.fee };
    expect(await mempoolTxids()).toEqual([bumped.txid]);
    expect((await http(d, `/api/tx/${sent.txid}`)).status).toBe(404);
    expect((await http(d, `/api/tx/${bumped.txid}`)).json).toMatchObject({ fee: 770, status: { confirmed: false } });
    expect(await balance('a.json')).toMatchObject({ confirmed: 0, unconfirmed: REWARD - 125_000_000 - 770 });
    expect(await balance('b.json')).toMatchObject({ unconfirmed: 125_000_000 });
    // the replaced tx can't be bumped again: it's gone from the node
    const again = await wallet(['--json', '--wallet', file('a.json'), 'bump', sent.txid, '--fee-rate', '9', '--yes']);
    expect(again.code).toBe(1);
    expect(again.error().code).toBe('not-found');
    expect(await mempoolTxids()).toEqual([bumped.txid]);
  });

  it('a block confirms it: exact balances including the fee; wait reports the block; signatures verify independently', async () => {
    await mine(1, OUTSIDE);
    const w = await ok(['wait', bumped.txid, '--max-wait', '10', '--interval', '0.2']);
    expect(w).toMatchObject({ txid: bumped.txid, confirmations: 1, block_height: 102 });
    const a = await balance('a.json');
    const b = await balance('b.json');
    // tip 102: the rewards of blocks 1 and 2 are past maturity; block 1's was spent
    expect(a).toEqual({ confirmed: REWARD + (REWARD - 125_000_000 - 770), unconfirmed: 0, immature: 99 * REWARD, tip: 102 });
    expect(b).toEqual({ confirmed: 125_000_000, unconfirmed: 0, immature: 0, tip: 102 });
    expect(a.confirmed + b.confirmed + bumped.fee).toBe(2 * REWARD);
    const hist = await W('a.json', 'history');
    expect(hist[0]).toMatchObject({ txid: bumped.txid, amount: -(125_000_000 + 770), fee: 770, confirmations: 1, height: 102 });
    expect(await verifyTaprootSigs(bumped.txid)).toBe(1);
  });

  it('restore from the mnemonic finds the same balance and the used change address', async () => {
    const r = await wallet(['--json', '--wallet', file('a-restored.json'), 'restore', ...KDF], { CAIRN_WALLET_MNEMONIC: mnemonicA });
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j).toMatchObject({ network: 'regtest', next: { receive: 1, change: 1 } });
    expect(await balance('a-restored.json')).toEqual(await balance('a.json'));
    // restored from stdin too (no env, no prompt: not a terminal)
    const s = await wallet(['--json', '--wallet', file('a-stdin.json'), 'restore', ...KDF], {}, mnemonicA + '\n');
    expect(s.code).toBe(0);
    expect(s.json().confirmed).toBe((await balance('a.json')).confirmed);
  });

  it('a PSBT created watch-only and signed by the seed-holding wallet broadcasts', async () => {
    const info = await W('a.json', 'info');
    const wo = await W('watch.json', 'create', '--xpub', info.xpub, '--fingerprint', info.fingerprint, '--network', 'regtest', ...KDF);
    expect(wo).toMatchObject({ watch_only: true, address: addrA });
    expect(await balance('watch.json')).toEqual(await balance('a.json'));
    // it can't send by itself
    const refused = await wallet(['--json', '--wallet', file('watch.json'), 'send', addrB, '1', '--fee-rate', '1', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.error().code).toBe('watch-only');
    const created = await W('watch.json', 'psbt', 'create', addrB, '2', '--fee-rate', '1', '--out', file('pay.psbt'));
    expect(created.fee).toBe(154);
    const signed = await W('a.json', 'psbt', 'sign', file('pay.psbt'), '--out', file('pay.signed.psbt'));
    expect(signed).toMatchObject({ signed_inputs: 1, complete: true });
    // broadcast from the watch-only side, which never held a key
    const sent2 = await W('watch.json', 'psbt', 'broadcast', file('pay.signed.psbt'));
    expect(sent2.txid).toBe(created.txid);
    expect(await mempoolTxids()).toEqual([created.txid]);
    expect(await balance('b.json')).toEqual({ confirmed: 125_000_000, unconfirmed: 2 * COIN, immature: 0, tip: 102 });
    await mine(1, OUTSIDE);
    expect(await balance('b.json')).toEqual({ confirmed: 325_000_000, unconfirmed: 0, immature: 0, tip: 103 });
    const a = await balance('a.json');
    expect(a).toEqual({ confirmed: 3 * REWARD - 125_000_000 - 770 - 2 * COIN - 154, unconfirmed: 0, immature: 98 * REWARD, tip: 103 });
    expect(await balance('watch.json')).toEqual(a);
    expect(await verifyTaprootSigs(created.txid)).toBe(1);
  });

  describe('refusals: clear error, exit 1, wallet file byte-for-byte unchanged, nothing broadcast', () => {
    const devnetAddr = () => encodeAddress(addressToScript(addrB, 'rcrn').slice(2), 'tcrn');
    const mainAddr = () => encodeAddress(addressToScript(addrB, 'rcrn').slice(2), 'crn');
    const cases: [string, () => Promise<string[]>, Record<string, string>, string, RegExp][] = [
      ['wrong passphrase', async () => ['send', addrB, '1', '--fee-rate', '1', '--yes'], { CAIRN_WALLET_PASSPHRASE: 'not it' }, 'bad-passphrase', /wrong passphrase/],
      ['insufficient funds', async () => ['send', addrB, '1000000', '--fee-rate', '1', '--yes'], {}, 'insufficient-funds', /insufficient funds: need 100000000000000 plus fee, spendable \d+ base units/],
      ['invalid address', async () => ['send', 'rcrn1pnotanaddress', '1', '--fee-rate', '1', '--yes'], {}, 'bad-address', /invalid address "rcrn1pnotanaddress"/],
      ['a valid devnet address', async () => ['send', devnetAddr(), '1', '--fee-rate', '1', '--yes'], {}, 'wrong-network', /belongs to another network .*regtest/],
      ['a valid main address', async () => ['send', mainAddr(), '1', '--fee-rate', '1', '--yes'], {}, 'wrong-network', /belongs to another network/],
      ['a dust amount', async () => ['send', addrB, '329sat', '--fee-rate', '1', '--yes'], {}, 'dust', /below the dust limit of 330/],
      ['an unreachable node', async () => ['--node', `http://127.0.0.1:${await closedPort()}`, 'send', addrB, '1', '--fee-rate', '1', '--yes'], {}, 'node-unreachable', /cannot reach node .*ECONNREFUSED/],
    ];
    it.each(cases)('%s', async (_name, args, env, code, message) => {
      const before = readFileSync(file('a.json'));
      const mtime = statSync(file('a.json')).mtimeMs;
      const a = await args();
      const json = await wallet(['--json', '--wallet', file('a.json'), ...a], env);
      expect(json.code).toBe(1);
      expect(json.error()).toMatchObject({ code, message: expect.stringMatching(message) });
      const human = await wallet(['--wallet', file('a.json'), ...a], env);
      expect(human.code).toBe(1);
      expect(human.err).toMatch(/^error: .+\n/);
      expect(human.out).toBe('');
      expect(readFileSync(file('a.json')).equals(before)).toBe(true);
      expect(statSync(file('a.json')).mtimeMs).toBe(mtime);
      expect(await mempoolTxids()).toEqual([]);
    });
  });

  it('the devnet address used above really is the same key on another network (so the refusal is about the network)', () => {
    const key = addressToScript(addrB, 'rcrn').slice(2);
    expect(addressToScript(encodeAddress(key, 'tcrn'), 'tcrn').slice(2)).toEqual(key);
  });
});

describe('BIP86 vectors through the CLI', () => {
  // BIP86's account xpub for "abandon … about" (m/86'/0'/0') and its first two receive
  // output keys; cairn main uses coin type 0, so only the HRP differs from bc1p….
  const V = readFileSync(join(ROOT, 'test', 'fixtures', 'bips', 'bip-0086.mediawiki'), 'utf8');
  const grab = (after: string, key: string) => {
    const s = V.slice(V.indexOf(after));
    return new RegExp(`${key}\\s*=\\s*(\\S+)`).exec(s)![1]!;
  };
  it('a main wallet restored from the vector mnemonic derives the vector addresses', async () => {
    const mnemonic = /mnemonic\s*=\s*(.+)/.exec(V)![1]!.trim();
    const xpub = grab("= m/86'/0'/0'\n", 'xpub');
    expect(xpub).toMatch(/^xpub/);
    // watch-only from the xpub: no node needed, network given
    const r = await ok(['--wallet', file('bip86.json'), 'create', '--network', 'main', '--xpub', xpub, '--fingerprint', '73c5da0a', ...KDF]);
    expect(r.address).toBe(encodeAddress(hexToBytes(grab("m/86'/0'/0'/0/0", 'output_key')), 'crn'));
    expect((await ok(['--wallet', file('bip86.json'), 'address'])).address).toBe(encodeAddress(hexToBytes(grab("m/86'/0'/0'/0/1", 'output_key')), 'crn'));
    // restoring the seed has to scan a main chain; with no main node it refuses and writes nothing
    const full = await wallet(['--json', '--wallet', file('bip86-seed.json'), '--network', 'main', 'restore', ...KDF], { CAIRN_WALLET_MNEMONIC: mnemonic, CAIRN_NODE: `http://127.0.0.1:${await closedPort()}` });
    expect(full.code).toBe(1);
    expect(full.error().code).toBe('node-unreachable');
    expect(existsSync(file('bip86-seed.json'))).toBe(false);
  });
});

describe('TLS: a private CA via --ca', () => {
  let tls: Daemon | undefined;
  afterAll(async () => {
    if (tls) await tls.stop();
  });

  it('refuses a node whose certificate it cannot verify, and works with --ca', async () => {
    let openssl: string;
    try {
      openssl = execFileSync('which', ['openssl'], { encoding: 'utf8' }).trim();
    } catch {
      throw new Error('this test needs the openssl command to make a CA and a server certificate');
    }
    const t = join(dir, 'tls');
    execFileSync('mkdir', ['-p', t]);
    const run = (...args: string[]) => execFileSync(openssl, args, { cwd: t, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
      '-subj', '/CN=cairn test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(t, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');

    tls = await startDaemon(join(dir, 'tls-node'), ['--api-cert', join(t, 'server.pem'), '--api-key', join(t, 'server.key')]);
    const url = `https://127.0.0.1:${tls.port}`;
    expect(String(tls.banner.api_url)).toBe(url);

    // B's wallet file, made against the plain node; same network, so it may use this one
    const before = readFileSync(file('b.json'));
    const no = await wallet(['--json', '--node', url, '--wallet', file('b.json'), 'balance']);
    expect(no.code).toBe(1);
    expect(no.error()).toMatchObject({ code: 'node-untrusted', hint: expect.stringContaining('--ca') });
    const human = await wallet(['--node', url, '--wallet', file('b.json'), 'balance']);
    expect(human.err).toMatch(/^error: refusing node at https:\/\/127\.0\.0\.1:\d+: its TLS certificate is not trusted/);
    expect(readFileSync(file('b.json')).equals(before)).toBe(true);

    // a CA file that isn't a certificate is refused before any connection
    const bogus = await wallet(['--json', '--ca', join(t, 'ext.cnf'), '--node', url, '--wallet', file('b.json'), 'balance']);
    expect(bogus.error().code).toBe('bad-input');

    // with the CA: a fresh chain on that node, so B's coins are not there
    const yes = await ok(['--ca', join(t, 'ca.pem'), '--node', url, '--wallet', file('b.json'), 'balance']);
    expect(yes).toEqual({ confirmed: 0, unconfirmed: 0, immature: 0, tip: 0 });
    // and `wait` (GET only, no wallet) and a POST go through the same transport
    const post = await wallet(['--json', '--ca', join(t, 'ca.pem'), '--node', url, 'psbt', 'broadcast', readFileSync(file('pay.signed.psbt'), 'utf8').trim()]);
    expect(post.code).toBe(1);
    // the tls node has no such coins: the node's refusal comes back as node-rejected, proving the POST arrived
    expect(post.error().code).toBe('node-rejected');
  });
});
