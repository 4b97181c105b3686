// Block templates: package selection by ancestor fee rate within weight, parents first,
// a coinbase paying subsidy + fees, and a mined template passing full validation.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { blockSubsidy, checkBlockContext, checkBlockSanity } from '../../src/consensus/index.js';
import { buildTemplate, COINBASE_RESERVED_WEIGHT, mineHeader } from '../../src/mining/index.js';
import { Block, encodeAddress, findWitnessCommitment, taprootTweakPubkey, xOnlyPubkey } from '../../src/primitives/index.js';
import { SCRIPT, SECRET, coinbaseAt, outputOf, params, setup, spend, split, type Env } from '../mempool/helpers.js';

let env: Env;
let nextHeight = 1;
const coin = () => coinbaseAt(env.chain, nextHeight++);

beforeAll(async () => {
  env = await setup({ blocks: 130 });
});
afterAll(async () => env.close());

describe('buildTemplate', () => {
  test('empty mempool: coinbase only, BIP34 height, subsidy, no commitment', () => {
    const t = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: SCRIPT, clock: env.clock });
    expect(t.height).toBe(env.chain.height + 1);
    expect(t.txs).toEqual([]);
    expect(t.fees).toBe(0n);
    const block = t.block(5);
    expect(block.txs[0]!.outputs).toEqual([{ value: blockSubsidy(t.height, params), script: SCRIPT }]);
    expect(findWitnessCommitment(block.txs[0]!)).toBe(-1);
    expect(t.time).toBe(Math.max(env.chain.medianTimePast(env.chain.tip) + 1, Math.floor(env.clock.now() / 1000)));
    checkBlockContext(block, t.height, env.chain.medianTimePast(env.chain.tip), params);
  });

  test('child pays for parent: the package outranks a middling tx; parents come first', async () => {
    const parent = split(await coin(), 1, 111n); // 1 sat/vB
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 111n * 50n, script: SCRIPT }]); // 50 sat/vB
    const middle = split(await coin(), 1, 111n * 10n); // 10 sat/vB
    const low = split(await coin(), 1, 111n * 2n);
    for (const t of [parent, middle, low, child]) await env.mempool.accept(t);
    const t = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: SCRIPT, clock: env.clock });
    expect(t.txs.map((x) => x.txidHex())).toEqual([parent, child, middle, low].map((x) => x.txidHex()));
    expect(t.fees).toBe(111n + 111n * 50n + 111n * 10n + 111n * 2n);
  });

  test('the weight limit is respected, dropping the worst-paying first', () => {
    const all = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: SCRIPT, clock: env.clock });
    const oneTxWeight = all.txs[2]!.weight; // `middle`
    const maxWeight = COINBASE_RESERVED_WEIGHT + 80 * 4 + 9 * 4 + all.txs[0]!.weight + all.txs[1]!.weight + oneTxWeight;
    const t = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: SCRIPT, clock: env.clock, maxWeight });
    expect(t.txs.map((x) => x.txidHex())).toEqual(all.txs.slice(0, 3).map((x) => x.txidHex()));
    expect(t.block().weight).toBeLessThanOrEqual(maxWeight);
  });

  test('a mined template passes full validation and pays subsidy + fees to an address', async () => {
    const addr = encodeAddress(taprootTweakPubkey(xOnlyPubkey(SECRET)).outputKey, params.hrp);
    const t = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: addr, clock: env.clock });
    expect(t.txs.length).toBe(4);
    const unsolved = t.block(1);
    const block = new Block(mineHeader(unsolved.header, params), unsolved.txs);
    checkBlockSanity(block, params); // merkle root from the cached branch, witness commitment
    expect(findWitnessCommitment(block.txs[0]!)).toBeGreaterThanOrEqual(0);
    const before = env.chain.height;
    const [hash] = await env.miner.generate(1, addr);
    expect(env.chain.height).toBe(before + 1);
    const mined = (await env.chain.getBlock(env.chain.tip.hash))!;
    expect(mined.hashHex()).toBe(hash);
    expect(mined.txs.slice(1).map((x) => x.txidHex())).toEqual(t.txs.map((x) => x.txidHex()));
    expect(mined.txs[0]!.outputs[0]!.value).toBe(blockSubsidy(t.height, params) + t.fees);
    expect(mined.txs[0]!.outputs[0]!.script).toEqual(SCRIPT);
    expect(env.mempool.size).toBe(0);
  });

  test('a chain of 25 unconfirmed txs is mined in order in one block', async () => {
    let prev = split(await coin(), 1, 1000n);
    await env.mempool.accept(prev);
    const chainTxs = [prev];
    for (let i = 0; i < 24; i++) {
      prev = spend([outputOf(prev, 0)], [{ value: prev.outputs[0]!.value - 1000n - BigInt(i * 10), script: SCRIPT }]);
      await env.mempool.accept(prev);
      chainTxs.push(prev);
    }
    const t = buildTemplate({ chain: env.chain, mempool: env.mempool, payTo: SCRIPT, clock: env.clock });
    expect(t.txs.map((x) => x.txidHex())).toEqual(chainTxs.map((x) => x.txidHex()));
    await env.miner.generate(1);
    expect(env.mempool.size).toBe(0);
  });
});
