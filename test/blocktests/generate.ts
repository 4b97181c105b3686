// The block-test generator (in the spirit of btcd's fullblocktests and Core's
// feature_block.py): builds chains with test keys and emits steps
//   (block, expected: connected | side | orphan | duplicate | rejected with code, expected tip).
// Expectations are stated by each scenario from its shape (which branch has more work,
// where the invalid block sits); the runner also checks every step against the
// independent model in test/support/model.ts.
import { RuleError, blockSubsidy, createCoinbase, medianTimePast, checkProofOfWork, encodeHeightPush, regtestParams } from '../../src/consensus/index.js';
import type { ConsensusParams } from '../../src/consensus/index.js';
import { Block, Tx, concatBytes, opReturnScript, outpointKey, txMerkleRoot } from '../../src/primitives/index.js';
import { BlockGen, TEST_SCRIPTS, type GenBlock, type Utxo } from '../support/blockgen.js';

export type Expect = 'connected' | 'side' | 'orphan' | 'duplicate' | { code: string };

export interface Step {
  /** scenario / block name, printed on failure */
  name: string;
  block: Block;
  expect: Expect;
  /** name of the expected tip after the step */
  tip: string;
}

export interface Suite {
  title: string;
  params: ConsensusParams;
  gen: BlockGen;
  steps: Step[];
  /** the node's clock (seconds) */
  now: number;
}

/** Collects steps and keeps the expected tip. */
class Script {
  readonly steps: Step[] = [];
  tip: string;

  constructor(
    readonly g: BlockGen,
    readonly scenario: string,
  ) {
    this.tip = 'genesis';
  }

  private push(b: GenBlock, expect: Expect, tip: string): void {
    this.steps.push({ name: `${this.scenario}: ${b.name}`, block: b.block, expect, tip });
    this.tip = tip;
  }

  connected(b: GenBlock): void {
    this.push(b, 'connected', b.name);
  }
  side(b: GenBlock): void {
    this.push(b, 'side', this.tip);
  }
  orphan(b: GenBlock): void {
    this.push(b, 'orphan', this.tip);
  }
  duplicate(b: GenBlock): void {
    this.push(b, 'duplicate', this.tip);
  }
  reject(b: GenBlock, code: string, tip = this.tip): void {
    this.push(b, { code }, tip);
  }
  /** A block submitted with a status that depends on a chosen tip (e.g. a branch root). */
  expect(b: GenBlock, e: Expect, tip: string): void {
    this.push(b, e, tip);
  }
}

/** Hands out coins of the main chain no scenario has used yet. */
class Coins {
  private readonly used = new Set<string>();
  constructor(private readonly g: BlockGen) {}
  take(at: GenBlock, n = 1): Utxo[] {
    const out: Utxo[] = [];
    if (n === 0) return out;
    for (const u of this.g.spendable(at)) {
      const k = outpointKey(u.outpoint);
      if (this.used.has(k)) continue;
      this.used.add(k);
      out.push(u);
      if (out.length === n) return out;
    }
    throw new Error(`generator: only ${out.length} unused coins at ${at.name}`);
  }
}

const NOW_OFFSET = 5_000_000;

/** Kinds of invalid block used at each position of a branch; each knows its code. */
type Breaker = (g: BlockGen, name: string, parent: GenBlock, ctx: { spentBelow: Utxo; spentOnBranch?: Utxo }) => { b: GenBlock; code: string; context: boolean };

