// One simulated run: builds the world (premined chain, N nodes, actors), drives mining,
// payments and faults as random processes on the scheduler, checks the invariants as it
// goes and at the end, and returns what happened with the trace's hash. Everything
// random comes from one seeded Rng; nothing reads the wall clock except to measure
// the simulator's own speed.
//
// Why this file is long: World runs one simulation, and the nodes, faults, actors and
// checks share its scheduler and trace; the transport, oracle, scheduler and report are
// modules of their own.
import { Chain, MuHash3072, VerifyPool, coinDigestElement, type TipChange } from '../src/chain/index.js';
import { regtestParams, type ConsensusParams } from '../src/consensus/index.js';
import { createBlock } from '../src/mining/index.js';
import { ManualClock, hashToHex, seededRng, type Block, type Rng } from '../src/primitives/index.js';
import { type Fault, type SimConfig, replayCommand } from './config.js';
import { SimNetwork, type LinkFaults } from './network.js';
import { SimNode } from './node.js';
import { Oracle } from './oracle.js';
import { installQuiesce, settle, wallClockReport, resetWallClockReport, wallNow, watchWallClock } from './quiesce.js';
import { Scheduler } from './scheduler.js';
import { cloneStore, diskStores, memoryStore, memoryStores, type StoreFactory } from './store.js';
import { Trace } from './trace.js';
import { memoSelection, memoVerifier } from './verifier.js';
import { Actor, outputsTo, type WCoin } from './wallet.js';
import { checkGrowth, checkMempool, checkMemory, forkDepths } from './invariants.js';
import { Hostile, type HostileStats } from './hostile.js';
import { plantPatch } from './planted.js';

export interface Violation {
  /** simulated ms since the world started */
  t: number;
  kind: string;
  node?: string;
  detail: string;
}

export interface TimelinePoint {
  t: number;
  node: string;
  height: number;
  hash: string;
  reorg: number;
}

export interface WorldEvent {
  t: number;
  kind: 'partition' | 'heal' | 'oneway' | 'crash' | 'restart' | 'final-heal';
  detail: string;
}

export interface SimStats {
  blocksMined: number;
  staleBlocks: number;
  finalHeight: number;
  expectedBlocks: number;
  deepestReorg: number;
  maxDivergence: number;
  payments: { submitted: number; accepted: number; refused: number; doubleSpends: number };
  reversedDeep: number;
  messages: { sent: number; delivered: number; lost: number; duplicated: number };
  events: number;
  propagation: { p50: number; p95: number; samples: number };
  simSeconds: number;
  wallSeconds: number;
  simPerWall: number;
  heapPerNodeMb: number;
  crashes: number;
  partitions: number;
  /** nodes run by attackers (the `hostile` fault) and what they did */
  hostile: { nodes: string[]; hashShare: number } & HostileStats;
  /**
   * The main chain's growth: honest blocks mined in all, and those mined while no partition
   * was in force (`whole`) with how many of them are in the final chain (`kept`); see
   * checkGrowth in invariants.ts.
   */
  growth: { blocks: number; honestMined: number; whole: number; kept: number };
}

export interface SimResult {
  config: SimConfig;
  replay: string;
  traceHash: string;
  traceLines: number;
  ok: boolean;
  violations: Violation[];
  stats: SimStats;
  /** wall-clock calls made by the simulated nodes (defects: they should use their Clock) */
  wallClockUse: { site: string; calls: number }[];
  timeline?: TimelinePoint[];
  events: WorldEvent[];
  trace?: string[];
  nodes: string[];
}

const MIN = 60_000;

