// Time as a dependency. Nodes, mempools and peers take a Clock instead of calling
// Date.now()/setTimeout, so the same code runs in real time and under simulated time
// (ManualClock) in tests and network simulations. Times are milliseconds since the epoch.

/** Opaque timer handle; only the clock that made it understands it. */
export type TimerHandle = object;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
}

/** Wall-clock time and Node timers. Timers are unref'd so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t;
  },
  clearTimeout(h) {
    clearTimeout(h as ReturnType<typeof setTimeout>);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Simulated time: nothing happens until advance(). Timers due at the same instant fire
 * in the order they were set, which keeps simulations deterministic.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<object, ManualTimer>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const h = {};
    this.timers.set(h, { at: this.t + Math.max(0, ms), seq: this.seq++, fn });
    return h;
  }

  clearTimeout(h: TimerHandle): void {
    this.timers.delete(h);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones set meanwhile). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('clock: cannot go backwards');
    const end = this.t + ms;
    for (;;) {
      let next: [object, ManualTimer] | undefined;
      for (const e of this.timers) {
        if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}
