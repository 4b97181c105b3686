// Property test: random sequences of block submissions on any known block (valid and
// invalid variants), mempool submissions, restarts (close and reopen on the same LevelDB
// store), flushes and mined templates, with a large or a tiny coin cache. After every step:
//  - the tip is the model's (most-work valid chain, first seen among equal work);
//  - the UTXO digest is the model's;
//  - the mempool spends only coins of the chain or of other mempool txs, each once;
//  - the block template the miner builds connects on the tip (judged by the model).
// Fixed seed and run count; fast-check prints the seed and path of a failing run, and
// CAIRN_PROPERTY_SEED / CAIRN_PROPERTY_RUNS replay or widen it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { blockSubsidy, regtestParams } from '../../src/consensus/index.js';
import { Mempool } from '../../src/mempool/index.js';
import { buildTemplate, mineHeader } from '../../src/mining/index.js';
import { Block, ManualClock, bytesToHex, isOpReturn, outpointKey, seededRng, type Tx } from '../../src/primitives/index.js';
import { BlockGen, TEST_SCRIPTS, type GenBlock, type Utxo } from '../support/blockgen.js';
import { Model } from '../support/model.js';
import { ModelDigest } from './harness.js';

const params = regtestParams;
const NOW = params.genesis.header.time + 5_000_000;
const SEED = Number(process.env.CAIRN_PROPERTY_SEED ?? 0x14c0ffee);
const RUNS = Number(process.env.CAIRN_PROPERTY_RUNS ?? 20);

const gen = new BlockGen(params);
let base: GenBlock[];
let spentInBase: Utxo[];
let template: string;
let pool: VerifyPool;
const dirs: string[] = [];
let runNo = 0;

type Action =
  | { kind: 'block'; parent: number; variant: 'valid' | 'respend' | 'overspend' | 'badsig' | 'cbamount'; spends: number; pick: number }
  | { kind: 'tx'; variant: 'coin' | 'child' | 'spent' | 'unknown'; pick: number }
  | { kind: 'restart' }
  | { kind: 'flush' }
  | { kind: 'mine' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('block' as const),
      parent: fc.nat(7),
      variant: fc.oneof({ weight: 5, arbitrary: fc.constant('valid' as const) }, { weight: 3, arbitrary: fc.constantFrom('respend' as const, 'overspend' as const, 'badsig' as const, 'cbamount' as const) }),
      spends: fc.nat(2),
      pick: fc.nat(50),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tx' as const), variant: fc.constantFrom('coin' as const, 'coin' as const, 'child' as const, 'spent' as const, 'unknown' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'mine' as const }) },
);

