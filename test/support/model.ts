// An independent, deliberately naive model of a node, to check src/chain against. It does
// not import src/chain. It keeps every block it was given; a block's validity is decided
// once, by replaying its branch from genesis into a fresh Map and checking the spending
// rules with its own code (missing or spent inputs, values, coinbase maturity and amount);
// header, sanity and context rules and signature verification come from src/consensus.
// Fork choice: among blocks whose whole branch is valid, the most cumulative work, ties to
// the block stored first. The UTXO set is a replay of that branch from genesis.
import {
  RuleError,
  blockSubsidy,
  blockWork,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  medianTimePast,
  taprootSigChecks,
  verifySigChecks,
  MAX_SCRIPT_SIZE,
} from '../../src/consensus/index.js';
import type { Coin, ConsensusParams, HeaderAncestry, SigCheck } from '../../src/consensus/index.js';
import { Block, hashToHex, isOpReturn, outpointKey, wasmVerifier, type OutPoint } from '../../src/primitives/index.js';

export interface ModelCoin {
  outpoint: OutPoint;
  coin: Coin;
}

export type Verdict = { valid: true } | { valid: false; code: string };

interface Rec {
  block: Block;
  hex: string;
  parent: Rec | null;
  height: number;
  work: bigint;
  /** store order (every stored block's parent is stored: orphans wait outside) */
  seq: number;
  /** a header-independent rule that failed when the block arrived */
  early?: string;
  verdict?: Verdict;
}

export type ModelResult = 'stored' | 'orphan' | 'duplicate' | 'dropped';

export class Model {
  private readonly recs = new Map<string, Rec>();
  private readonly orphans = new Map<string, Block[]>();
  private seq = 0;

  constructor(
    readonly params: ConsensusParams,
    /** the node's clock, seconds */
    private readonly now: () => number,
  ) {
    const g = params.genesis;
    const rec: Rec = { block: g, hex: g.hashHex(), parent: null, height: 0, work: blockWork(g.header.bits), seq: ++this.seq, verdict: { valid: true } };
    this.recs.set(rec.hex, rec);
  }

  has(hex: string): boolean {
    return this.recs.has(hex);
  }

  /** What a node does with a block: store it (valid or not), hold it as an orphan, or drop it. */
  submit(block: Block): ModelResult {
    const hex = block.hashHex();
    if (this.recs.has(hex)) return 'duplicate';
    const parent = this.recs.get(hashToHex(block.header.prevBlock));
    if (!parent) {
      try {
        checkHeaderSanity(block.header, this.params);
      } catch {
        return 'dropped';
      }
      const list = this.orphans.get(hashToHex(block.header.prevBlock)) ?? [];
      if (!list.some((b) => b.hashHex() === hex)) list.push(block);
      this.orphans.set(hashToHex(block.header.prevBlock), list);
      return 'orphan';
    }
    const r = this.store(block, parent);
    if (r !== 'stored') return r;
    // Orphans waiting for it follow, breadth first, each in arrival order.
    const queue = [hex];
    while (queue.length > 0) {
      const h = queue.shift()!;
      const waiting = this.orphans.get(h) ?? [];
      this.orphans.delete(h);
      for (const child of waiting) {
        if (this.recs.has(child.hashHex())) continue;
        if (this.store(child, this.recs.get(h)!) === 'stored') queue.push(child.hashHex());
      }
    }
    return 'stored';
  }

  private store(block: Block, parent: Rec): ModelResult {
    const header = block.header;
    try {
      checkHeaderSanity(header, this.params);
      checkHeaderContext(header, parent.height, this.ancestry(parent), this.params, this.now());
    } catch (e) {
      if (e instanceof RuleError) return 'dropped';
      throw e;
    }
    let early: string | undefined;
    try {
      checkBlockSanity(block, this.params);
      checkBlockContext(block, parent.height + 1, medianTimePast(parent.height, this.ancestry(parent)), this.params);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      if (e.corruption || e.transient) return 'dropped'; // not the block the header paid for
      early = e.code;
    }
    const rec: Rec = { block, hex: block.hashHex(), parent, height: parent.height + 1, work: parent.work + blockWork(header.bits), seq: ++this.seq, early };
    this.recs.set(rec.hex, rec);
    return 'stored';
  }

  private ancestry(tip: Rec): HeaderAncestry {
    return {
      ancestor: (h: number) => {
        let r: Rec | null = tip;
        while (r && r.height > h) r = r.parent;
        return r && r.height === h ? { height: h, time: r.block.header.time, bits: r.block.header.bits, hash: r.block.hash() } : undefined;
      },
    };
  }

  /** Whether the block and every ancestor are valid; the code of the first failure if not. */
  verdict(hex: string): Verdict {
    const rec = this.recs.get(hex);
    if (!rec) throw new Error(`model: unknown block ${hex}`);
    return this.judge(rec);
  }

