// The discrete-event scheduler: the only source of time in a simulation. Events run in
// (time, insertion order); between two events the process is drained of every
// microtask and setImmediate turn (quiesce.ts), so the node code awaiting its store or
// yielding to the event loop finishes before simulated time moves on. Each node sees the
// scheduler through its own SimClock, which adds the node's clock skew and can be killed
// (a crash): a dead clock's timers never fire and it accepts no new ones.
import type { Clock, TimerHandle } from '../src/primitives/index.js';

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A binary min-heap of events ordered by (at, seq). */
class EventHeap {
  private readonly a: Ev[] = [];

  get size(): number {
    return this.a.length;
  }

  private less(x: Ev, y: Ev): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  push(e: Ev): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  peek(): Ev | undefined {
    return this.a[0];
  }

  pop(): Ev | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export class Scheduler {
  private heap = new EventHeap();
  private seq = 0;
  private t: number;
  /** events run so far */
  steps = 0;
  /** called every 4,096 events: observation only (progress lines), never part of the world */
  onTick: (() => void) | undefined;

  constructor(start: number) {
    this.t = start;
  }

  /** True simulated time, ms since the epoch. */
  get now(): number {
    return this.t;
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Runs fn at absolute time `at` (not before now). */
  at(at: number, fn: () => void): Ev {
    const e: Ev = { at: Math.max(this.t, at), seq: this.seq++, fn, cancelled: false };
    this.heap.push(e);
    return e;
  }

  after(ms: number, fn: () => void): Ev {
    return this.at(this.t + Math.max(0, ms), fn);
  }

  cancel(e: object): void {
    (e as Ev).cancelled = true;
  }

  /**
   * Runs events in order up to `until` (inclusive), calling `settle` after each so the
   * work it started completes at that instant. Stops early when `stop()` returns true.
   */
  async run(until: number, settle: () => Promise<void>, stop?: () => boolean): Promise<void> {
    for (;;) {
      const e = this.heap.peek();
      if (!e || e.at > until) break;
      this.heap.pop();
      if (e.cancelled) continue;
      this.t = e.at;
      this.steps++;
      e.fn();
      await settle();
      if ((this.steps & 4095) === 0) this.onTick?.();
      if (stop?.()) return;
    }
    this.t = Math.max(this.t, until);
  }
}

/** One node's view of simulated time: skewed, and killed when the node crashes. */
export class SimClock implements Clock {
  private alive = true;
  private readonly timers = new Set<object>();

  constructor(
    private readonly sched: Scheduler,
    /** this node's clock error, ms (positive: its clock runs ahead) */
    public skewMs = 0,
  ) {}

  now(): number {
    return this.sched.now + this.skewMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!this.alive) return {};
    const h: { ev?: object } = {};
    h.ev = this.sched.after(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
    return h;
  }

  clearTimeout(h: TimerHandle): void {
    const ev = (h as { ev?: object }).ev;
    if (ev) this.sched.cancel(ev);
    this.timers.delete(h);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** A crash: every timer of this incarnation is dropped and none are accepted later. */
  kill(): void {
    this.alive = false;
    for (const h of this.timers) this.sched.cancel((h as { ev: object }).ev);
    this.timers.clear();
  }
}