beforeAll(async () => {
  pool = new VerifyPool({ threads: 1 });
  // 110 blocks; the last ten split matured coinbases so every branch has coins to spend.
  base = [];
  spentInBase = [];
  let tip = gen.genesis;
  for (let i = 1; i <= 110; i++) {
    const spend = i > 100 ? gen.spendable(tip).slice(0, 1) : [];
    spentInBase.push(...spend);
    tip = gen.block(`base${i}`, tip, { txs: spend.map((u) => gen.spend([u], { outputs: split(u) })) });
    base.push(tip);
  }
  template = mkdtempSync(join(tmpdir(), 'cairn-property-base-'));
  dirs.push(template);
  const chain = await Chain.open({ params, path: template, clock: new ManualClock(NOW * 1000), verifyPool: pool });
  for (const b of base) await chain.processBlock(b.block);
  await chain.close();
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function split(u: Utxo): { value: bigint; script: Uint8Array }[] {
  const each = (u.coin.value - 5000n) / 5n;
  return [0, 1, 2, 3, 4].map((i) => ({ value: each, script: TEST_SCRIPTS[i % 3]! }));
}

class Run {
  readonly id = ++runNo;
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-property-'));
  readonly clock = new ManualClock(NOW * 1000);
  readonly model = new Model(params, () => NOW);
  readonly digest = new ModelDigest(this.model);
  readonly known: GenBlock[] = [...base];
  readonly byHex = new Map(base.map((b) => [b.hex, b]));
  chain!: Chain;
  mempool!: Mempool;
  private n = 0;

  constructor(readonly cacheBytes: number) {
    dirs.push(this.dir);
    cpSync(template, this.dir, { recursive: true });
    for (const b of base) this.model.submit(b.block);
  }

  async open(): Promise<void> {
    this.chain = await Chain.open({ params, path: this.dir, clock: this.clock, verifyPool: pool, cacheBytes: this.cacheBytes, flushIntervalMs: this.cacheBytes < 10_000 ? 0 : 60_000 });
    this.mempool = new Mempool({ chain: this.chain, verifyPool: pool, clock: this.clock, rng: seededRng(this.id) });
  }

  async close(): Promise<void> {
    await this.mempool.idle();
    this.mempool.close();
    await this.chain.close();
  }

  private submit(b: GenBlock): Promise<void> {
    this.known.push(b);
    this.byHex.set(b.hex, b);
    this.model.submit(b.block);
    return this.chain.processBlock(b.block).then(
      () => undefined,
      () => undefined, // the model decides what should have happened
    );
  }

  async step(a: Action): Promise<void> {
    const name = `run${this.id}.${++this.n}`;
    switch (a.kind) {
      case 'block': {
        const parent = this.known[this.known.length - 1 - (a.parent % this.known.length)]!;
        const coins = gen.spendable(parent).filter((c) => !c.coin.coinbase || c.coin.height > 100);
        const pickCoins = (n: number): Utxo[] => Array.from({ length: Math.min(n, coins.length) }, (_, i) => coins[(a.pick + i * 7) % coins.length]!).filter((c, i, all) => all.indexOf(c) === i);
        let txs: Tx[] = pickCoins(a.spends).map((c) => gen.spend([c], { fee: 1000n + BigInt(a.pick) }));
        let coinbaseValue: bigint | undefined;
        if (a.variant === 'respend') txs = [...txs, gen.spend([spentInBase[a.pick % spentInBase.length]!])];
        if (a.variant === 'overspend' && coins.length > 0) {
          const c = pickCoins(1)[0]!;
          txs = [gen.spend([c], { outputs: [{ value: c.coin.value + 1n, script: TEST_SCRIPTS[0]! }] })];
        }
        if (a.variant === 'badsig' && coins.length > 0) txs = [gen.spend(pickCoins(1), { badSig: true })];
        if (a.variant === 'cbamount') coinbaseValue = blockSubsidy(parent.height + 1, params) + 1n;
        await this.submit(gen.block(name, parent, { txs, coinbaseValue, time: parent.time + 1 + (a.pick % 3) }));
        break;
      }
      case 'tx': {
        const coins = [...this.model.coins().values()].filter((c) => !c.coin.coinbase || c.coin.height > 100).sort((x, y) => (outpointKey(x.outpoint) < outpointKey(y.outpoint) ? -1 : 1));
        let u: Utxo | undefined;
        if (a.variant === 'coin' && coins.length > 0) u = coins[a.pick % coins.length];
        if (a.variant === 'spent') u = spentInBase[a.pick % spentInBase.length];
        if (a.variant === 'unknown') u = { outpoint: { txid: new Uint8Array(32).fill(a.pick + 1), vout: 0 }, coin: spentInBase[0]!.coin };
        if (a.variant === 'child') {
          const entries = [...this.mempool.entries()];
          const e = entries[a.pick % Math.max(1, entries.length)];
          if (e) u = { outpoint: { txid: e.txid, vout: 0 }, coin: { ...e.tx.outputs[0]!, height: 0, coinbase: false } };
        }
        if (!u) break;
        await this.mempool.accept(gen.spend([u], { fee: 2000n + BigInt(a.pick) })).catch(() => undefined);
        break;
      }
      case 'restart':
        await this.close();
        await this.open();
        break;
      case 'flush':
        await this.chain.flush();
        break;
      case 'mine': {
        const t = buildTemplate({ chain: this.chain, mempool: this.mempool, payTo: TEST_SCRIPTS[0]!, clock: this.clock });
        const block = t.block(this.id * 1000 + this.n);
        const mined = new Block(mineHeader(block.header, params), block.txs);
        const parent = this.byHex.get(t.prev.hashHex)!;
        await this.submit(gen.adopt(name, mined, parent));
        break;
      }
    }
    await this.mempool.idle();
  }

  /** Every invariant of the file comment; returns what is wrong (empty when all hold). */
  async check(): Promise<string[]> {
    const wrong: string[] = [];
    const m = this.digest.get();
    if (this.chain.tip.hashHex !== m.tip) wrong.push(`tip ${this.chain.tip.height}:${this.chain.tip.hashHex} but the model says ${m.height}:${m.tip}`);
    const s = await this.chain.utxoStats();
    if (s.digest !== m.digest || s.txouts !== m.txouts || s.totalAmount !== m.totalAmount) wrong.push(`UTXO digest ${s.digest} (${s.txouts}) but the model has ${m.digest} (${m.txouts})`);
    const coins = this.model.coins();
    const spent = new Set<string>();
    for (const e of this.mempool.entries()) {
      for (const i of e.tx.inputs) {
        const k = outpointKey(i.prevout);
        if (spent.has(k)) wrong.push(`mempool: two txs spend ${k}`);
        spent.add(k);
        const parent = this.mempool.get(i.prevout.txid);
        const out = parent?.tx.outputs[i.prevout.vout];
        if (!coins.has(k) && !(out && !isOpReturn(out.script))) wrong.push(`mempool: ${e.txidHex} spends ${k}, which is neither a coin of the chain nor a mempool output`);
      }
    }
    const t = buildTemplate({ chain: this.chain, mempool: this.mempool, payTo: TEST_SCRIPTS[1]!, clock: this.clock });
    const b = t.block(7);
    const mined = new Block(mineHeader(b.header, params), b.txs);
    const v = this.model.checkOnTip(mined);
    if (!v.valid) wrong.push(`template on ${bytesToHex(t.prev.hash)} with ${t.txs.length} txs does not connect: ${v.code}`);
    return wrong;
  }
}

describe('property: chain, mempool and miner against the model', () => {
  it(`holds every invariant over ${RUNS} random runs (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(action, { minLength: 8, maxLength: 24 }), async (tiny, actions) => {
        const run = new Run(tiny ? 1 : 64 << 20);
        await run.open();
        try {
          for (const [i, a] of actions.entries()) {
            await run.step(a);
            const wrong = await run.check();
            if (wrong.length > 0) throw new Error(`after action ${i} ${JSON.stringify(a)} (cache ${tiny ? 'tiny' : 'large'}):\n${wrong.join('\n')}`);
          }
        } finally {
          await run.close();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(runNo).toBeGreaterThanOrEqual(RUNS);
  }, 300_000);
});
