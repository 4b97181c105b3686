// Giving the event loop a turn. Long work on the main thread (connecting a queue of
// blocks, folding digest insertions, working off a peer's inventory) yields between
// slices so timers and I/O (API requests, peer messages) are served meanwhile. A turn is
// not time: the simulator waits for pending setImmediate callbacks before it moves its
// clock (sim/quiesce.ts), so yielding keeps runs deterministic.

/** Resolves after the timers and I/O already waiting have had their turn. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
