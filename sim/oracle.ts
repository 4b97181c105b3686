// The simulator's own idea of validity, written apart from src/chain: every block any
// simulated miner produces is judged here once, by replaying its branch's coin set with
// this file's code (inputs exist and are unspent, coinbase maturity, values, the
// coinbase amount, BIP340 key-path signatures over BIP341 sighashes, proof of work and
// the merkle root). Nodes are then checked against it: a node whose tip this oracle
// judged invalid, or whose coin set differs from the oracle's replay of its tip, has a
// defect. Only byte formats, hashing, the sighash and signature primitives are shared.
import {
  Block,
  TaprootSighasher,
  hashToHex,
  isOpReturn,
  sha256d,
  txMerkleRoot,
  type SchnorrVerifier,
  type Tx,
  type TxOut,
} from '../src/primitives/index.js';

export interface OCoin {
  value: bigint;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
}

export type OVerdict = { valid: true } | { valid: false; reason: string };

interface Rec {
  hex: string;
  block: Block;
  parent: Rec | null;
  height: number;
  verdict: OVerdict;
  /** value of every coin on this branch up to here (checked against the subsidies) */
  total: bigint;
  subsidies: bigint;
}

export interface OracleParams {
  genesis: Block;
  powLimit: bigint;
  /** 50 coins at height 0, halving every `halving` blocks */
  subsidy: bigint;
  halving: number;
  maturity: number;
}

/** Coin sets at a few blocks, replayed forward for the others. */
const SNAPSHOT_EVERY = 16;
const RECENT_STATES = 64;

