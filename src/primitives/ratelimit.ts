// Token buckets: `ratePerSec` tokens accrue continuously up to `burst`. Used per peer
// for bytes and messages received; the sync and relay logic can use more of them (e.g.
// for unrequested transactions). Time comes from the injected clock.
import type { Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSec >= 0) || !(burst > 0)) throw new RangeError('ratelimit: rate must be >= 0 and burst > 0');
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    }
    this.last = now;
  }

  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes n tokens if that many are available; otherwise takes none and returns false. */
  take(n = 1): boolean {
    this.refill();
    if (n > this.tokens) return false;
    this.tokens -= n;
    return true;
  }
}
