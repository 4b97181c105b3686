// The calling thread's own CPU time, to tell a run bound by the main thread from one bound
// by all cores (process.cpuUsage() sums every thread: workers and V8's helpers too).
// Linux's schedstat gives nanoseconds on the CPU; elsewhere there is no figure.
import { readFileSync } from 'node:fs';

/** CPU time of this thread so far, ns; undefined where /proc/thread-self is not there. */
export function threadCpuNs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Adds up this thread's CPU over timed windows (start/stop pairs), in µs. */
export class ThreadCpu {
  private total = 0;
  private at: number | undefined;
  private known = true;

  start(): void {
    this.at = threadCpuNs();
    if (this.at === undefined) this.known = false;
  }

  stop(): void {
    const now = threadCpuNs();
    if (now === undefined || this.at === undefined) this.known = false;
    else this.total += (now - this.at) / 1000;
    this.at = undefined;
  }

  /** µs over all windows, or undefined if any could not be read */
  get micros(): number | undefined {
    return this.known ? this.total : undefined;
  }
}

/** "main thread M of W µs of wall per <item> (P % busy)": near 100 % means the main thread is the bound. */
export function busyNote(mainMicros: number | undefined, wallMicros: number, item: string): string {
  if (mainMicros === undefined) return `${wallMicros.toFixed(0)} µs of wall per ${item}`;
  return `main thread ${mainMicros.toFixed(0)} of ${wallMicros.toFixed(0)} µs of wall per ${item} (${((100 * mainMicros) / wallMicros).toFixed(0)} % busy)`;
}