const BREAKERS: Breaker[] = [
  // re-spends a coin spent lower in the common chain (issue #14's child of T')
  (g, name, p, c) => ({ b: g.block(name, p, { txs: [g.spend([c.spentBelow], { fee: 3333n })] }), code: 'bad-txns-inputs-missingorspent', context: false }),
  (g, name, p) => {
    const u = g.spendable(p)[0]!;
    return { b: g.block(name, p, { txs: [g.spend([u], { outputs: [{ value: u.coin.value + 1n, script: TEST_SCRIPTS[0]! }] })] }), code: 'bad-txns-in-belowout', context: false };
  },
  (g, name, p) => ({ b: g.block(name, p, { txs: [g.spend([g.spendable(p)[1]!], { badSig: true })] }), code: 'bad-schnorr-sig', context: false }),
  (g, name, p) => ({ b: g.block(name, p, { coinbaseValue: blockSubsidy(p.height + 1, g.params) + 1n }), code: 'bad-cb-amount', context: false }),
  (g, name, p) => {
    // the coinbase of the branch's own parent: 1 confirmation
    const cb = p.block.txs[0]!;
    const u: Utxo = { outpoint: { txid: cb.txid(), vout: 0 }, coin: { value: cb.outputs[0]!.value, script: cb.outputs[0]!.script, height: p.height, coinbase: true } };
    return { b: g.block(name, p, { txs: [g.spend([u])] }), code: 'bad-txns-premature-spend-of-coinbase', context: false };
  },
  (g, name, p, c) => {
    // a coin an earlier block of this branch spent, or else two spends of one coin
    if (c.spentOnBranch) return { b: g.block(name, p, { txs: [g.spend([c.spentOnBranch], { fee: 4444n })] }), code: 'bad-txns-inputs-missingorspent', context: false };
    const u = g.spendable(p)[2]!;
    return { b: g.block(name, p, { txs: [g.spend([u]), g.spend([u], { fee: 5555n })] }), code: 'bad-txns-inputs-missingorspent', context: false };
  },
  (g, name, p) => {
    const tx = g.spend([g.spendable(p)[3]!], { locktime: p.height + 10, sequence: 0 });
    return { b: g.block(name, p, { txs: [tx] }), code: 'bad-txns-nonfinal', context: true };
  },
  (g, name, p) => {
    const height = p.height + 1;
    const cb = createCoinbase({ height: height + 1, params: g.params, script: TEST_SCRIPTS[0]!, value: 1n });
    const wrong = new Tx({ ...cb, locktime: height - 1 });
    return { b: g.block(name, p, { coinbase: wrong }), code: 'bad-cb-height', context: true };
  },
];

