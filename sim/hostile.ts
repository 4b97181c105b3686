// Hostile nodes (the `hostile` fault): a real node whose owner attacks the network with
// it. Its chain, mempool and P2P stack are the honest code (so it syncs and answers like
// any peer); on top, this file drives four attacks through its live peer connections:
//
//   selfish mining   its share of the hash power mines a private branch that is
//                    released only to override the public one (Eyal & Sirer 2014:
//                    publish all when the lead falls to 1 or a tie, match when ahead,
//                    give up when behind). Released blocks go through its own chain,
//                    so the honest relay code spreads them.
//   invalid blocks   valid proof of work, invalid content: a coinbase that pays too
//                    much; a mutated copy of a good block (header of the good block,
//                    transactions changed: the hash must not be marked invalid, the
//                    genuine block follows); a block dated beyond the 2-hour limit
//                    (refused for now, never marked invalid).
//   header spam      a long low-work branch from near genesis, and headers that do
//                    not connect.
//   tx spam          bursts of orphans (signed spends of coins that do not exist) and
//                    spends of real coins with a key that does not own them.
//
// Honest nodes are judged; hostile ones are not (they may end banned and isolated, which
// is the right outcome). Everything random comes from the world's seeded Rng.
import type { ConsensusParams } from '../src/consensus/index.js';
import { buildTemplate, createBlock, mineHeader } from '../src/mining/index.js';
import type { NodePeer } from '../src/p2p/index.js';
import { Block, BlockHeader, Tx, type OutPoint, type Rng } from '../src/primitives/index.js';
import type { Scheduler } from './scheduler.js';
import type { SimNode } from './node.js';
import { Actor } from './wallet.js';

export interface HostileWorld {
  readonly params: ConsensusParams;
  readonly sched: Scheduler;
  readonly rng: Rng;
  subsidyAt(height: number): bigint;
  /** a block this world made: the oracle judges it (valid ones are in the final count) */
  mined(n: SimNode, b: Block, how: string): void;
  /** a block reaches the network now (propagation is measured from here) */
  released(n: SimNode, b: Block): void;
  /** a real coin on the premined chain (for spends with the wrong key) */
  someOutpoint(): OutPoint;
  line(s: string): void;
  active(): boolean;
}

export interface HostileStats {
  privateMined: number;
  released: number;
  abandoned: number;
  invalidBlocks: number;
  mutatedBlocks: number;
  futureBlocks: number;
  headerSpam: number;
  txSpam: number;
}

const MIN = 60_000;

export class Hostile {
  readonly stats: HostileStats = { privateMined: 0, released: 0, abandoned: 0, invalidBlocks: 0, mutatedBlocks: 0, futureBlocks: 0, headerSpam: 0, txSpam: 0 };
  private readonly peers = new Set<NodePeer>();
  /** the private branch, oldest first; `published` of them are out */
  private priv: Block[] = [];
  private published = 0;
  private extraNonce = 1_000_000;
  private readonly key: Actor;
  private spamChain: BlockHeader[] | undefined;

  /** headers with valid proof of work that connect, sent without their blocks */
  get spamHeaders(): number {
    return this.spamChain?.length ?? 0;
  }

  constructor(
    readonly node: SimNode,
    private readonly w: HostileWorld,
  ) {
    this.key = Actor.fromRng(5000, w.rng);
  }

  /** Called on each incarnation before it starts: taps its peer set and tip changes. */
  attach(n: SimNode): void {
    this.peers.clear();
    this.priv = [];
    this.published = 0;
    const relay = n.p2p.relay;
    const add = relay.addPeer.bind(relay);
    const remove = relay.removePeer.bind(relay);
    relay.addPeer = (np: NodePeer): void => {
      this.peers.add(np);
      add(np);
    };
    relay.removePeer = (np: NodePeer): void => {
      this.peers.delete(np);
      remove(np);
    };
    n.chain.on('tip', () => this.w.sched.after(0, () => this.onPublicTip()));
  }

  private send(make: (np: NodePeer) => void): number {
    let k = 0;
    for (const np of this.peers) {
      if (!np.ready) continue;
      make(np);
      k++;
    }
    return k;
  }

  private nowSec(): number {
    return Math.floor(this.node.clock.now() / 1000);
  }

  /** The earliest time a child of `prevHeight` on the branch ending in `times` may carry. */
  private minTime(times: number[]): number {
    const last = times.slice(-11).sort((a, b) => a - b);
    return last[Math.floor(last.length / 2)]! + 1;
  }

