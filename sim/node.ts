// One simulated node: the real Chain, Mempool and P2PNode (headers-first sync, relay,
// address and ban managers) and the real block template code, wired as cairnd wires
// them but over the world's scheduler clock, seeded randomness, simulated network and an
// in-memory store. Mining is the world's Poisson process calling mine(); the header's
// nonce is really ground at the regtest target. crash() drops the node on the floor
// (timers, connections, everything not yet committed to its store); restart() opens a
// fresh incarnation from what the store kept.
import { Chain, VerifyPool, type TipChange } from '../src/chain/index.js';
import type { ConsensusParams } from '../src/consensus/index.js';
import { Mempool } from '../src/mempool/index.js';
import { buildTemplate, mineHeader } from '../src/mining/index.js';
import { P2PNode } from '../src/p2p/index.js';
import { Block, seededRng, type Rng } from '../src/primitives/index.js';
import type { ChainStore } from '../src/chain/index.js';
import type { Scheduler } from './scheduler.js';
import { SimClock } from './scheduler.js';
import type { SimNetwork } from './network.js';
import { cloneStore, type StoreFactory } from './store.js';

export const SIM_PORT = 8333;

export interface SimNodeHooks {
  tip(node: SimNode, change: TipChange): void;
  invalid(node: SimNode, hash: string, code: string): void;
  error(node: SimNode, what: string, err: unknown): void;
}

export interface SimNodeOptions {
  name: string;
  params: ConsensusParams;
  sched: Scheduler;
  net: SimNetwork;
  pool: VerifyPool;
  store: ChainStore;
  /** where crash survivors' stores come from (memory, or LevelDB with --disk) */
  stores: StoreFactory;
  /** seeds this node's own randomness (one per incarnation, drawn from the world's rng) */
  rng: Rng;
  skewMs: number;
  seeds: string[];
  payTo: Uint8Array;
  hooks: SimNodeHooks;
  /** the P2PNode's outbound loop period */
  connectIntervalMs: number;
  outboundTarget: number;
  /** test-only: alters each incarnation once its Chain, Mempool and P2PNode exist, before it starts (planted.ts) */
  patch?: (n: SimNode) => void;
  /** runs on each incarnation once its P2PNode exists, before it starts (hostile.ts taps it here) */
  afterBuild?: (n: SimNode) => void;
}

export class SimNode {
  readonly name: string;
  readonly url: string;
  clock!: SimClock;
  chain!: Chain;
  mempool!: Mempool;
  p2p!: P2PNode;
  store: ChainStore;
  up = false;
  incarnation = 0;
  private extraNonce = 0;
  private starting: Promise<void> | undefined;
  /** a crash whose surviving store is still being copied (real time with --disk) */
  private crashing: Promise<void> | undefined;
  private readonly o: SimNodeOptions;

  constructor(o: SimNodeOptions) {
    this.o = o;
    this.name = o.name;
    this.url = `sim://${o.name}:${SIM_PORT}`;
    this.store = o.store;
  }

  get skewMs(): number {
    return this.o.skewMs;
  }

  async start(): Promise<void> {
    const o = this.o;
    this.incarnation++;
    const rng = seededRng(o.rng.u64());
    this.clock = new SimClock(o.sched, o.skewMs);
    this.chain = await Chain.open({ params: o.params, path: `sim:${o.name}`, store: this.store, clock: this.clock, verifyPool: o.pool, cacheBytes: 16 * 1024 * 1024 });
    this.mempool = new Mempool({ chain: this.chain, verifyPool: o.pool, clock: this.clock, rng });
    this.p2p = new P2PNode({
      params: o.params,
      chain: this.chain,
      mempool: this.mempool,
      transport: o.net.transport(o.name),
      clock: this.clock,
      rng,
      listen: { host: o.name, port: SIM_PORT },
      seeds: o.seeds,
      userAgent: `/cairn-sim:${o.name}/`,
      connectIntervalMs: o.connectIntervalMs,
      outboundTarget: o.outboundTarget,
      maxBackoffMs: 30_000,
      // Core's pace (a ping every 2 minutes), not the devnet's 3 s: the same code, and
      // a 24-hour world of 200 nodes stays within reach
      peer: { pingIntervalMs: 120_000, pingTimeoutMs: 20 * 60_000 },
      sync: { tickMs: 5_000 },
      // -bantime 10 min instead of a day: a banned attacker comes back, so a hostile
      // node keeps attacking through a run instead of going quiet at its first offence
      banSeconds: 600,
      // 5,000 remembered items per peer instead of Core's 50,000 (54 KB instead of 539 KB per
      // connection end): a world at the default 2 payments a minute announces under 2,500
      // items per peer in 20 hours, so the filter forgets nothing that matters and the
      // traces we compared were byte-identical, while a 50-node world runs ~20 % faster in
      // half the memory (BENCHMARKS.md, "Network simulator")
      knownInventory: 5_000,
    });
    o.patch?.(this);
    o.afterBuild?.(this);
    const inc = this.incarnation;
    const chain = this.chain;
    chain.on('tip', (c) => {
      if (this.incarnation === inc && this.up) o.hooks.tip(this, c);
    });
    chain.on('invalid', (e, err) => {
      if (this.incarnation === inc && this.up) o.hooks.invalid(this, e.hashHex, err.code);
    });
    await this.p2p.start();
    this.up = true;
  }

