// When a template's nonce space is used up the miner rolls the coinbase extra nonce (a new
// merkle root) and keeps going. With the real 2^32 nonces that takes billions of hashes, so
// this test shrinks the space to 16 nonces and the target to 1 in 65,536 hashes: a block
// can then only be found after many rolls, and must still be valid.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { encodeCompact, regtestParams, type ConsensusParams } from '../../src/consensus/index.js';
import { Miner } from '../../src/mining/index.js';
import { BufReader, systemClock, type Block } from '../../src/primitives/index.js';
import { SCRIPT } from '../mempool/helpers.js';

const powLimit = (1n << 240n) - 1n;
const params: ConsensusParams = Object.freeze({ ...regtestParams, powLimit, powLimitBits: encodeCompact(powLimit) });

let cleanup: (() => Promise<void>) | undefined;
afterAll(async () => cleanup?.());

/** The extra nonce the miner pushed after the BIP34 height in the coinbase scriptSig. */
function extraNonceOf(block: Block): number {
  const r = new BufReader(block.txs[0]!.inputs[0]!.scriptSig);
  const heightLen = r.u8();
  if (heightLen > 0 && heightLen <= 0x4b) r.bytes(heightLen);
  const pushLen = r.u8();
  const bytes = r.bytes(pushLen);
  let n = 0;
  for (let i = bytes.length - 1; i >= 0; i--) n = n * 256 + bytes[i]!;
  return n;
}

describe('Miner nonce-space roll', () => {
  test('rolls the extra nonce when the nonces run out and still finds valid blocks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-roll-'));
    const pool = new VerifyPool({ threads: 0 });
    const chain = await Chain.open({ params, path: dir, clock: systemClock, verifyPool: pool });
    const miner = new Miner({ chain, params, payTo: SCRIPT, threads: 2, unit: 16, nonceSpace: 16 });
    cleanup = async () => {
      await miner.stop();
      await chain.close();
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    };
    const found: Block[] = [];
    const errors: Error[] = [];
    miner.on('block', (b) => found.push(b));
    miner.on('error', (e) => errors.push(e));
    miner.start();
    for (let i = 0; i < 6000 && found.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await miner.stop();
    expect(errors).toEqual([]);
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(chain.height).toBe(found.length);
    for (const b of found) expect(b.header.nonce).toBeLessThan(16);
    // Without rolling, each found block would use the next extra nonce (0, 1, …); rolls make
    // them jump (about 4,096 templates per block). Both landing in the first few templates
    // has a probability near 1e-6.
    expect(Math.max(...found.map(extraNonceOf))).toBeGreaterThan(found.length + 2);
  }, 120_000);
});