function exp(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.float()) * mean;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + rng.float() * (hi - lo);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export class World {
  readonly params: ConsensusParams = regtestParams;
  readonly sched: Scheduler;
  readonly rng: Rng;
  readonly net: SimNetwork;
  readonly trace: Trace;
  readonly oracle: Oracle;
  readonly nodes: SimNode[] = [];
  readonly actors: Actor[] = [];
  readonly violations: Violation[] = [];
  readonly events: WorldEvent[] = [];
  readonly timeline: TimelinePoint[] | undefined;
  private readonly verifier = memoVerifier();
  private readonly stores: StoreFactory;
  private readonly pool: VerifyPool;
  private weights: number[] = [];
  private readonly t0: number;
  private mining = true;
  private faulting = true;
  private readonly minedAt = new Map<string, number>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly delays: number[] = [];
  private readonly reversals: { t: number; node: string; txid: string }[] = [];
  private readonly doubleSpends: [string, string][] = [];
  /** attackers by node name (empty without the `hostile` fault) */
  readonly hostile = new Map<string, Hostile>();
  private readonly premineOutpoints: { txid: Uint8Array; vout: number }[] = [];
  private honestMined = 0;
  /** honest blocks mined while the network was whole (no partition in force) */
  private readonly minedWhole = new Set<string>();
  readonly stats = {
    blocksMined: 0,
    deepestReorg: 0,
    maxDivergence: 0,
    submitted: 0,
    accepted: 0,
    refused: 0,
    doubleSpends: 0,
    crashes: 0,
    partitions: 0,
  };

  constructor(
    readonly config: SimConfig,
    /** long runs: a line about every 10 wall seconds (simulated time reached, speed); observation only */
    private readonly progress?: (line: string) => void,
  ) {
    this.rng = seededRng(config.seed);
    this.stores = config.disk ? diskStores() : memoryStores();
    // the world starts an hour after the premined blocks
    this.t0 = (this.params.genesis.header.time + config.premine * 600 + 3600) * 1000;
    this.sched = new Scheduler(this.t0);
    this.net = new SimNetwork(this.sched, seededRng(this.rng.u64()));
    this.trace = new Trace(config.keepTrace ?? false);
    this.timeline = config.keepTimeline ? [] : undefined;
    this.pool = new VerifyPool({ threads: 0, verifier: memoSelection(this.verifier) });
    this.oracle = new Oracle(
      { genesis: this.params.genesis, powLimit: this.params.powLimit, subsidy: 50n * 100_000_000n, halving: this.params.halvingInterval, maturity: this.params.coinbaseMaturity },
      this.verifier,
    );
    this.net.onDeliver = (from, to, data) => this.trace.message(this.sched.now - this.t0, from, to, data);
  }

  private has(f: Fault): boolean {
    return this.config.faults.includes(f);
  }

  get now(): number {
    return this.sched.now - this.t0;
  }

  violation(kind: string, detail: string, node?: string): void {
    this.violations.push({ t: this.now, kind, detail, ...(node ? { node } : {}) });
    this.trace.line(this.now, `VIOLATION ${kind} ${node ?? '-'} ${detail}`);
  }

  private event(kind: WorldEvent['kind'], detail: string): void {
    this.events.push({ t: this.now, kind, detail });
    this.trace.line(this.now, `${kind} ${detail}`);
  }

  // ---------------------------------------------------------------- building

  /** The premined chain every node starts from: coinbases pay the actors in turn. */
  private async premine(): Promise<ReturnType<typeof memoryStore>> {
    const store = memoryStore();
    const clock = new ManualClock(this.t0);
    const chain = await Chain.open({ params: this.params, path: 'sim:premine', store, clock, verifyPool: this.pool });
    let prev = this.params.genesis.header;
    for (let h = 1; h <= this.config.premine; h++) {
      const actor = this.actors[(h - 1) % this.actors.length]!;
      const b = createBlock({
        params: this.params,
        prev,
        height: h,
        time: this.params.genesis.header.time + h * 600,
        bits: this.params.powLimitBits,
        coinbase: { script: actor.script, value: this.oracle.subsidyAt(h), extraNonce: h },
        mine: true,
      });
      const v = this.oracle.add(b);
      if (!v.valid) throw new Error(`sim: premined block ${h} invalid to the oracle: ${v.reason}`);
      await chain.processBlock(b, { durable: true });
      const cb = b.txs[0]!;
      for (const c of outputsTo(cb, actor.script)) {
        actor.coins.push({ ...c, minHeight: h + this.params.coinbaseMaturity });
        this.premineOutpoints.push(c.outpoint);
      }
      prev = b.header;
    }
    await chain.close();
    return store;
  }

  async build(): Promise<void> {
    const c = this.config;
    for (let i = 0; i < c.actors; i++) this.actors.push(Actor.fromRng(i, this.rng));
    const template = await this.premine();
    const names = Array.from({ length: c.nodes }, (_, i) => `n${i}`);
    // hash power: exponential draws, normalised (a few big miners, many small)
    const raw = names.map(() => exp(this.rng, 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / sum);
    // Hostile nodes: one in five (at least one, from 3 nodes up), holding at most 20% of
    // the hash power between them (selfish mining pays above ~25-33%; the invariants are
    // about an honest majority with margin, not about what a near-half attacker can do).
    const hostileAt = new Set<number>();
    if (this.has('hostile') && c.nodes >= 3) {
      const k = Math.max(1, Math.floor(c.nodes / 5));
      while (hostileAt.size < k) hostileAt.add(this.rng.int(c.nodes));
      const hs = [...hostileAt].reduce((a, i) => a + this.weights[i]!, 0);
      if (hs > 0.2) {
        const honest = 1 - hs;
        this.weights = this.weights.map((w, i) => (hostileAt.has(i) ? (w * 0.2) / hs : (w * 0.8) / honest));
      }
    }
    for (let i = 0; i < c.nodes; i++) {
      const others = names.filter((_, j) => j !== i);
      const seeds: string[] = [];
      for (let k = 0; k < Math.min(3, others.length); k++) seeds.push(`sim://${others.splice(this.rng.int(others.length), 1)[0]!}:8333`);
      const skewMs = this.has('skew') ? Math.round(uniform(this.rng, -c.skewMaxMs, c.skewMaxMs)) : 0;
      const node = new SimNode({
        name: names[i]!,
        params: this.params,
        sched: this.sched,
        net: this.net,
        pool: this.pool,
        store: await cloneStore(template, this.stores),
        stores: this.stores,
        rng: seededRng(this.rng.u64()),
        skewMs,
        seeds,
        payTo: Actor.fromRng(1000 + i, this.rng).script,
        hooks: {
          tip: (n, ch) => this.onTip(n, ch),
          invalid: (n, hash, code) => {
            const v = this.oracle.verdict(hash);
            if (v?.valid) this.violation('valid-block-rejected', `${hash} marked invalid (${code})`, n.name);
          },
          error: (n, what, err) => this.violation('node-error', `${what}: ${(err as Error)?.message ?? String(err)}`, n.name),
        },
        ...(c.plant ? { patch: plantPatch(c.plant) } : {}),
        ...(hostileAt.has(i) ? { afterBuild: (n: SimNode) => this.hostile.get(n.name)!.attach(n) } : {}),
        connectIntervalMs: 15_000,
        outboundTarget: Math.min(8, c.nodes - 1),
      });
      this.nodes.push(node);
      if (hostileAt.has(i)) this.hostile.set(node.name, new Hostile(node, this.hostileWorld()));
    }
    if (this.hostile.size) this.trace.line(this.now, `hostile ${[...this.hostile.keys()].join(',')}`);
    for (const n of this.nodes) this.profile(n);
    for (const n of this.nodes) {
      await n.start();
      this.trace.line(this.now, `start ${n.name} skew ${n.skewMs}`);
    }
  }

  private hostileWorld(): import('./hostile.js').HostileWorld {
    return {
      params: this.params,
      sched: this.sched,
      rng: this.rng,
      subsidyAt: (h) => this.oracle.subsidyAt(h),
      mined: (n, b, how) => {
        const v = this.oracle.add(b);
        this.stats.blocksMined++;
        this.trace.line(this.now, `mine-${how} ${n.name} ${b.hashHex()} ${v.valid ? 'valid' : `invalid: ${v.reason}`}`);
      },
      released: (_n, b) => {
        if (!this.minedAt.has(b.hashHex())) this.minedAt.set(b.hashHex(), this.sched.now);
      },
      someOutpoint: () => this.premineOutpoints[this.rng.int(this.premineOutpoints.length)]!,
      line: (s) => this.trace.line(this.now, s),
      active: () => this.mining,
    };
  }

  private validHeadersSent(): number {
    let k = 0;
    for (const h of this.hostile.values()) k += h.spamHeaders;
    return k;
  }

  /** Nodes the invariants judge: all but the attackers. */
  honest(n: SimNode): boolean {
    return !this.hostile.has(n.name);
  }

  /** A node's access link, by the faults switched on. */
  private profile(n: SimNode): void {
    const f: LinkFaults = { ...this.net.defaults };
    if (this.has('latency')) {
      f.latencyMs = Math.round(uniform(this.rng, 10, 400));
      f.jitterMs = Math.round(uniform(this.rng, 0, 200));
    }
    if (this.has('loss')) f.loss = uniform(this.rng, 0, 0.03);
    if (this.has('duplicate')) f.duplicate = uniform(this.rng, 0, 0.02);
    if (this.has('reorder')) f.reorder = uniform(this.rng, 0, 0.05);
    if (this.has('slow') && this.rng.float() < 0.25) f.bandwidth = Math.round(uniform(this.rng, 5_000, 50_000));
    this.net.setProfile(n.name, f);
  }

  // ---------------------------------------------------------------- observing

  private onTip(n: SimNode, c: TipChange): void {
    const hex = c.tip.hashHex;
    this.trace.line(this.now, `tip ${n.name} ${c.tip.height} ${hex} r${c.reorgDepth}`);
    this.timeline?.push({ t: this.now, node: n.name, height: c.tip.height, hash: hex, reorg: c.reorgDepth });
    if (!this.honest(n)) return;
    const v = this.oracle.verdict(hex);
    if (!v) {
      this.violation('unknown-tip', `tip ${hex} was never mined in this world`, n.name);
      return;
    }
    if (!v.valid) this.violation('invalid-tip', `tip ${c.tip.height} ${hex}: ${v.reason}`, n.name);
    const prev = c.previous.hashHex;
    const anc = this.oracle.has(prev) ? this.oracle.ancestor(prev, hex) : hex;
    const connected = this.oracle.branch(hex, anc);
    let seen = this.seen.get(n.name);
    if (!seen) this.seen.set(n.name, (seen = new Set()));
    for (const b of connected) {
      if (seen.has(b)) continue;
      seen.add(b);
      const at = this.minedAt.get(b);
      if (at !== undefined) this.delays.push(this.sched.now - at);
    }
    if (c.reorgDepth > this.stats.deepestReorg) this.stats.deepestReorg = c.reorgDepth;
    if (c.reorgDepth >= 6) {
      // payments that were 6 or more deep on the old branch and are not on the new one
      const old = this.oracle.branch(prev, anc).slice(5);
      const now = new Set<string>();
      for (const b of connected) for (const tx of this.oracle.block(b)!.txs.slice(1)) now.add(tx.txidHex());
      for (const b of old) {
        for (const tx of this.oracle.block(b)!.txs.slice(1)) {
          const id = tx.txidHex();
          if (!now.has(id)) this.reversals.push({ t: this.now, node: n.name, txid: id });
        }
      }
    }
  }

  private periodicCheck(): void {
    for (const n of this.nodes) {
      if (!n.up || !this.honest(n)) continue;
      for (const p of checkMempool(n, this.oracle)) this.violation('mempool-conflict', p, n.name);
      for (const p of checkMemory(n, this.oracle, this.validHeadersSent())) this.violation('memory-unbounded', p, n.name);
    }
    const d = forkDepths(this.nodes.filter((n) => n.up && this.honest(n)), this.oracle);
    if (d > this.stats.maxDivergence) this.stats.maxDivergence = d;
  }

  // ---------------------------------------------------------------- processes

  private scheduleMining(): void {
    this.sched.after(exp(this.rng, this.config.blockIntervalMs), () => {
      if (!this.mining) return;
      this.scheduleMining();
      let r = this.rng.float();
      let i = 0;
      while (i < this.weights.length - 1 && r >= this.weights[i]!) r -= this.weights[i++]!;
      const n = this.nodes[i]!;
      const h = this.hostile.get(n.name);
      if (h) {
        h.mineSelfish();
        return;
      }
      const b = n.mine();
      if (!b) return;
      this.mined(n, b);
    });
  }

  private mined(n: SimNode, b: Block): void {
    const hex = b.hashHex();
    const v = this.oracle.add(b);
    this.stats.blocksMined++;
    this.honestMined++;
    this.minedAt.set(hex, this.sched.now);
    if (this.net.groups.size === 0) this.minedWhole.add(hex);
    this.trace.line(this.now, `mine ${n.name} ${hex} txs ${b.txs.length}`);
    if (!v.valid) this.violation('invalid-template', `${n.name} built an invalid block ${hex}: ${v.reason}`, n.name);
    n.submitMined(b);
  }

  private upNodes(group?: number, groups?: ReadonlyMap<string, number>): SimNode[] {
    return this.nodes.filter((n) => n.up && this.honest(n) && (group === undefined || (groups!.get(n.name) ?? 0) === group));
  }

  private schedulePayments(): void {
    if (this.config.txPerMinute <= 0) return;
    this.sched.after(exp(this.rng, MIN / this.config.txPerMinute), () => {
      if (!this.mining) return;
      this.schedulePayments();
      this.pay();
    });
  }

  private pay(): void {
    const up = this.upNodes();
    if (up.length === 0) return;
    const from = this.actors[this.rng.int(this.actors.length)]!;
    const height = up[0]!.chain.height;
    const coin = from.take(height + 1, this.rng);
    if (!coin) return;
    const pick = (): Actor => this.actors[this.rng.int(this.actors.length)]!;
    const groups = this.net.groups;
    if (groups.size > 0 && this.rng.float() < 0.3) {
      // a double spend across the partition: one coin, two payees, two sides
      const ids = [...new Set(groups.values())];
      const sideA = this.upNodes(ids[0], groups);
      const sideB = this.upNodes(ids[1], groups);
      if (sideA.length > 0 && sideB.length > 0) {
        const a = sideA[this.rng.int(sideA.length)]!;
        const b = sideB[this.rng.int(sideB.length)]!;
        // two different payees, so the two spends are two transactions
        const p1 = this.rng.int(this.actors.length);
        const p2 = (p1 + 1 + this.rng.int(this.actors.length - 1)) % this.actors.length;
        const tx1 = from.pay(coin, this.actors[p1]!.script, this.rng);
        const tx2 = from.pay(coin, this.actors[p2]!.script, this.rng);
        this.stats.doubleSpends++;
        this.doubleSpends.push([tx1.txidHex(), tx2.txidHex()]);
        this.trace.line(this.now, `double-spend ${from.id} ${tx1.txidHex()} @${a.name} ${tx2.txidHex()} @${b.name}`);
        this.submit(a, from, tx1, coin);
        this.submit(b, from, tx2, coin);
        return;
      }
    }
    const node = up[this.rng.int(up.length)]!;
    this.submit(node, from, from.pay(coin, pick().script, this.rng), coin);
  }

  private submit(node: SimNode, from: Actor, tx: ReturnType<Actor['pay']>, coin: WCoin): void {
    this.stats.submitted++;
    const id = tx.txidHex();
    this.trace.line(this.now, `pay ${from.id} ${id} @${node.name} spends ${coin.outpoint.vout}`);
    node.mempool.accept(tx, { source: 'api' }).then(
      () => {
        this.stats.accepted++;
        for (const a of this.actors) for (const c of outputsTo(tx, a.script)) a.coins.push(c);
      },
      (e: unknown) => {
        this.stats.refused++;
        this.trace.line(this.now, `refused ${id} @${node.name} ${(e as { code?: string }).code ?? (e as Error).message}`);
      },
    );
  }

  private scheduleFaults(): void {
    const end = this.t0 + this.config.durationMs;
    const every = (mean: number, fn: () => void): void => {
      const next = (): void => {
        this.sched.after(exp(this.rng, mean), () => {
          if (!this.faulting || this.sched.now >= end) return;
          fn();
          next();
        });
      };
      next();
    };
    if (this.has('partition')) {
      every(40 * MIN, () => {
        if (this.net.groups.size > 0) return;
        const k = 2 + this.rng.int(2);
        const groups = new Map<string, number>();
        for (const n of this.nodes) groups.set(n.name, this.rng.int(k));
        this.net.partition(groups);
        this.stats.partitions++;
        this.event('partition', [...groups].map(([n, g]) => `${n}:${g}`).join(' '));
        this.sched.after(uniform(this.rng, 5 * MIN, 30 * MIN), () => {
          if (!this.faulting) return;
          this.net.partition(new Map());
          this.event('heal', 'partition');
        });
      });
    }
    if (this.has('oneway') && this.nodes.length > 1) {
      every(60 * MIN, () => {
        const a = this.nodes[this.rng.int(this.nodes.length)]!.name;
        const b = this.nodes[this.rng.int(this.nodes.length)]!.name;
        if (a === b) return;
        this.net.cutOneWay(a, b);
        this.event('oneway', `${a}>${b}`);
        this.sched.after(uniform(this.rng, 5 * MIN, 20 * MIN), () => {
          if (!this.faulting) return;
          this.net.mendOneWay(a, b);
          this.event('heal', `${a}>${b}`);
        });
      });
    }
    if (this.has('flushcrash')) every(45 * MIN, () => this.armFlushCrash());
    for (const h of this.hostile.values()) h.schedule(every);
    if (this.has('crash')) {
      every(30 * MIN, () => {
        const up = this.upNodes();
        if (up.length <= 1) return;
        const n = up[this.rng.int(up.length)]!;
        this.stats.crashes++;
        this.event('crash', n.name);
        void n.crash().then(() => {
          this.sched.after(uniform(this.rng, 1 * MIN, 15 * MIN), () => this.restart(n));
        });
      });
    }
  }

  private armFlushCrash(): void {
    const up = this.upNodes();
    if (up.length <= 1) return;
    const n = up[this.rng.int(up.length)]!;
    this.trace.line(this.now, `flushcrash-armed ${n.name}`);
    n.crashOnNextWrite(() => {
      this.stats.crashes++;
      this.event('crash', n.name);
      this.sched.after(uniform(this.rng, 1 * MIN, 15 * MIN), () => this.restart(n));
    }, () => this.faulting);
  }

  private restart(n: SimNode): void {
    if (n.up) return;
    this.event('restart', n.name);
    n.restart().catch((e: unknown) => this.violation('restart-failed', (e as Error)?.message ?? String(e), n.name));
  }

  // ---------------------------------------------------------------- running

  async run(): Promise<SimResult> {
    const uninstall = installQuiesce();
    resetWallClockReport();
    const wall0 = wallNow();
    try {
      await this.build();
      watchWallClock(true);
      const c = this.config;
      this.scheduleMining();
      this.schedulePayments();
      this.scheduleFaults();
      const check = (): void => {
        this.sched.after(c.checkEveryMs, () => {
          this.periodicCheck();
          check();
        });
      };
      check();
      const end = this.t0 + c.durationMs;
      if (this.progress) this.sched.onTick = this.progressTicker(this.progress, wall0);
      this.sched.at(end, () => {
        this.faulting = false;
        this.net.heal();
        this.net.clearProfiles();
        this.event('final-heal', 'partitions healed, links clean, crashed nodes restart');
        for (const n of this.nodes) if (!n.up) this.restart(n);
      });
      this.sched.at(end + c.quietMs - c.drainMs, () => {
        this.mining = false;
        for (const h of this.hostile.values()) h.dropPrivate();
        this.trace.line(this.now, 'drain: mining and payments stop');
      });
      // One last block by the biggest miner that is up: tips tied on work (which no
      // amount of waiting resolves) give way to it, so "one tip" is a fair demand.
      this.sched.at(end + c.quietMs - (c.drainMs * 3) / 4, () => {
        let best: SimNode | undefined;
        let w = -1;
        this.nodes.forEach((n, i) => {
          if (n.up && this.honest(n) && this.weights[i]! > w) {
            best = n;
            w = this.weights[i]!;
          }
        });
        const b = best?.mine();
        if (best && b) this.mined(best, b);
      });
      await this.sched.run(end + c.quietMs, settle);
      await settle();
      await this.finalChecks();
      watchWallClock(false);
      const result = this.result((wallNow() - wall0) / 1000);
      for (const n of this.nodes) await n.stop().catch(() => undefined);
      return result;
    } finally {
      watchWallClock(false);
      uninstall();
      await this.stores.cleanup();
    }
  }

  private progressTicker(out: (line: string) => void, wall0: number): () => void {
    const total = this.config.durationMs + this.config.quietMs;
    let last = wallNow();
    return () => {
      const w = wallNow();
      if (w - last < 10_000) return;
      last = w;
      const t = this.now;
      const height = Math.max(0, ...this.nodes.filter((n) => n.up).map((n) => n.chain.height));
      const wallS = (w - wall0) / 1000;
      const hm = (ms: number): string => `${Math.floor(ms / 3600_000)}h${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}m`;
      out(`sim: ${hm(t)} of ${hm(total)} simulated (${((100 * t) / total).toFixed(0)} %), height ${height}, ${this.sched.steps} events, ${(t / 1000 / wallS).toFixed(0)} sim-s/wall-s, ${wallS.toFixed(0)} s so far`);
    };
  }

  /**
   * Why nodes on one tip disagree on the digest: each node's running digest against one
   * computed from scratch over its own coins (bookkeeping wrong, coins right), and the
   * coins in which the sets differ (the coin set itself wrong).
   */
  private async explainDigests(up: SimNode[]): Promise<string> {
    const sets = new Map<string, Map<string, string>>();
    const out: string[] = [];
    for (const n of up) {
      await n.chain.flush();
      const m = new MuHash3072();
      const set = new Map<string, string>();
      for await (const { txid, vout, coin } of n.chain.db.coins()) {
        m.insert(coinDigestElement({ txid, vout }, coin));
        set.set(`${hashToHex(txid)}:${vout}`, `${coin.value}@${coin.height}${coin.coinbase ? 'cb' : ''}`);
      }
      const scratch = hashToHex(m.finalize());
      const running = (await n.chain.utxoStats()).digest;
      out.push(`${n.name} running ${running.slice(0, 12)} scratch ${scratch.slice(0, 12)}`);
      sets.set(n.name, set);
    }
    for (const n of up) {
      const set = sets.get(n.name)!;
      const tip = n.chain.tip.hashHex;
      if (!this.oracle.has(tip)) continue;
      const o = this.oracle.stateOf(tip);
      const show = (k: string): string => `${k.slice(0, 12)}${k.slice(64)}`;
      const diff: string[] = [];
      for (const [k, c] of o) {
        const v = `${c.value}@${c.height}${c.coinbase ? 'cb' : ''}`;
        if (set.get(k) !== v) diff.push(`${show(k)} oracle ${v} node ${set.get(k) ?? 'none'}`);
      }
      for (const [k, v] of set) if (!o.has(k)) diff.push(`${show(k)} oracle none node ${v}`);
      out.push(`${n.name} at ${n.chain.height} vs the oracle: ${diff.length} coins differ${diff.length ? ' (' + diff.slice(0, 6).join(', ') + ')' : ''}`);
    }
    return out.join('; ');
  }

  private async finalChecks(): Promise<void> {
    this.periodicCheck();
    const up = this.nodes.filter((n) => n.up && this.honest(n));
    const tips = new Map<string, string[]>();
    for (const n of up) {
      const h = n.chain.tip.hashHex;
      tips.set(h, [...(tips.get(h) ?? []), n.name]);
    }
    if (tips.size > 1) {
      // what each node off the best tip would need next, and whether its clock allows it
      let best = '';
      for (const h of tips.keys()) if (!best || this.oracle.height(h)! > this.oracle.height(best)!) best = h;
      const why: string[] = [];
      for (const n of up) {
        const h = n.chain.tip.hashHex;
        if (h === best) continue;
        const next = this.oracle.branch(best, this.oracle.ancestor(h, best)).at(-1);
        const t = next ? this.oracle.block(next)!.header.time : undefined;
        const limit = Math.floor(n.clock.now() / 1000) + this.params.maxFutureBlockTime;
        why.push(`${n.name} (skew ${(n.skewMs / 60_000).toFixed(0)} min) needs ${next?.slice(0, 12)} time ${t}, ${t !== undefined && t > limit ? 'too new for its clock' : 'acceptable to its clock'}`);
      }
      this.violation('no-convergence', [...tips].map(([h, ns]) => `${this.oracle.height(h)}:${h.slice(0, 12)} on ${ns.join(',')}`).join('; ') + ` — ${why.join('; ')}`);
    }
    const digests = new Map<string, string[]>();
    const final0 = up[0]?.chain.tip.hashHex;
    for (const n of up) {
      const s = await n.chain.utxoStats();
      // grouped by the block the statistics are at, read with them: a node that connects a
      // block while the others are read is compared with none of them
      if (s.bestBlock === final0) digests.set(s.digest, [...(digests.get(s.digest) ?? []), n.name]);
      if (!this.oracle.has(s.bestBlock)) continue;
      const o = this.oracle.summary(s.bestBlock);
      if (o.txouts !== s.txouts || o.amount !== s.totalAmount) {
        this.violation('utxo-mismatch', `node has ${s.txouts} coins worth ${s.totalAmount}, the oracle ${o.txouts} worth ${o.amount} at ${s.bestBlock}`, n.name);
      }
      const tot = this.oracle.totals(s.bestBlock)!;
      if (tot.total > tot.subsidies) this.violation('inflation', `coins worth ${tot.total} exceed subsidies ${tot.subsidies}`, n.name);
    }
    if (digests.size > 1) {
      this.violation('utxo-digest-differs', [...digests].map(([d, ns]) => `${d.slice(0, 12)} on ${ns.join(',')}`).join('; ') + ' — ' + (await this.explainDigests(up)));
    }
    // double spends: never both in one chain (the oracle's validity implies it; said plainly)
    const final = up[0]?.chain.tip.hashHex;
    if (final) {
      const onFinal = new Set(this.oracle.branch(final, ''));
      const inFinal = (txid: string): boolean => (this.oracle.txBlocks.get(txid) ?? []).some((b) => onFinal.has(b));
      for (const [a, b] of this.doubleSpends) if (inFinal(a) && inFinal(b)) this.violation('double-spend-confirmed', `${a} and ${b}`);
      const partitioned = this.has('partition') || this.has('oneway');
      for (const r of this.reversals) {
        if (inFinal(r.txid)) continue;
        if (!partitioned) this.violation('deep-payment-reversed', `${r.txid} was 6+ deep and is not in the final chain`, r.node);
      }
      const g = checkGrowth({ ...this.keptWhole(onFinal), hostileShare: this.hostileStats().hashShare });
      if (g) this.violation('slow-growth', g);
    }
  }

  private keptWhole(onFinal: ReadonlySet<string>): { whole: number; kept: number } {
    let kept = 0;
    for (const h of this.minedWhole) if (onFinal.has(h)) kept++;
    return { whole: this.minedWhole.size, kept };
  }

  private hostileStats(): SimStats['hostile'] {
    const names = [...this.hostile.keys()];
    const share = this.nodes.reduce((a, n, i) => a + (this.hostile.has(n.name) ? this.weights[i]! : 0), 0);
    return { nodes: names, hashShare: share, ...sumStats([...this.hostile.values()].map((h) => h.stats)) };
  }

  private result(wallSeconds: number): SimResult {
    const c = this.config;
    const up = this.nodes.filter((n) => n.up && this.honest(n));
    const final = up[0]?.chain.tip.hashHex;
    const onFinal = final ? new Set(this.oracle.branch(final, '')) : new Set<string>();
    let stale = 0;
    for (const h of this.minedAt.keys()) if (!onFinal.has(h)) stale++;
    const delays = [...this.delays].sort((a, b) => a - b);
    const simSeconds = (c.durationMs + c.quietMs) / 1000;
    const ns = this.net.stats;
    const stats: SimStats = {
      blocksMined: this.stats.blocksMined,
      staleBlocks: stale,
      finalHeight: up[0]?.chain.height ?? 0,
      expectedBlocks: Math.round((c.durationMs + c.quietMs - c.drainMs) / c.blockIntervalMs),
      deepestReorg: this.stats.deepestReorg,
      maxDivergence: this.stats.maxDivergence,
      payments: {
        submitted: this.stats.submitted,
        accepted: this.stats.accepted,
        refused: this.stats.refused,
        doubleSpends: this.stats.doubleSpends,
      },
      reversedDeep: this.reversals.length,
      messages: { sent: ns.sent, delivered: ns.delivered, lost: ns.lost, duplicated: ns.duplicated },
      events: this.sched.steps,
      propagation: { p50: percentile(delays, 50), p95: percentile(delays, 95), samples: delays.length },
      simSeconds,
      wallSeconds,
      simPerWall: wallSeconds > 0 ? simSeconds / wallSeconds : 0,
      heapPerNodeMb: process.memoryUsage().heapUsed / 1024 / 1024 / Math.max(1, c.nodes),
      crashes: this.stats.crashes,
      partitions: this.stats.partitions,
      hostile: this.hostileStats(),
      growth: { blocks: (up[0]?.chain.height ?? c.premine) - c.premine, honestMined: this.honestMined, ...this.keptWhole(onFinal) },
    };
    const out: SimResult = {
      config: c,
      replay: replayCommand(c),
      traceHash: this.trace.digest(),
      traceLines: this.trace.count,
      ok: this.violations.length === 0,
      violations: this.violations,
      stats,
      wallClockUse: wallClockReport(),
      events: this.events,
      nodes: this.nodes.map((n) => n.name),
    };
    if (this.timeline) out.timeline = this.timeline;
    if (this.trace.lines) out.trace = this.trace.lines;
    return out;
  }
}

function sumStats(all: HostileStats[]): HostileStats {
  const z: HostileStats = { privateMined: 0, released: 0, abandoned: 0, invalidBlocks: 0, mutatedBlocks: 0, futureBlocks: 0, headerSpam: 0, txSpam: 0 };
  for (const s of all) for (const k of Object.keys(z) as (keyof HostileStats)[]) z[k] += s[k];
  return z;
}

export async function runSim(config: SimConfig, progress?: (line: string) => void): Promise<SimResult> {
  return new World(config, progress).run();
}
