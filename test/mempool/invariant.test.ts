// Property: after any sequence of accepts, mined blocks (from templates) and reorgs, every
// mempool tx is valid against the tip, re-checked here from scratch with consensus rules.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  RuleError,
  checkTxInputs,
  checkTxSanity,
  isFinalTx,
  taprootSigChecks,
  verifySigChecks,
  type Coin,
} from '../../src/consensus/index.js';
import { PolicyError } from '../../src/mempool/index.js';
import { outpointKey, wasmVerifier, type Tx } from '../../src/primitives/index.js';
import { OTHER_SCRIPT, SCRIPT, coinbaseAt, fork, outputOf, params, setup, spend, type Env, type Spendable } from './helpers.js';

async function checkInvariant(env: Env): Promise<void> {
  await env.mempool.idle();
  const { chain, mempool } = env;
  const entries = [...mempool.entries()];
  const spent = new Set<string>();
  const want = entries.flatMap((e) => e.tx.inputs.map((i) => i.prevout));
  await chain.prefetchCoins(want);
  await chain.prefetchCoins(entries.map((e) => ({ txid: e.txid, vout: 0 })));
  const tip = chain.tip;
  const height = tip.height + 1;
  const mtp = chain.medianTimePast(tip);
  const view = {
    getCoin(p: { txid: Uint8Array; vout: number }): Coin | undefined {
      const parent = mempool.get(p.txid);
      if (parent) {
        const o = parent.tx.outputs[p.vout];
        return o ? { value: o.value, script: o.script, height: 0x7fffffff, coinbase: false } : undefined;
      }
      return chain.coins.getCoin(p);
    },
  };
  let vsize = 0;
  for (const e of entries) {
    for (const i of e.tx.inputs) {
      const k = outpointKey(i.prevout);
      expect(spent.has(k)).toBe(false);
      spent.add(k);
      expect(mempool.spenderOf(i.prevout)).toBe(e);
    }
    checkTxSanity(e.tx, params);
    expect(isFinalTx(e.tx, height, mtp)).toBe(true);
    const r = checkTxInputs(e.tx, view, height, params);
    expect(r.fee).toBe(e.fee);
    verifySigChecks(taprootSigChecks(e.tx, r.spent, 0), wasmVerifier);
    expect(chain.coins.getCoin({ txid: e.txid, vout: 0 })).toBeUndefined(); // not confirmed
    // Package statistics agree with the graph.
    const anc = new Set<typeof e>();
    const stack = [...e.parents];
    while (stack.length) {
      const a = stack.pop()!;
      if (!anc.has(a)) {
        anc.add(a);
        stack.push(...a.parents);
      }
    }
    expect(e.ancestorCount).toBe(anc.size + 1);
    expect(e.ancestorFee).toBe([...anc].reduce((s, a) => s + a.fee, e.fee));
    for (const p of e.parents) expect(p.children.has(e)).toBe(true);
    vsize += e.vsize;
  }
  expect(mempool.vsize).toBe(vsize);
}

type Action =
  | { kind: 'spend'; pick: number; outputs: number; fee: number }
  | { kind: 'mine' }
  | { kind: 'reorg'; depth: number; extra: number; conflict: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('spend' as const), pick: fc.nat(), outputs: fc.integer({ min: 1, max: 3 }), fee: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'mine' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 1, max: 2 }), conflict: fc.nat() }) },
);

describe('mempool invariant', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({ blocks: 125 });
  });
  afterAll(async () => env.close());

  test('every entry stays valid against the tip through accepts, blocks and reorgs', async () => {
    let run = 0;
    let nextCoinbase = 1;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 14 }), async (actions) => {
        run++;
        // Spendable candidates: fresh mature coinbases, mempool outputs, and recent confirmations.
        const known: Spendable[] = [];
        for (const a of actions) {
          if (a.kind === 'spend') {
            if (known.length === 0 || a.pick % 3 === 0) {
              if (nextCoinbase + 100 <= env.chain.height) known.push(await coinbaseAt(env.chain, nextCoinbase++));
            }
            if (known.length === 0) continue;
            // Reusing an input (pick) makes double spends and RBF attempts likely.
            const input = known[a.pick % known.length]!;
            const each = (input.coin.value - BigInt(a.fee)) / BigInt(a.outputs);
            if (each < 1000n) continue;
            const tx: Tx = spend([input], Array.from({ length: a.outputs }, (_, i) => ({ value: each, script: i === 0 ? SCRIPT : SCRIPT })), {
              locktime: a.fee % 7 === 0 ? env.chain.height : 0,
            });
            try {
              await env.mempool.accept(tx);
            } catch (e) {
              if (!(e instanceof RuleError) && !(e instanceof PolicyError)) throw e;
            }
            for (let v = 0; v < a.outputs; v++) known.push(outputOf(tx, v));
          } else if (a.kind === 'mine') {
            await env.miner.generate(1);
          } else {
            const forkAt = Math.max(0, env.chain.height - a.depth);
            // Sometimes the fork double-spends the input of a mempool tx.
            const victims = [...env.mempool.entries()];
            const blocks: Tx[][] = [];
            if (victims.length > 0 && a.conflict % 3 !== 0) {
              const v = victims[a.conflict % victims.length]!;
              const p = v.tx.inputs[0]!.prevout;
              const c = await env.mempool.getCoin(p).catch(() => undefined);
              const coin = c ?? (await env.chain.getCoin(p));
              if (coin && coin.height <= forkAt && (!coin.coinbase || coin.height + 100 <= forkAt + 1)) {
                blocks.push([spend([{ outpoint: p, coin }], [{ value: coin.value - 5000n, script: OTHER_SCRIPT }])]);
              }
            }
            const ok = await fork(env, forkAt, a.depth + a.extra, blocks, run * 100 + actions.indexOf(a));
            if (!ok && blocks.length > 0) await fork(env, forkAt, a.depth + a.extra, [], run * 100 + actions.indexOf(a) + 50);
          }
          await checkInvariant(env);
        }
        // A template from whatever is left is a valid block.
        await env.miner.generate(1);
        await checkInvariant(env);
      }),
      { numRuns: 14, seed: 42 },
    );
  });
});