function mainSuite(): Suite {
  const params = regtestParams;
  const g = new BlockGen(params);
  const now = params.genesis.header.time + NOW_OFFSET;
  const s = new Script(g, 'base');
  const coins = new Coins(g);

  // ---- base: 105 blocks; from 101 on each spends a matured coinbase
  const spentBelow: Utxo[] = [];
  let tip = g.genesis;
  for (let i = 1; i <= 105; i++) {
    const spends = i > 100 ? coins.take(tip, 1) : [];
    spentBelow.push(...spends);
    tip = g.block(`b${i}`, tip, { txs: spends.map((u) => g.spend([u])) });
    s.connected(tip);
  }

  // ---- every rule in docs/consensus.md, each with a failing block on the tip
  const rules = new Script(g, 'rules');
  rules.tip = tip.name;
  let n = 0;
  const bad = (o: Parameters<BlockGen['block']>[2]): GenBlock => g.block(`r${++n}`, tip, o);
  const good = (): void => {
    tip = g.block(`r${++n}`, tip, { txs: coins.take(tip, 1).map((u) => g.spend([u])) });
    rules.connected(tip);
  };
  const one = (): Utxo => coins.take(tip, 1)[0]!;
  // headers
  rules.reject(bad({ bits: 0x2100ffff, unmined: true }), 'bad-diffbits');
  rules.reject(bad({ bits: 0x207ffffe }), 'bad-diffbits');
  rules.reject(failPow(bad({ unmined: true }), params), 'high-hash');
  rules.reject(bad({ time: medianTimePast(tip.height, g.ancestry(tip)) }), 'time-too-old');
  rules.reject(bad({ time: now + params.maxFutureBlockTime + 1 }), 'time-too-new');
  good();
  // block sanity (the corruption cases are in 'mutations')
  rules.reject(bad({ txs: [sixtyFour(one())] }), 'bad-txns-size');
  rules.reject(bad({ mutate: (b) => remined(new Block(b.header.with({ merkleRoot: txMerkleRoot([]).root }), []), params) }), 'bad-blk-length');
  rules.reject(
    bad({
      txs: [g.spend([one()])],
      mutate: (b) => remined(new Block(b.header.with({ merkleRoot: txMerkleRoot(b.txs.slice(1)).root }), b.txs.slice(1)), params),
    }),
    'bad-cb-missing',
  );
  rules.reject(bad({ txs: [createCoinbase({ height: tip.height + 1, params, script: TEST_SCRIPTS[1]!, value: 1n, extraNonce: 99 })] }), 'bad-cb-multiple');
  rules.reject(bad({ txs: [withWitness(g.spend([one()]), [new Uint8Array(64).fill(1), new Uint8Array(4_000_000)])] }), 'bad-blk-weight');
  // transaction sanity, inside a block
  const u = one();
  const ok = g.spend([u]);
  const txRule = (tx: Tx, code: string): void => rules.reject(bad({ txs: [tx] }), code);
  txRule(new Tx({ ...ok, inputs: [] }), 'bad-txns-vin-empty');
  txRule(new Tx({ ...ok, outputs: [] }), 'bad-txns-vout-empty');
  txRule(new Tx({ ...ok, outputs: [{ value: -1n, script: TEST_SCRIPTS[0]! }] }), 'bad-txns-vout-negative');
  txRule(new Tx({ ...ok, outputs: [{ value: params.maxMoney + 1n, script: TEST_SCRIPTS[0]! }] }), 'bad-txns-vout-toolarge');
  txRule(new Tx({ ...ok, outputs: [0, 1].map(() => ({ value: params.maxMoney / 2n + 1n, script: TEST_SCRIPTS[0]! })) }), 'bad-txns-txouttotal-toolarge');
  txRule(new Tx({ ...ok, inputs: [ok.inputs[0]!, ok.inputs[0]!] }), 'bad-txns-inputs-duplicate');
  // (a single null input would make it a second coinbase)
  txRule(new Tx({ ...ok, inputs: [ok.inputs[0]!, { ...ok.inputs[0]!, prevout: { txid: new Uint8Array(32), vout: 0xffffffff } }] }), 'bad-txns-prevout-null');
  txRule(new Tx({ ...ok, outputs: [{ value: 1000n, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) }] }), 'bad-txns-output-template');
  txRule(new Tx({ ...ok, inputs: [{ ...ok.inputs[0]!, scriptSig: Uint8Array.of(0x51) }] }), 'bad-txns-scriptsig-nonempty');
  txRule(withWitness(ok, [ok.inputs[0]!.witness[0]!, Uint8Array.of(1)]), 'bad-witness-shape');
  const longCb = createCoinbase({ height: tip.height + 1, params, script: TEST_SCRIPTS[0]!, value: blockSubsidy(tip.height + 1, params) });
  rules.reject(bad({ coinbase: new Tx({ ...longCb, inputs: [{ ...longCb.inputs[0]!, scriptSig: concatBytes(encodeHeightPush(tip.height + 1), new Uint8Array(99)) }] }) }), 'bad-cb-length');
  // block context
  rules.reject(bad({ txs: [g.spend([u], { locktime: tip.height + 5, sequence: 0 })] }), 'bad-txns-nonfinal');
  const h = tip.height + 1;
  const cb = createCoinbase({ height: h, params, script: TEST_SCRIPTS[0]!, value: blockSubsidy(h, params) });
  rules.reject(bad({ coinbase: new Tx({ ...cb, inputs: [{ ...cb.inputs[0]!, scriptSig: concatBytes(encodeHeightPush(h + 1), Uint8Array.of(0)) }] }) }), 'bad-cb-height');
  rules.reject(bad({ coinbase: new Tx({ ...cb, locktime: h - 2 }) }), 'bad-cb-locktime');
  rules.reject(bad({ coinbase: new Tx({ ...cb, inputs: [{ ...cb.inputs[0]!, sequence: 0xffffffff }] }) }), 'bad-cb-sequence');
  // connect: values, coins and signatures
  const failed = bad({ coinbaseValue: blockSubsidy(tip.height + 1, params) + 1n });
  rules.reject(failed, 'bad-cb-amount');
  rules.reject(g.block(`r${++n}`, failed), 'bad-prevblk');
  rules.reject(failed, 'duplicate-invalid');
  rules.reject(bad({ txs: [g.spend([{ outpoint: { txid: new Uint8Array(32).fill(0xee), vout: 0 }, coin: u.coin }])] }), 'bad-txns-inputs-missingorspent');
  rules.reject(bad({ txs: [g.spend([spentBelow[0]!])] }), 'bad-txns-inputs-missingorspent');
  const young = tip.block.txs[0]!;
  rules.reject(bad({ txs: [g.spend([{ outpoint: { txid: young.txid(), vout: 0 }, coin: { ...young.outputs[0]!, height: tip.height, coinbase: true } }])] }), 'bad-txns-premature-spend-of-coinbase');
  rules.reject(bad({ txs: [g.spend([u], { outputs: [{ value: u.coin.value + 1n, script: TEST_SCRIPTS[2]! }] })] }), 'bad-txns-in-belowout');
  rules.reject(bad({ txs: [sighashSingleWithoutOutput(coins.take(tip, 2))] }), 'bad-sighash-single');
  rules.reject(bad({ txs: [g.spend([u], { badSig: true })] }), 'bad-schnorr-sig');
  // an unknown parent: held as an orphan
  const ghostParent = g.block(`r${++n}`, tip);
  rules.orphan(g.block(`r${++n}`, ghostParent));
  tip = g.block(`r${++n}`, tip, { txs: [ok] });
  rules.connected(tip);
  rules.duplicate(tip);

  // ---- mutated blocks (not marked invalid) followed by their genuine twins
  const mut = new Script(g, 'mutations');
  mut.tip = tip.name;
  const mutations: Array<[string, (b: Block) => Block, number]> = [
    ['bad-txns-duplicate', (b) => new Block(b.header, [...b.txs, b.txs[b.txs.length - 1]!]), 2],
    ['bad-txnmrklroot', (b) => new Block(b.header, b.txs.slice(0, -1)), 2],
    ['bad-witness-merkle-match', (b) => new Block(b.header, [b.txs[0]!, withWitness(b.txs[1]!, [new Uint8Array(64).fill(7)]), ...b.txs.slice(2)]), 1],
    ['bad-witness-nonce-size', (b) => new Block(b.header, [withWitness(b.txs[0]!, [new Uint8Array(33)]), ...b.txs.slice(1)]), 1],
    ['unexpected-witness', (b) => new Block(b.header, [withWitness(b.txs[0]!, [new Uint8Array(32)]), ...b.txs.slice(1)]), 0],
  ];
  let m = 0;
  for (const [code, mutate, spends] of mutations) {
    const txs = coins.take(tip, spends).map((c) => g.spend([c]));
    const genuine = g.block(`m${++m}`, tip, { txs });
    mut.reject({ ...genuine, block: mutate(genuine.block) }, code);
    tip = genuine;
    mut.connected(genuine);
  }
  mut.duplicate({ ...tip, block: mutations[0]![1](tip.block) });
  // on a side branch: the mutation, then the twin (side), then its child wins
  const sideParent = tip.parent!;
  const twin = g.block(`m${++m}`, sideParent, { txs: coins.take(sideParent, 2).map((c) => g.spend([c])), time: tip.time + 1 });
  mut.reject({ ...twin, block: mutations[0]![1](twin.block) }, 'bad-txns-duplicate');
  mut.side(twin);
  tip = g.block(`m${++m}`, twin);
  mut.connected(tip);

  // ---- an invalid block at each position k of a more-work branch of depth d
  const pos = new Script(g, 'positions');
  pos.tip = tip.name;
  let breaker = 0;
  for (let d = 1; d <= 10; d++) {
    for (let k = 1; k <= d; k++) {
      const fork = ancestor(tip, tip.height - d + 1);
      const [q] = coins.take(fork, 1); // spent by the branch's first block, and later on main
      let p = fork;
      let spentOnBranch: Utxo | undefined;
      let code = '';
      let context = false;
      const brk = BREAKERS[breaker++ % BREAKERS.length]!;
      for (let i = 1; i <= d; i++) {
        const name = `p${d}.${k}.${i}`;
        let b: GenBlock;
        if (i === k) ({ b, code, context } = brk(g, name, p, { spentBelow: spentBelow[(d + k) % spentBelow.length]!, spentOnBranch }));
        else if (i === 1) {
          b = g.block(name, p, { txs: [g.spend([q!])], time: p.time + 2 });
          spentOnBranch = q;
        } else b = g.block(name, p);
        const height = b.height;
        if (i < k) pos.side(b);
        else if (i === k) {
          if (context || height > tip.height) pos.reject(b, code);
          else pos.side(b);
        } else if (context || height > tip.height) pos.reject(b, 'bad-prevblk');
        else pos.side(b);
        p = b;
      }
      // the node is back on its chain: extend it, spending q (which the branch had spent)
      tip = g.block(`p${d}.${k}.main`, tip, { txs: [g.spend([q!], { fee: 2000n })] });
      pos.connected(tip);
    }
  }

  // ---- equal-work ties before and after failed reorgs: the first seen stays
  const ties = new Script(g, 'ties');
  ties.tip = tip.name;
  const F = tip;
  const [x, y] = coins.take(F, 2);
  const T = g.block('T', F, { txs: [g.spend([coins.take(F, 1)[0]!])] });
  ties.connected(T);
  const T1 = g.block("T'", F, { txs: [g.spend([x!, y!])], time: F.time + 2 });
  ties.side(T1);
  const T2 = g.block("T''", F, { txs: [g.spend([x!], { fee: 1500n })], time: F.time + 3 });
  ties.side(T2);
  ties.reject(g.block('C1', T1, { txs: [g.spend([spentBelow[1]!])] }), 'bad-txns-inputs-missingorspent', 'T');
  const C2 = g.block('C2', T2);
  ties.connected(C2); // more work: reorg onto T''
  const D = g.block('D', T, { time: T.time + 5 });
  ties.side(D); // equal work with C2, seen later
  const E1 = g.block('E1', T1);
  ties.side(E1);
  ties.reject(g.block('G', C2, { coinbaseValue: blockSubsidy(C2.height + 1, params) + 1n }), 'bad-cb-amount', 'C2');
  const Tc = g.block('Tc', D, { txs: [g.spend([x!], { fee: 1700n })] });
  ties.connected(Tc); // back to T's branch, spending x that T'' spent
  const E2 = g.block('E2', E1);
  ties.side(E2); // equal work with Tc, seen later
  ties.reject(g.block('E3', E2, { txs: [g.spend([g.spendable(E2)[0]!], { badSig: true })] }), 'bad-schnorr-sig', 'Tc');
  tip = g.block('Tx', Tc, { txs: [g.spend([y!], { fee: 1800n })] }); // y: spent only by T'
  ties.connected(tip);

  // ---- reorg back and forth; coins spent on one branch and re-spent on the other
  const flip = new Script(g, 'flipflop');
  flip.tip = tip.name;
  const base = tip;
  const shared = coins.take(base, 6);
  const sameTx = g.spend([shared[5]!], { fee: 1234n }); // the very same tx on both branches
  let a = g.block('A1', base, { txs: [g.spend([shared[0]!])] });
  flip.connected(a);
  let b = g.block('B1', base, { txs: [g.spend([shared[0]!], { fee: 3000n })], time: base.time + 2 });
  flip.side(b);
  for (let round = 1; round <= 4; round++) {
    const spendOwn = (br: GenBlock): Tx[] => [g.spend([g.spendable(br).find((c) => !c.coin.coinbase && c.coin.height > base.height)!], { fee: 700n + BigInt(round) })];
    b = g.block(`B${2 * round}`, b, { txs: [...spendOwn(b), ...(round === 2 ? [sameTx] : []), ...(round <= 4 ? [g.spend([shared[round]!], { fee: 900n })] : [])] });
    flip.connected(b);
    a = g.block(`A${2 * round}`, a, { txs: [...spendOwn(a), ...(round === 3 ? [sameTx] : [])] });
    flip.side(a);
    a = g.block(`A${2 * round + 1}`, a, { txs: [g.spend([shared[round]!], { fee: 950n })] });
    flip.connected(a);
    b = g.block(`B${2 * round + 1}`, b);
    flip.side(b);
  }
  tip = a;

  // ---- a deep branch arriving out of order (children before parents)
  const ooo = new Script(g, 'out-of-order');
  ooo.tip = tip.name;
  const deepFork = ancestor(tip, tip.height - 6);
  const deep = g.chain('O', deepFork, 12, (i, p) => ({ time: p.time + (i === 1 ? 3 : 1), txs: i % 3 === 0 ? [g.spend([g.spendable(p).find((c) => c.coin.height > deepFork.height - 50 && !c.coin.coinbase) ?? g.spendable(p)[0]!])] : [] }));
  for (const blk of [...deep].reverse().slice(0, 11)) ooo.orphan(blk);
  ooo.expect(deep[0]!, 'connected', deep[11]!.name);
  tip = deep[11]!;
  // shuffled, with an invalid block in the middle: the node ends on the valid prefix
  const fork2 = ancestor(tip, tip.height - 3);
  const P = g.chain('Q', fork2, 10, (i, p) => (i === 6 ? { txs: [g.spend([g.spendable(p)[4]!], { badSig: true })] } : { time: p.time + (i === 1 ? 4 : 1) }));
  const order = [8, 3, 10, 5, 2, 7, 4, 9, 6];
  for (const i of order) ooo.orphan(P[i - 1]!);
  ooo.expect(P[0]!, 'connected', P[4]!.name);
  tip = P[4]!;
  tip = g.block('Qmain', tip, { txs: [g.spend([coins.take(tip, 1)[0]!])] });
  ooo.connected(tip);

  const steps = [s, rules, mut, pos, ties, flip, ooo].flatMap((x) => x.steps);
  return { title: 'regtest', params, gen: g, steps, now };
}

