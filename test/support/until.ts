// Waiting for a condition in tests: poll until it holds, with a generous deadline, never a
// fixed sleep (the machine is shared; a wait that only passes on a quiet machine is a
// defect). An exception from the probe counts as "not yet" and its message is kept for
// the timeout error, so a node that is still starting does not fail the wait.

/** Polls f until it returns something other than undefined/false; a bounded wait, not a timed assertion. */
export async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined | false>, everyMs = 300): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
