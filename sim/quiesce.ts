// Draining the process between two simulated events. The node code under simulation
// yields with setImmediate (the chain between digest slices, the relay's inventory work)
// and awaits its store (memory-level resolves on microtasks); none of that is time, so
// it must all finish before the scheduler moves the clock. settle() waits turns of the
// event loop until no setImmediate callback is pending.
//
// While a world runs, the wall-clock entry points (setTimeout, setInterval, Date.now)
// are watched: a node that reaches for them instead of its Clock breaks determinism, and
// the first caller's stack is kept so the run can report it as a defect.

type Immediate = ReturnType<typeof setImmediate>;

const realSetImmediate = globalThis.setImmediate;
const realClearImmediate = globalThis.clearImmediate;
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realDateNow = Date.now;

let pending = 0;
const live = new Set<Immediate>();
let installs = 0;
let watching = false;
/** stacks of wall-clock use seen while watching, by call site */
const wallClockUse = new Map<string, number>();

function note(kind: string): void {
  if (!watching) return;
  const stack = (new Error().stack ?? '').split('\n').slice(3, 7).map((l) => l.trim()).join(' < ');
  const key = `${kind} at ${stack}`;
  wallClockUse.set(key, (wallClockUse.get(key) ?? 0) + 1);
}

function patchedSetImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]): Immediate {
  pending++;
  const h: Immediate = realSetImmediate(() => {
    if (live.delete(h)) pending--;
    fn(...args);
  });
  live.add(h);
  return h;
}

function patchedClearImmediate(h: Immediate | undefined): void {
  if (h && live.delete(h)) pending--;
  realClearImmediate(h);
}

/** Installs the counting wrappers (idempotent, reference-counted). */
export function installQuiesce(): () => void {
  if (installs++ === 0) {
    globalThis.setImmediate = patchedSetImmediate as typeof setImmediate;
    globalThis.clearImmediate = patchedClearImmediate as typeof clearImmediate;
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...a: unknown[]) => {
      note('setTimeout');
      return realSetTimeout(fn, ms, ...a);
    }) as typeof setTimeout;
    globalThis.setInterval = ((fn: () => void, ms?: number, ...a: unknown[]) => {
      note('setInterval');
      return realSetInterval(fn, ms, ...a);
    }) as typeof setInterval;
    Date.now = () => {
      note('Date.now');
      return realDateNow();
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installs === 0) {
      globalThis.setImmediate = realSetImmediate;
      globalThis.clearImmediate = realClearImmediate;
      globalThis.setTimeout = realSetTimeout;
      globalThis.setInterval = realSetInterval;
      Date.now = realDateNow;
    }
  };
}

/** store operations under way on the thread pool (real LevelDB with --disk; see trackIO) */
let io = 0;

/**
 * Counts `p` as work settle() waits for. Real disk I/O completes on libuv's thread pool,
 * outside any setImmediate: without this, simulated time ran on while a node's LevelDB
 * read or write was still out, so with --disk a crash, a restart or the end of the run
 * could land in the middle of a block connect at a simulated instant that depended on
 * the machine's speed (the runs were neither repeatable nor what they claimed to model).
 */
export function trackIO<T>(p: Promise<T>): Promise<T> {
  io++;
  const done = (): void => {
    io--;
  };
  p.then(done, done);
  return p;
}

/** Resolves once no setImmediate callback and no tracked I/O is pending (microtasks drain before each turn). */
export async function settle(): Promise<void> {
  do {
    await new Promise<void>((r) => realSetImmediate(r));
  } while (pending > 0 || io > 0);
}

/** Runs fn with wall-clock use recorded (see wallClockReport). */
export function watchWallClock(on: boolean): void {
  watching = on;
}

export function wallClockReport(): { site: string; calls: number }[] {
  return [...wallClockUse].map(([site, calls]) => ({ site, calls }));
}

export function resetWallClockReport(): void {
  wallClockUse.clear();
}

/** Wall time for measuring the simulator itself (never inside the simulated world). */
export const wallNow = (): number => realDateNow();