/**
 * BIP54's time-warp rules need a retarget window: regtest's proof of work with Bitcoin's
 * retarget every 16 blocks (the block spacing keeps the target at the limit).
 */
function retargetSuite(): Suite {
  const params: ConsensusParams = Object.freeze({ ...regtestParams, difficulty: Object.freeze({ kind: 'bitcoin' as const, interval: 16, timespan: 16 * 600, bip94: true }) });
  const g = new BlockGen(params, 640);
  const now = params.genesis.header.time + NOW_OFFSET;
  const s = new Script(g, 'retarget');
  let tip = g.genesis;
  const add = (o: Parameters<BlockGen['block']>[2] = {}): void => {
    tip = g.block(`w${tip.height + 1}`, tip, o);
    s.connected(tip);
  };
  for (let i = 1; i <= 30; i++) add();
  add({ time: tip.time + 20_000 }); // 31: last of its period, far ahead
  const mtp = medianTimePast(tip.height, g.ancestry(tip));
  s.reject(g.block('warp', tip, { time: Math.max(mtp + 1, tip.time - params.timewarpGrace - 1) }), 'time-timewarp-attack');
  s.reject(g.block('diffbits', tip, { bits: 0x207ffffe }), 'bad-diffbits');
  add({ time: tip.time - params.timewarpGrace }); // 32: exactly at the grace limit is fine
  const first = tip.time;
  while (tip.height < 46) add({ time: medianTimePast(tip.height, g.ancestry(tip)) + 1 });
  s.reject(g.block('negative', tip, { time: first - 1 }), 'time-negative-interval');
  add({ time: first }); // 47: equal to the first block is allowed
  for (let i = 0; i < 3; i++) add(); // 48..: the next period, harder target, computed
  const side = g.block('wside', tip.parent!, { time: tip.time + 1 });
  s.side(side);
  add();
  return { title: 'bip54 retarget', params, gen: g, steps: s.steps, now };
}

