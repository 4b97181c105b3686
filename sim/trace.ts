// The event trace: one line per thing that happened in the world (blocks mined, tips,
// payments, faults, each delivered message with its bytes), hashed as it grows. Two runs
// of the same seed must give the same hash, byte for byte; lines are kept only on request.
import { createHash, type Hash } from 'node:crypto';

export class Trace {
  private readonly h: Hash = createHash('sha256');
  readonly lines: string[] | undefined;
  count = 0;

  constructor(keep = false) {
    this.lines = keep ? [] : undefined;
  }

  line(t: number, s: string): void {
    const l = `${t} ${s}`;
    this.h.update(l);
    this.h.update('\n');
    this.count++;
    this.lines?.push(l);
  }

  /** A delivered message: its endpoints in the text, its bytes only in the hash. */
  message(t: number, from: string, to: string, data: Uint8Array): void {
    this.h.update(`${t} msg ${from}>${to} ${data.length}\n`);
    this.h.update(data);
    this.count++;
  }

  digest(): string {
    return this.h.copy().digest('hex');
  }
}