  /** Header times of the public chain up to `tip` (last 11) followed by `extra`. */
  private branchTimes(extra: readonly Block[]): number[] {
    const c = this.node.chain;
    const out: number[] = [];
    let e: ReturnType<typeof c.getEntry> = c.tip;
    for (let i = 0; i < 11 && e; i++) {
      out.unshift(e.header.time);
      e = e.height > 0 ? c.getAncestor(e, e.height - 1) : undefined;
    }
    for (const b of extra) out.push(b.header.time);
    return out;
  }

  // ---------------------------------------------------------------- selfish mining

  /** This node's turn in the world's Poisson mining: the block goes to the private branch. */
  mineSelfish(): void {
    if (!this.node.up) return;
    const c = this.node.chain;
    const prev = this.priv.length ? this.priv.at(-1)!.header : c.tip.header;
    const height = this.priv.length ? this.privHeight() + 1 : c.height + 1;
    const times = this.priv.length ? this.branchTimes(this.priv) : this.branchTimes([]);
    const b = createBlock({
      params: this.w.params,
      prev,
      height,
      time: Math.max(this.nowSec(), this.minTime(times)),
      bits: this.w.params.powLimitBits,
      coinbase: { script: this.key.script, value: this.w.subsidyAt(height), extraNonce: this.extraNonce++ },
      mine: true,
    });
    this.priv.push(b);
    this.stats.privateMined++;
    this.w.mined(this.node, b, 'private');
    // Eyal-Sirer: a private block found during a tie race is published at once
    if (height - 1 === c.height && this.published > 0) this.release(this.priv.length);
  }

  private privHeight(): number {
    const first = this.node.chain.getEntry(this.priv[0]!.header.prevBlock);
    return (first?.height ?? this.node.chain.height) + this.priv.length;
  }

  private onPublicTip(): void {
    if (!this.node.up || this.priv.length === 0) return;
    if (!this.w.active()) return;
    const pub = this.node.chain.height;
    // our own released blocks became the tip: nothing to answer
    if (this.published > 0 && this.node.chain.tip.hashHex === this.priv[this.published - 1]!.hashHex() && this.published === this.priv.length) {
      this.priv = [];
      this.published = 0;
      return;
    }
    const top = this.privHeight();
    if (pub > top) {
      this.stats.abandoned += this.priv.length - this.published;
      this.w.line(`selfish-abandon ${this.node.name} ${this.priv.length - this.published} private blocks, public ${pub} > ${top}`);
      this.priv = [];
      this.published = 0;
    } else if (top - pub <= 1) {
      this.release(this.priv.length);
    } else {
      // ahead by 2 or more: match the public height, keep the rest
      const first = top - this.priv.length + 1;
      this.release(Math.max(this.published, pub - first + 1));
    }
  }

  private release(upTo: number): void {
    const blocks = this.priv.slice(this.published, upTo);
    if (blocks.length === 0) return;
    this.published = upTo;
    this.w.line(`selfish-release ${this.node.name} ${blocks.length} blocks`);
    let p: Promise<unknown> = Promise.resolve();
    for (const b of blocks) {
      this.stats.released++;
      this.w.released(this.node, b);
      p = p.then(() => this.node.chain.processBlock(b, { source: 'miner' }).catch(() => undefined));
    }
  }

  /** At the drain: what is still private stays private (counted, never published). */
  dropPrivate(): void {
    this.stats.abandoned += this.priv.length - this.published;
    this.priv = [];
    this.published = 0;
  }

  // ---------------------------------------------------------------- invalid blocks

  /** One invalid or tricky block, of a kind drawn at random, pushed to every peer. */
  invalidBlock(): void {
    if (!this.node.up) return;
    const c = this.node.chain;
    const kind = this.w.rng.int(3);
    const height = c.height + 1;
    const time = Math.max(this.nowSec(), this.minTime(this.branchTimes([])));
    const base = { params: this.w.params, prev: c.tip.header, height, bits: this.w.params.powLimitBits, mine: true } as const;
    if (kind === 0) {
      const b = createBlock({ ...base, time, coinbase: { script: this.key.script, value: this.w.subsidyAt(height) + 1n, extraNonce: this.extraNonce++ } });
      this.stats.invalidBlocks++;
      this.w.mined(this.node, b, 'invalid');
      this.push(b);
    } else if (kind === 1) {
      // a good block (the real template, with the mempool's transactions) and a mutated
      // copy under the same header: the copy goes first, the genuine block a moment later
      const t = buildTemplate({ chain: c, mempool: this.node.mempool, params: this.w.params, payTo: this.key.script, clock: this.node.clock });
      const raw = t.block(this.extraNonce++);
      const good = new Block(mineHeader(raw.header, this.w.params), raw.txs);
      const txs = good.txs.length > 1 ? good.txs.slice(0, -1) : [good.txs[0]!, good.txs[0]!];
      const bad = new Block(good.header, txs);
      this.stats.mutatedBlocks++;
      this.w.mined(this.node, good, 'mutated-then-genuine');
      this.push(bad);
      this.w.sched.after(2_000, () => {
        if (!this.node.up) return;
        this.w.released(this.node, good);
        this.node.chain.processBlock(good, { source: 'miner' }).catch(() => undefined);
      });
    } else {
      const future = this.nowSec() + this.w.params.maxFutureBlockTime + 600;
      const b = createBlock({ ...base, time: future, coinbase: { script: this.key.script, value: this.w.subsidyAt(height), extraNonce: this.extraNonce++ } });
      this.stats.futureBlocks++;
      this.w.mined(this.node, b, 'future');
      this.push(b);
    }
  }