export function generateSuites(): Suite[] {
  return [mainSuite(), retargetSuite()];
}

// ---------------------------------------------------------------- helpers

function ancestor(b: GenBlock, height: number): GenBlock {
  let e: GenBlock = b;
  while (e.height > height) e = e.parent!;
  return e;
}

function withWitness(tx: Tx, witness: Uint8Array[], index = 0): Tx {
  return new Tx({ ...tx, inputs: tx.inputs.map((i, n) => (n === index ? { ...i, witness } : i)) });
}

/** Two real coins, one output; input 1 claims SIGHASH_SINGLE, which has no output 1. */
function sighashSingleWithoutOutput(us: Utxo[]): Tx {
  const total = us.reduce((s, u) => s + u.coin.value, 0n);
  return new Tx({
    version: 2,
    inputs: us.map((u, i) => ({ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [i === 1 ? concatBytes(new Uint8Array(64).fill(3), Uint8Array.of(0x03)) : new Uint8Array(64).fill(4)] })),
    outputs: [{ value: total - 1000n, script: TEST_SCRIPTS[0]! }],
    locktime: 0,
  });
}

/** A spend whose serialization without witness is exactly 64 bytes (BIP54). */
function sixtyFour(u: Utxo): Tx {
  const tx = new Tx({
    version: 2,
    inputs: [{ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(64).fill(5)] }],
    outputs: [{ value: 0n, script: opReturnScript(Uint8Array.of(1, 2)) }],
    locktime: 0,
  });
  if (tx.baseSize !== 64) throw new Error(`generator: 64-byte tx is ${tx.baseSize} bytes`);
  return tx;
}

function remined(b: Block, params: ConsensusParams): Block {
  let h = b.header;
  while (!checkProofOfWork(h.hash(), h.bits, params)) h = h.with({ nonce: h.nonce + 1 });
  return new Block(h, b.txs);
}

function failPow(b: GenBlock, params: ConsensusParams): GenBlock {
  let h = b.block.header;
  while (checkProofOfWork(h.hash(), h.bits, params)) h = h.with({ nonce: h.nonce + 1 });
  const block = new Block(h, b.block.txs);
  return { ...b, block, hex: block.hashHex() };
}

export { RuleError };