  private judge(rec: Rec): Verdict {
    if (rec.verdict) return rec.verdict;
    // Ancestors first, without recursion (branches can be long).
    const path: Rec[] = [];
    for (let r: Rec | null = rec; r && !r.verdict; r = r.parent) path.push(r);
    for (const r of path.reverse()) {
      const pv = r.parent!.verdict!;
      if (!pv.valid) r.verdict = { valid: false, code: 'bad-prevblk' };
      else if (r.early) r.verdict = { valid: false, code: r.early };
      else r.verdict = this.connect(r.block, r.height, this.replay(r.parent!)).verdict;
    }
    return rec.verdict!;
  }

  /** The coins after `tip`, replayed from genesis (every block on the way must be valid). */
  replay(tip: Rec): Map<string, ModelCoin> {
    const path: Rec[] = [];
    for (let r: Rec | null = tip; r; r = r.parent) path.push(r);
    const coins = new Map<string, ModelCoin>();
    for (const r of path.reverse()) {
      const res = this.connect(r.block, r.height, coins, true);
      if (!res.verdict.valid) throw new Error(`model: replaying ${r.hex} failed with ${res.verdict.code}`);
    }
    return coins;
  }

  /**
   * Checks the block's spends against `coins` in the order a node does: each tx's inputs,
   * values and signature shapes; then the coinbase amount; then the signatures. When
   * `apply`, the coins are updated in place (only for valid blocks).
   */
  private connect(block: Block, height: number, coins: Map<string, ModelCoin>, apply = false): { verdict: Verdict } {
    const spent = new Set<string>();
    const created = new Map<string, ModelCoin>();
    const find = (p: OutPoint): Coin | undefined => {
      const k = outpointKey(p);
      if (spent.has(k)) return undefined;
      return created.get(k)?.coin ?? coins.get(k)?.coin;
    };
    const add = (t: number): void => {
      const tx = block.txs[t]!;
      const txid = tx.txid();
      tx.outputs.forEach((o, vout) => {
        if (isOpReturn(o.script) || o.script.length > MAX_SCRIPT_SIZE) return;
        created.set(outpointKey({ txid, vout }), { outpoint: { txid, vout }, coin: { value: o.value, script: o.script, height, coinbase: t === 0 } });
      });
    };
    const checks: SigCheck[] = [];
    let fees = 0n;
    add(0);
    try {
      for (let t = 1; t < block.txs.length; t++) {
        const tx = block.txs[t]!;
        const inputs: Coin[] = [];
        for (const i of tx.inputs) {
          const c = find(i.prevout);
          if (!c) return { verdict: { valid: false, code: 'bad-txns-inputs-missingorspent' } };
          inputs.push(c);
        }
        let valueIn = 0n;
        for (const c of inputs) {
          if (c.coinbase && height - c.height < this.params.coinbaseMaturity) return { verdict: { valid: false, code: 'bad-txns-premature-spend-of-coinbase' } };
          valueIn += c.value;
        }
        const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0n);
        if (valueIn < valueOut) return { verdict: { valid: false, code: 'bad-txns-in-belowout' } };
        fees += valueIn - valueOut;
        // (a replay of blocks already judged valid skips the signature work)
        if (!apply) checks.push(...taprootSigChecks(tx, inputs, t));
        for (const i of tx.inputs) {
          const k = outpointKey(i.prevout);
          if (created.has(k)) created.delete(k);
          else spent.add(k);
        }
        add(t);
      }
      const paid = block.txs[0]!.outputs.reduce((s, o) => s + o.value, 0n);
      if (paid > blockSubsidy(height, this.params) + fees) return { verdict: { valid: false, code: 'bad-cb-amount' } };
      if (!apply) verifySigChecks(checks, wasmVerifier);
    } catch (e) {
      if (e instanceof RuleError) return { verdict: { valid: false, code: e.code } };
      throw e;
    }
    if (apply) {
      for (const k of spent) coins.delete(k);
      for (const [k, c] of created) coins.set(k, c);
    }
    return { verdict: { valid: true } };
  }

  /** Would `block` be a valid child of the tip? (Nothing is stored.) */
  checkOnTip(block: Block): Verdict {
    const tip = this.recs.get(this.tip().hex)!;
    if (hashToHex(block.header.prevBlock) !== tip.hex) return { valid: false, code: 'not-on-tip' };
    try {
      checkHeaderSanity(block.header, this.params);
      checkHeaderContext(block.header, tip.height, this.ancestry(tip), this.params, this.now());
      checkBlockSanity(block, this.params);
      checkBlockContext(block, tip.height + 1, medianTimePast(tip.height, this.ancestry(tip)), this.params);
    } catch (e) {
      if (e instanceof RuleError) return { valid: false, code: e.code };
      throw e;
    }
    return this.connect(block, tip.height + 1, this.replay(tip)).verdict;
  }

  /** The most-work block whose branch is valid; among equal work the first stored. */
  tip(): { hex: string; height: number } {
    let best: Rec | undefined;
    for (const r of this.recs.values()) {
      if (best && (r.work < best.work || (r.work === best.work && r.seq > best.seq))) continue;
      if (!this.judge(r).valid) continue;
      best = r;
    }
    return { hex: best!.hex, height: best!.height };
  }

  /** The coin set at the tip, replayed from genesis. */
  coins(): Map<string, ModelCoin> {
    return this.replay(this.recs.get(this.tip().hex)!);
  }
}
