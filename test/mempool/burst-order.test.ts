// A burst (everything queued at once, small batches, the next batch's signatures verified
// ahead while one is processed) must end exactly as the same transactions accepted one at
// a time in the same order: the same accepted, the same held as orphans, the same
// refused, and the same pool. Generated mixes of independent spends, children (also of
// refused and of replaced parents), double spends above and below the replacement fee,
// bad signatures and fees too low.
//
// The refusal's code is not compared: a tx refused for more than one reason may be
// refused for another one first in a batch, because a batch checks each tx against the
// pool before its batch-mates are committed (a child paying no fee, of a parent a
// batch-mate replaces: one at a time "missing inputs", in a batch "fee too low"; a bad
// signature on a replacement that pays too little: one at a time the fee, in a batch the
// signature). Batching did this before verifying ahead existed; fast-check found both.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { RuleError } from '../../src/consensus/index.js';
import { Mempool, PolicyError } from '../../src/mempool/index.js';
import { Tx, seededRng } from '../../src/primitives/index.js';
import { SCRIPT, coinbaseAt, outputOf, setup, spend, type Env, type Spendable } from './helpers.js';

let env: Env;

beforeAll(async () => {
  // Worker threads, so verification really runs beside the main thread's checking.
  env = await setup({ blocks: 130, threads: 2 });
});
afterAll(async () => env.close());

function tamper(tx: Tx): Tx {
  const sig = Uint8Array.from(tx.inputs[0]!.witness[0]!);
  sig[10]! ^= 1;
  return new Tx({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [sig] }, ...tx.inputs.slice(1)] });
}

type Action =
  | { kind: 'fresh'; outputs: number; fee: number; bad: boolean }
  | { kind: 'child'; of: number; fee: number; bad: boolean }
  | { kind: 'conflict'; with: number; fee: number; bad: boolean };

const fee = fc.constantFrom(0, 150, 1000, 2500, 6000);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fresh' as const), outputs: fc.integer({ min: 1, max: 3 }), fee, bad: fc.constantFrom(false, false, false, true) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('child' as const), of: fc.nat(), fee, bad: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('conflict' as const), with: fc.nat(), fee, bad: fc.boolean() }) },
);

/** The transactions a script of actions makes; children and conflicts refer to earlier ones. */
async function build(actions: Action[]): Promise<Tx[]> {
  const txs: Tx[] = [];
  const inputsOf: Spendable[][] = [];
  let fresh = 0;
  for (const a of actions) {
    let ins: Spendable[];
    let outputs = 1;
    if (a.kind === 'fresh' || txs.length === 0) {
      ins = [await coinbaseAt(env.chain, 1 + fresh++)];
      outputs = a.kind === 'fresh' ? a.outputs : 1;
    } else if (a.kind === 'child') {
      const parent = txs[a.of % txs.length]!;
      ins = [outputOf(parent, a.of % parent.outputs.length)];
    } else {
      ins = inputsOf[a.with % txs.length]!; // same inputs, another tx
    }
    const total = ins.reduce((s, i) => s + i.coin.value, 0n);
    const each = (total - BigInt(a.fee)) / BigInt(outputs);
    let tx = spend(ins, Array.from({ length: outputs }, () => ({ value: each, script: SCRIPT })), { locktime: txs.length });
    if (a.bad) tx = tamper(tx);
    txs.push(tx);
    inputsOf.push(ins);
  }
  return txs;
}

async function outcome(p: Promise<{ orphan?: boolean }>): Promise<'accepted' | 'orphan' | 'refused'> {
  try {
    const r = await p;
    return r.orphan ? 'orphan' : 'accepted';
  } catch (e) {
    if (e instanceof RuleError || e instanceof PolicyError) return 'refused';
    throw e;
  }
}

describe('a burst ends as the same txs accepted one at a time', () => {
  test('generated mixes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 4, maxLength: 24 }), fc.integer({ min: 1, max: 5 }), async (actions, batchSize) => {
        const txs = await build(actions);
        const serial = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1) });
        const burst = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1), limits: { batchSize } });
        try {
          const one: string[] = [];
          for (const tx of txs) one.push(await outcome(serial.accept(tx)));
          const all = await Promise.all(txs.map((tx) => outcome(burst.accept(tx))));
          expect(all).toEqual(one);
          expect([...burst.entries()].map((e) => e.txidHex).sort()).toEqual([...serial.entries()].map((e) => e.txidHex).sort());
        } finally {
          serial.close();
          burst.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('verifying ahead', () => {
  test("the next batch's signatures are verified while a batch is processed, each signature once", async () => {
    const txs: Tx[] = [];
    for (let h = 1; h <= 12; h++) {
      const c = await coinbaseAt(env.chain, h);
      txs.push(spend([c], [{ value: c.coin.value - 2000n, script: SCRIPT }]));
    }
    const mp = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1), limits: { batchSize: 4 } });
    try {
      const before = env.pool.stats.verified;
      const verifiedAtCommit: number[] = [];
      mp.on('added', () => verifiedAtCommit.push(env.pool.stats.verified - before));
      await Promise.all(txs.map((tx) => mp.accept(tx)));
      // The first accept starts a batch of its own (nothing else was queued yet); the
      // next batch is txs 2-5. When its first tx went in, the signatures of the batch
      // after it (txs 6-9) had been verified too: 1 + 4 + 4.
      expect(verifiedAtCommit[1]).toBeGreaterThanOrEqual(9);
      expect(env.pool.stats.verified - before).toBe(12);
      expect(mp.size).toBe(12);
    } finally {
      mp.close();
    }
  });
});