  /** Builds a template on this node's tip from its mempool and solves it; undefined when down. */
  mine(): Block | undefined {
    if (!this.up) return undefined;
    const t = buildTemplate({ chain: this.chain, mempool: this.mempool, params: this.o.params, payTo: this.o.payTo, clock: this.clock });
    const b = t.block(this.extraNonce++);
    return new Block(mineHeader(b.header, this.o.params), b.txs);
  }

  submitMined(b: Block): void {
    const inc = this.incarnation;
    this.chain.processBlock(b, { source: 'miner' }).catch((e: unknown) => {
      if (this.incarnation === inc && this.up) this.o.hooks.error(this, `own block ${b.hashHex()} refused`, e);
    });
  }

  /**
   * Power loss: timers die, connections reset, and only what the store had committed
   * survives (a snapshot taken now). The old objects are abandoned, not closed: closing
   * would flush, which a crash does not do.
   */
  async crash(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    this.clock.kill();
    this.o.net.crash(this.name);
    const survivor = cloneStore(this.store, this.o.stores);
    this.mempool.close();
    this.crashing = survivor.then((s) => {
      this.store = s;
    });
    await this.crashing;
  }

  /**
   * Arms a crash in the middle of the next write: when the node next commits a batch, the
   * store's state just before that batch is what survives, and the node dies while the
   * write is under way (it completes only in the abandoned store). `done` runs once the
   * node is down.
   */
  crashOnNextWrite(done: () => void, wanted: () => boolean = () => true): void {
    const store = this.store;
    const orig = store.batch.bind(store) as () => ReturnType<ChainStore['batch']>;
    const patched = ((...args: unknown[]) => {
      if (args.length > 0) return (orig as (...a: unknown[]) => unknown)(...args);
      const b = orig();
      const write = b.write.bind(b);
      b.write = ((opts?: object) => {
        (store as { batch: unknown }).batch = orig;
        if (this.store === store && this.up && wanted()) {
          this.up = false;
          this.clock.kill();
          this.o.net.crash(this.name);
          this.mempool.close();
          const survivor = cloneStore(store, this.o.stores); // its snapshot: before this batch
          this.crashing = survivor.then((s) => {
            this.store = s;
          });
          void this.crashing.then(done);
        }
        return write(opts as never);
      }) as typeof b.write;
      return b;
    }) as ChainStore['batch'];
    (store as { batch: unknown }).batch = patched;
  }

  async restart(): Promise<void> {
    if (this.up) return;
    // A start already under way is joined, not repeated. With --disk, opening LevelDB takes
    // real time while simulated time runs on, so the end-of-faults "restart every node that
    // is down" could land while a scheduled restart was still opening the store: a second
    // start() opened the same store again and replaced the node's chain and mempool with
    // objects no network fed (seen as 'restart-failed: already in use', then mempool
    // conflicts and invalid templates on that node, in a loaded full-suite run).
    //
    // Likewise a crash whose survivor is still being copied is waited for: starting before
    // it lands would open the abandoned store, which the dead incarnation's unfinished work
    // (a block it was connecting, a flush) still writes to, so the new incarnation's coins
    // would be ahead of its tip (seen as 'utxo-digest-differs' with --disk: coins of a
    // height above the final tip on the restarted node).
    this.starting ??= (this.crashing ?? Promise.resolve()).then(() => this.start()).finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  /** Graceful end of the world: stop peers and close (flushes) the chain. */
  async stop(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    await this.p2p.stop();
    this.mempool.close();
    await this.chain.close();
    this.clock.kill();
  }
}