function key(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

export class Oracle {
  private readonly recs = new Map<string, Rec>();
  private readonly snapshots = new Map<string, Map<string, OCoin>>();
  private readonly recent = new Map<string, Map<string, OCoin>>();
  /** txid → hashes of the blocks that contain it */
  readonly txBlocks = new Map<string, string[]>();

  constructor(
    readonly p: OracleParams,
    private readonly verifier: SchnorrVerifier,
  ) {
    const g = p.genesis;
    const rec: Rec = { hex: g.hashHex(), block: g, parent: null, height: 0, verdict: { valid: true }, total: 0n, subsidies: 0n };
    this.recs.set(rec.hex, rec);
    // genesis coins are not spendable (as Bitcoin): the empty set
    this.snapshots.set(rec.hex, new Map());
  }

  subsidyAt(height: number): bigint {
    const halvings = Math.floor(height / this.p.halving);
    return halvings >= 64 ? 0n : this.p.subsidy >> BigInt(halvings);
  }

  /** blocks known (genesis included), valid or not */
  get size(): number {
    return this.recs.size;
  }

  has(hex: string): boolean {
    return this.recs.has(hex);
  }

  verdict(hex: string): OVerdict | undefined {
    return this.recs.get(hex)?.verdict;
  }

  height(hex: string): number | undefined {
    return this.recs.get(hex)?.height;
  }

  block(hex: string): Block | undefined {
    return this.recs.get(hex)?.block;
  }

  parentOf(hex: string): string | undefined {
    return this.recs.get(hex)?.parent?.hex;
  }

  totals(hex: string): { total: bigint; subsidies: bigint } | undefined {
    const r = this.recs.get(hex);
    return r && { total: r.total, subsidies: r.subsidies };
  }

  /** Judges a new block (once); its parent must be known. */
  add(block: Block): OVerdict {
    const hex = block.hashHex();
    const known = this.recs.get(hex);
    if (known) return known.verdict;
    const parent = this.recs.get(hashToHex(block.header.prevBlock));
    if (!parent) throw new Error(`oracle: block ${hex} has an unknown parent`);
    const height = parent.height + 1;
    let verdict: OVerdict;
    let total = parent.total;
    const subsidies = parent.subsidies + this.subsidyAt(height);
    if (!parent.verdict.valid) verdict = { valid: false, reason: 'invalid parent' };
    else {
      const state = new Map(this.stateOf(parent));
      const r = this.judge(block, height, state);
      verdict = r.verdict;
      if (verdict.valid) {
        total += r.delta;
        if (total > subsidies) verdict = { valid: false, reason: `coins worth ${total} exceed the subsidies ${subsidies}` };
        this.remember(hex, height, state);
      }
    }
    this.recs.set(hex, { hex, block, parent, height, verdict, total, subsidies });
    for (const tx of block.txs) {
      const id = tx.txidHex();
      const l = this.txBlocks.get(id);
      if (l) l.push(hex);
      else this.txBlocks.set(id, [hex]);
    }
    return verdict;
  }

  private remember(hex: string, height: number, state: Map<string, OCoin>): void {
    if (height % SNAPSHOT_EVERY === 0) this.snapshots.set(hex, state);
    this.recent.set(hex, state);
    if (this.recent.size > RECENT_STATES) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The coin set after a valid block (do not modify). */
  stateOf(rec: Rec | string): Map<string, OCoin> {
    const r = typeof rec === 'string' ? this.recs.get(rec) : rec;
    if (!r) throw new Error(`oracle: unknown block ${String(rec)}`);
    const hit = this.recent.get(r.hex) ?? this.snapshots.get(r.hex);
    if (hit) return hit;
    const path: Rec[] = [];
    let base: Map<string, OCoin> | undefined;
    for (let x: Rec | null = r; x; x = x.parent) {
      base = this.recent.get(x.hex) ?? this.snapshots.get(x.hex);
      if (base) break;
      path.push(x);
    }
    const state = new Map(base!);
    for (const x of path.reverse()) this.apply(x.block, x.height, state);
    this.recent.set(r.hex, state);
    if (this.recent.size > RECENT_STATES) this.recent.delete(this.recent.keys().next().value!);
    return state;
  }

  private apply(block: Block, height: number, state: Map<string, OCoin>): void {
    for (const tx of block.txs) {
      const cb = tx.isCoinbase();
      if (!cb) for (const i of tx.inputs) state.delete(key(hashToHex(i.prevout.txid), i.prevout.vout));
      const id = tx.txidHex();
      tx.outputs.forEach((o, v) => {
        if (!isOpReturn(o.script)) state.set(key(id, v), { value: o.value, script: o.script, height, coinbase: cb });
      });
    }
  }

  /** Checks and applies the block to `state`; returns the change in total coin value. */
  private judge(block: Block, height: number, state: Map<string, OCoin>): { verdict: OVerdict; delta: bigint } {
    const bad = (reason: string): { verdict: OVerdict; delta: bigint } => ({ verdict: { valid: false, reason }, delta: 0n });
    const h = block.header;
    let hv = 0n;
    for (const b of [...sha256d(h.encode())].reverse()) hv = (hv << 8n) | BigInt(b);
    if (hv > this.p.powLimit) return bad('proof of work above the limit');
    const txs = block.txs;
    if (txs.length === 0 || !txs[0]!.isCoinbase()) return bad('first transaction is not a coinbase');
    const root = txMerkleRoot(txs);
    if (root.mutated || hashToHex(root.root) !== hashToHex(h.merkleRoot)) return bad('merkle root mismatch');
    let fees = 0n;
    let delta = 0n;
    const seenTx = new Set<string>();
    for (let t = 1; t < txs.length; t++) {
      const tx = txs[t]!;
      if (tx.isCoinbase()) return bad('second coinbase');
      const id = tx.txidHex();
      if (seenTx.has(id)) return bad('duplicate transaction');
      seenTx.add(id);
      const prevouts: TxOut[] = [];
      let vin = 0n;
      for (const i of tx.inputs) {
        const k = key(hashToHex(i.prevout.txid), i.prevout.vout);
        const c = state.get(k);
        if (!c) return bad(`tx ${id} spends a missing or spent coin ${k}`);
        if (c.coinbase && height - c.height < this.p.maturity) return bad(`tx ${id} spends an immature coinbase`);
        state.delete(k);
        vin += c.value;
        prevouts.push({ value: c.value, script: c.script });
      }
      let vout = 0n;
      for (const o of tx.outputs) {
        if (o.value < 0n) return bad('negative output');
        vout += o.value;
      }
      if (vout > vin) return bad(`tx ${id} pays out more than it spends`);
      if (!this.signaturesValid(tx, prevouts)) return bad(`tx ${id} has an invalid signature`);
      fees += vin - vout;
      tx.outputs.forEach((o, v) => {
        if (!isOpReturn(o.script)) {
          state.set(key(id, v), { value: o.value, script: o.script, height, coinbase: false });
          delta += o.value;
        }
      });
      for (const p of prevouts) delta -= p.value;
    }
    const cb = txs[0]!;
    let cbOut = 0n;
    for (const o of cb.outputs) cbOut += o.value;
    if (cbOut > this.subsidyAt(height) + fees) return bad(`coinbase pays ${cbOut}, more than subsidy and fees`);
    const cid = cb.txidHex();
    cb.outputs.forEach((o, v) => {
      if (!isOpReturn(o.script)) {
        state.set(key(cid, v), { value: o.value, script: o.script, height, coinbase: true });
        delta += o.value;
      }
    });
    return { verdict: { valid: true }, delta };
  }

  /** Key-path spends only (all the simulator's wallets make): one 64/65-byte signature. */
  private signaturesValid(tx: Tx, prevouts: TxOut[]): boolean {
    const hasher = new TaprootSighasher(tx, prevouts);
    for (let i = 0; i < tx.inputs.length; i++) {
      const w = tx.inputs[i]!.witness;
      const script = prevouts[i]!.script;
      if (w.length !== 1 || script.length !== 34 || script[0] !== 0x51 || script[1] !== 0x20) return false;
      const sig = w[0]!;
      if (sig.length !== 64 && sig.length !== 65) return false;
      let msg: Uint8Array;
      try {
        msg = hasher.hash(i, sig.length === 65 ? sig[64]! : 0);
      } catch {
        return false;
      }
      if (!this.verifier.verify(sig.subarray(0, 64), msg, script.subarray(2))) return false;
    }
    return true;
  }

  /** The coin count and total value after a block, for comparison with a node's UtxoStats. */
  summary(hex: string): { txouts: number; amount: bigint } {
    let amount = 0n;
    const s = this.stateOf(hex);
    for (const c of s.values()) amount += c.value;
    return { txouts: s.size, amount };
  }

  /** Most recent common ancestor of two known blocks. */
  ancestor(a: string, b: string): string {
    let x = this.recs.get(a)!;
    let y = this.recs.get(b)!;
    while (x.height > y.height) x = x.parent!;
    while (y.height > x.height) y = y.parent!;
    while (x !== y) {
      x = x.parent!;
      y = y.parent!;
    }
    return x.hex;
  }

  /** Blocks from `tip` back to (excluding) `stop`, newest first. */
  branch(tip: string, stop: string): string[] {
    const out: string[] = [];
    for (let x = this.recs.get(tip) ?? null; x && x.hex !== stop; x = x.parent) out.push(x.hex);
    return out;
  }
}
