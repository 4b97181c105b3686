// cairn-wallet against a real devnet cairnd: devnet's coinbase maturity is 20, not 100,
// and the wallet must learn that from the node. 21 blocks separate the two rules (at depth
// 21 a reward is spendable under 20 and immature under 100). Devnet blocks are real proof
// of work at minimum difficulty (~0.5-1 s each on 2 threads), so this suite mines only the
// 22 it needs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getParams } from '../../src/consensus/index.js';
import { encodeAddress } from '../../src/primitives/index.js';
import { admin, http, startDaemon, type Daemon } from '../api/daemon.js';
import { requireBuild, walletRunner } from './e2e-helpers.js';

const params = getParams('devnet');
const REWARD = Number(params.subsidy);
const KDF = ['--kdf-log-n', '6'];
let dir: string;
let d: Daemon;
const { ok } = walletRunner(() => d, () => dir, 'devnet pass');
const W = (name: string, ...args: string[]) => ok(['--wallet', join(dir, name), ...args]);

async function mine(n: number, address: string): Promise<void> {
  const r = await admin(d, '/api/admin/mine', { blocks: n, address });
  expect(r.status).toBe(200);
  expect(r.json).toHaveLength(n);
}

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'cairn-wallet-devnet-'));
  // startDaemon passes --network regtest first; the later --network wins
  d = await startDaemon(join(dir, 'node'), ['--network', 'devnet', '--miner-threads', '2']);
}, 60_000);

afterAll(async () => {
  if (d) await d.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cairn-wallet against a real devnet cairnd', () => {
  it('maturity 20 from the node: exact confirmed, unconfirmed and immature balances', async () => {
    expect(params.coinbaseMaturity).toBe(20);
    expect((await http(d, '/api/node')).json).toMatchObject({ network: 'devnet', coinbase_maturity: 20 });
    const a = await W('a.json', 'create', '--words', '12', ...KDF);
    expect(a.network).toBe('devnet');
    expect(a.address.startsWith('tcrn1p')).toBe(true);
    const b = await W('b.json', 'create', '--words', '12', ...KDF);

    await mine(20, a.address);
    expect(await W('a.json', 'balance')).toEqual({ confirmed: 0, unconfirmed: 0, immature: 20 * REWARD, tip: 20 });
    await mine(1, a.address);
    // depth 21 > 20: the first reward is mature (it would still be immature under 100)
    expect(await W('a.json', 'balance')).toEqual({ confirmed: REWARD, unconfirmed: 0, immature: 20 * REWARD, tip: 21 });

    const sent = await W('a.json', 'send', b.address, '0.5', '--fee-rate', '1', '--yes');
    expect(sent.fee).toBe(154);
    expect(await W('a.json', 'balance')).toEqual({ confirmed: 0, unconfirmed: REWARD - 50_000_000 - 154, immature: 20 * REWARD, tip: 21 });
    expect(await W('b.json', 'balance')).toEqual({ confirmed: 0, unconfirmed: 50_000_000, immature: 0, tip: 21 });

    await mine(1, encodeAddress(new Uint8Array(32).fill(0x24), 'tcrn'));
    // tip 22: rewards of blocks 1 and 2 are mature, block 1's was spent
    expect(await W('a.json', 'balance')).toEqual({ confirmed: REWARD + (REWARD - 50_000_000 - 154), unconfirmed: 0, immature: 19 * REWARD, tip: 22 });
    expect(await W('b.json', 'balance')).toEqual({ confirmed: 50_000_000, unconfirmed: 0, immature: 0, tip: 22 });
    // 22 blocks of real proof of work: seconds on a quiet machine, minutes when the shared
    // cores are saturated (a full run hit 150 s at load 29); the waits are for conditions.
  }, 600_000);
});
