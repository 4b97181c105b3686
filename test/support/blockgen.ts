// Builds named blocks on any known block with test keys, tracking what each branch's coins
// would be if every block on it were valid, so tests can spend, re-spend and double-spend
// across forks. Used by the generated block tests and the property test; it knows nothing
// of src/chain.
import { blockSubsidy, nextWorkRequired, MAX_SCRIPT_SIZE } from '../../src/consensus/index.js';
import { createBlock } from '../../src/mining/index.js';
import type { Coin, ConsensusParams, HeaderAncestry } from '../../src/consensus/index.js';
import {
  Block,
  Tx,
  bytesToHex,
  isOpReturn,
  outpointKey,
  p2trScript,
  signKeyPathInputWith,
  TaprootSighasher,
  taprootTweakPubkey,
  xOnlyPubkey,
  type OutPoint,
  type TxOut,
} from '../../src/primitives/index.js';

export interface Utxo {
  outpoint: OutPoint;
  coin: Coin;
}

export interface GenBlock {
  readonly name: string;
  readonly block: Block;
  readonly hex: string;
  readonly height: number;
  readonly time: number;
  readonly parent: GenBlock | null;
  /** the coins after this block, were it and its ancestors valid */
  readonly utxos: ReadonlyMap<string, Utxo>;
}

/** Three test keys; outputs rotate between them so spends need the right one. */
export const TEST_SECRETS = [1, 2, 3].map((k) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + k * 31) & 0xff || 1));
export const TEST_SCRIPTS = TEST_SECRETS.map((s) => p2trScript(taprootTweakPubkey(xOnlyPubkey(s)).outputKey));

export interface BlockOptions {
  /** the block's txs, or a function of the parent (for spends of the parent's coins) */
  txs?: Tx[] | ((parent: GenBlock) => Tx[]);
  time?: number;
  bits?: number;
  /** coinbase value; default subsidy + fees */
  coinbaseValue?: bigint;
  /** replaces the whole coinbase */
  coinbase?: Tx;
  /** changes the solved block (a mutation: the header, and so the hash, stay the same) */
  mutate?: (b: Block) => Block;
  /** do not grind the nonce (for blocks that must fail or are re-mined by the caller) */
  unmined?: boolean;
}

export interface SpendOptions {
  fee?: bigint;
  outputs?: TxOut[];
  locktime?: number;
  sequence?: number;
  /** flip a bit of the first signature */
  badSig?: boolean;
}

export class BlockGen {
  readonly byName = new Map<string, GenBlock>();
  readonly genesis: GenBlock;
  private nonce = 1;
  private outIndex = 0;

  constructor(
    readonly params: ConsensusParams,
    /** seconds between a block and its parent unless given */
    readonly spacing = 1,
  ) {
    const g = params.genesis;
    this.genesis = { name: 'genesis', block: g, hex: g.hashHex(), height: 0, time: g.header.time, parent: null, utxos: new Map() };
    this.byName.set('genesis', this.genesis);
  }

  get(name: string): GenBlock {
    const b = this.byName.get(name);
    if (!b) throw new Error(`blockgen: no block named ${name}`);
    return b;
  }

  ancestry(b: GenBlock): HeaderAncestry {
    return {
      ancestor: (h: number) => {
        let e: GenBlock | null = b;
        while (e && e.height > h) e = e.parent;
        return e && e.height === h ? { height: h, time: e.time, bits: e.block.header.bits, hash: e.block.hash() } : undefined;
      },
    };
  }

  /** A block named `name` on `parent`. */
  block(name: string, parent: GenBlock | string, o: BlockOptions = {}): GenBlock {
    if (this.byName.has(name)) throw new Error(`blockgen: ${name} exists`);
    const p = typeof parent === 'string' ? this.get(parent) : parent;
    const height = p.height + 1;
    const txs = typeof o.txs === 'function' ? o.txs(p) : (o.txs ?? []);
    const time = o.time ?? p.time + this.spacing;
    const bits = o.bits ?? nextWorkRequired(p.height, this.ancestry(p), time, this.params);
    const fees = this.feesOf(p, txs);
    let block = createBlock({
      params: this.params,
      prev: p.block.hash(),
      height,
      time,
      bits,
      txs,
      coinbase: o.coinbase ?? { script: TEST_SCRIPTS[this.nonce % 3]!, value: o.coinbaseValue ?? blockSubsidy(height, this.params) + fees, extraNonce: this.nonce++ },
      mine: !o.unmined,
    });
    if (o.mutate) block = o.mutate(block);
    const g: GenBlock = { name, block, hex: block.hashHex(), height, time, parent: p, utxos: applyTxs(p.utxos, block, height) };
    this.byName.set(name, g);
    return g;
  }