  private push(b: Block): void {
    const n = this.send((np) => {
      np.peer.send({ cmd: 'headers', headers: [b.header] });
      np.peer.send({ cmd: 'block', block: b });
    });
    this.w.line(`hostile-block ${this.node.name} ${b.hashHex()} to ${n} peers`);
  }

  // ---------------------------------------------------------------- spam

  /**
   * A header-only branch from block 1 (2,000 headers, real PoW at regtest's limit: more
   * work than the chain, so nodes keep it and must cope with blocks nobody serves) and
   * 20 headers that do not connect (never to be kept).
   */
  headerSpam(): void {
    if (!this.node.up) return;
    const c = this.node.chain;
    if (!this.spamChain) {
      const from = c.getEntryAt(1);
      if (!from) return;
      const hs: BlockHeader[] = [];
      let prev = from.header;
      for (let i = 0; i < 2000; i++) {
        const h = mineHeader(
          new BlockHeader({ version: 4, prevBlock: prev.hash(), merkleRoot: this.w.rng.bytes(32), time: prev.time + 1, bits: this.w.params.powLimitBits, nonce: 0 }),
          this.w.params,
        );
        hs.push(h);
        prev = h;
      }
      this.spamChain = hs;
    }
    const loose: BlockHeader[] = [];
    for (let i = 0; i < 20; i++) {
      loose.push(mineHeader(new BlockHeader({ version: 4, prevBlock: this.w.rng.bytes(32), merkleRoot: this.w.rng.bytes(32), time: this.nowSec(), bits: this.w.params.powLimitBits, nonce: 0 }), this.w.params));
    }
    const spam = this.spamChain;
    const n = this.send((np) => {
      np.peer.send({ cmd: 'headers', headers: spam });
      np.peer.send({ cmd: 'headers', headers: loose });
    });
    this.stats.headerSpam++;
    this.w.line(`hostile-headers ${this.node.name} ${spam.length}+${loose.length} to ${n} peers`);
  }

  /** 50 transactions: orphans of coins that do not exist, and real coins signed with the wrong key. */
  txSpam(): void {
    if (!this.node.up) return;
    const txs: Tx[] = [];
    for (let i = 0; i < 50; i++) {
      const fake = i % 2 === 0;
      const outpoint = fake ? { txid: this.w.rng.bytes(32), vout: this.w.rng.int(4) } : this.w.someOutpoint();
      txs.push(this.key.pay({ outpoint, value: 50n * 100_000_000n, script: this.key.script }, this.key.script, this.w.rng));
    }
    const n = this.send((np) => {
      for (const tx of txs) np.peer.send({ cmd: 'tx', tx });
    });
    this.stats.txSpam++;
    this.w.line(`hostile-txs ${this.node.name} ${txs.length} to ${n} peers`);
  }

  /** The attack processes; `every(mean, fn)` runs fn at exponential intervals while faults are on. */
  schedule(every: (mean: number, fn: () => void) => void): void {
    // each attacker has its own mix (selfish mining always): swarm runs differ in what they stress
    const r = this.w.rng;
    let mix = [r.float() < 0.5, r.float() < 0.5, r.float() < 0.5];
    if (!mix.some(Boolean)) mix = [true, true, true];
    this.w.line(`hostile-mix ${this.node.name} selfish${mix[0] ? ' invalid-blocks' : ''}${mix[1] ? ' header-spam' : ''}${mix[2] ? ' tx-spam' : ''}`);
    if (mix[0]) every(20 * MIN, () => this.invalidBlock());
    if (mix[1]) every(30 * MIN, () => this.headerSpam());
    if (mix[2]) every(10 * MIN, () => this.txSpam());
  }
}
