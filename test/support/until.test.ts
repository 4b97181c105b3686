// The shared test wait: returns the first real value, treats a throwing probe as "not yet",
// and on timeout names what it waited for and the probe's last error.
import { describe, expect, it } from '@jest/globals';
import { until } from './until.js';

describe('until', () => {
  it('returns the first value that is not undefined/false, after failures and misses', async () => {
    let calls = 0;
    const v = await until('the fourth call', 60_000, async () => {
      calls++;
      if (calls === 1) throw new Error('not up yet');
      return calls >= 4 ? { calls } : calls === 2 ? false : undefined;
    }, 1);
    expect(v).toEqual({ calls: 4 });
    // 0 and '' are real values, not "not yet"
    expect(await until('zero', 1000, async () => 0, 1)).toBe(0);
  });

  it('times out with what it waited for and the last error', async () => {
    await expect(until('a thing that never happens', 30, async () => {
      throw new Error('connection refused');
    }, 5)).rejects.toThrow('timed out after 30 ms waiting for a thing that never happens: connection refused');
  });
});