  /** Registers a block built elsewhere (a mined template) so blocks can be built on it. */
  adopt(name: string, block: Block, parent: GenBlock): GenBlock {
    const height = parent.height + 1;
    const g: GenBlock = { name, block, hex: block.hashHex(), height, time: block.header.time, parent, utxos: applyTxs(parent.utxos, block, height) };
    this.byName.set(name, g);
    return g;
  }

  /** A chain of `n` blocks named prefix1..prefixN; `each` gives the options of the i-th (1-based). */
  chain(prefix: string, parent: GenBlock | string, n: number, each?: (i: number, parent: GenBlock) => BlockOptions): GenBlock[] {
    const out: GenBlock[] = [];
    let p = typeof parent === 'string' ? this.get(parent) : parent;
    for (let i = 1; i <= n; i++) {
      p = this.block(`${prefix}${i}`, p, each?.(i, p) ?? {});
      out.push(p);
    }
    return out;
  }

  /** Coins of the branch ending at `b` spendable in its child, oldest first. */
  spendable(b: GenBlock): Utxo[] {
    const next = b.height + 1;
    return [...b.utxos.values()]
      .filter((u) => !u.coin.coinbase || next - u.coin.height >= this.params.coinbaseMaturity)
      .sort((x, y) => x.coin.height - y.coin.height);
  }

  /** A signed key-path spend; two outputs to rotating test keys by default. */
  spend(inputs: readonly Utxo[], o: SpendOptions = {}): Tx {
    const total = inputs.reduce((s, u) => s + u.coin.value, 0n);
    const fee = o.fee ?? 1000n;
    const half = (total - fee) / 2n;
    const outs = o.outputs ?? [
      { value: half, script: TEST_SCRIPTS[this.outIndex++ % 3]! },
      { value: total - fee - half, script: TEST_SCRIPTS[this.outIndex++ % 3]! },
    ];
    const unsigned = new Tx({
      version: 2,
      inputs: inputs.map((u) => ({ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: o.sequence ?? 0xfffffffd, witness: [] })),
      outputs: outs,
      locktime: o.locktime ?? 0,
    });
    const hasher = new TaprootSighasher(unsigned, inputs.map((u) => ({ value: u.coin.value, script: u.coin.script })));
    const witnesses = inputs.map((u, i) => {
      const k = TEST_SCRIPTS.findIndex((s) => bytesToHex(s) === bytesToHex(u.coin.script));
      if (k < 0) throw new Error('blockgen: coin is not paid to a test key');
      const sig = signKeyPathInputWith(hasher, i, TEST_SECRETS[k]!, 0, new Uint8Array(32));
      if (o.badSig && i === 0) sig[5] ^= 1;
      return [sig];
    });
    return new Tx({ ...unsigned, inputs: unsigned.inputs.map((inp, i) => ({ ...inp, witness: witnesses[i]! })) });
  }

  private feesOf(parent: GenBlock, txs: readonly Tx[]): bigint {
    const view = new Map(parent.utxos);
    let fees = 0n;
    for (const tx of txs) {
      let inSum = 0n;
      for (const i of tx.inputs) {
        const u = view.get(outpointKey(i.prevout));
        if (!u) return 0n; // spends something this branch lacks: an invalid block anyway
        inSum += u.coin.value;
      }
      fees += inSum - tx.outputs.reduce((s, out) => s + out.value, 0n);
      const txid = tx.txid();
      tx.outputs.forEach((out, vout) => view.set(outpointKey({ txid, vout }), { outpoint: { txid, vout }, coin: { value: out.value, script: out.script, height: 0, coinbase: false } }));
    }
    return fees > 0n ? fees : 0n;
  }
}

/** The branch's coins after `block`, applied naively (no checks). */
function applyTxs(before: ReadonlyMap<string, Utxo>, block: Block, height: number): Map<string, Utxo> {
  const utxos = new Map(before);
  block.txs.forEach((tx, t) => {
    if (t > 0) for (const i of tx.inputs) utxos.delete(outpointKey(i.prevout));
    const txid = tx.txid();
    tx.outputs.forEach((o, vout) => {
      if (isOpReturn(o.script) || o.script.length > MAX_SCRIPT_SIZE) return;
      utxos.set(outpointKey({ txid, vout }), { outpoint: { txid, vout }, coin: { value: o.value, script: o.script, height, coinbase: t === 0 } });
    });
  });
  return utxos;
}
