// The oracle judges blocks with its own replay of the coin set; here it is checked
// against blocks built to break one rule each (and a valid control for each shape).
import { describe, expect, it } from '@jest/globals';
import { regtestParams as params } from '../../src/consensus/index.js';
import { createBlock } from '../../src/mining/index.js';
import { Tx, seededRng, wasmVerifier, type Block } from '../../src/primitives/index.js';
import { Oracle } from '../../sim/index.js';
import { Actor, outputsTo } from '../../sim/wallet.js';

const rng = seededRng(3);
const alice = Actor.fromRng(0, rng);
const bob = Actor.fromRng(1, rng);

function oracle(): Oracle {
  return new Oracle({ genesis: params.genesis, powLimit: params.powLimit, subsidy: params.subsidy, halving: params.halvingInterval, maturity: 1 }, wasmVerifier);
}

function block(prev: Block, height: number, txs: Tx[] = [], value?: bigint): Block {
  return createBlock({
    params,
    prev: prev.header,
    height,
    time: params.genesis.header.time + height * 600,
    bits: params.powLimitBits,
    txs,
    coinbase: { script: alice.script, value: value ?? params.subsidy, extraNonce: height },
    mine: true,
  });
}

describe('sim oracle', () => {
  const b1 = block(params.genesis, 1);
  const coin = outputsTo(b1.txs[0]!, alice.script)[0]!;

  it('accepts a valid spend and a coinbase of subsidy plus fees', () => {
    const o = oracle();
    expect(o.add(b1)).toEqual({ valid: true });
    const pay = alice.pay(coin, bob.script, rng);
    const fee = coin.value - pay.outputs.reduce((a, x) => a + x.value, 0n);
    const b2 = block(b1, 2, [pay], params.subsidy + fee);
    expect(o.add(b2)).toEqual({ valid: true });
    expect(o.summary(b2.hashHex()).amount).toBe(2n * params.subsidy);
  });

  it('rejects a double spend, an overpaying coinbase, a bad signature and an invalid parent', () => {
    const o = oracle();
    o.add(b1);
    const p1 = alice.pay(coin, bob.script, rng);
    const p2 = alice.pay(coin, alice.script, rng);
    const ds = block(b1, 2, [p1, p2]);
    expect(o.add(ds)).toMatchObject({ valid: false, reason: expect.stringMatching(/missing or spent/) });
    expect(o.add(block(b1, 2, [], params.subsidy + 1n))).toMatchObject({ valid: false, reason: expect.stringMatching(/coinbase pays/) });
    const forged = new Tx({ ...p1, inputs: [{ ...p1.inputs[0]!, witness: [new Uint8Array(64).fill(7)] }] });
    expect(o.add(block(b1, 2, [forged]))).toMatchObject({ valid: false, reason: expect.stringMatching(/invalid signature/) });
    expect(o.add(block(ds, 3))).toEqual({ valid: false, reason: 'invalid parent' });
  });

  it('refuses to spend a coinbase before maturity', () => {
    const o = new Oracle({ genesis: params.genesis, powLimit: params.powLimit, subsidy: params.subsidy, halving: params.halvingInterval, maturity: 100 }, wasmVerifier);
    o.add(b1);
    expect(o.add(block(b1, 2, [alice.pay(coin, bob.script, rng)]))).toMatchObject({ valid: false, reason: expect.stringMatching(/immature/) });
  });
});
