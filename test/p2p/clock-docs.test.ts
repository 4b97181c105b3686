import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ManualClock, seededRng } from '../../src/primitives/index.js';
import { COMMANDS, maxPayload } from '../../src/p2p/index.js';
import { TokenBucket } from '../../src/p2p/ratelimit.js';

describe('ManualClock', () => {
  it('fires timers in deadline order, same-deadline timers in the order set, only on advance', () => {
    const c = new ManualClock(1000);
    const log: string[] = [];
    c.setTimeout(() => log.push('b@20'), 20);
    c.setTimeout(() => log.push('a@10'), 10);
    c.setTimeout(() => log.push('c@20'), 20);
    const h = c.setTimeout(() => log.push('cancelled'), 5);
    c.clearTimeout(h);
    expect(log).toEqual([]);
    c.advance(15);
    expect(log).toEqual(['a@10']);
    expect(c.now()).toBe(1015);
    // a timer set by a timer still fires within the same advance if due
    c.setTimeout(() => c.setTimeout(() => log.push('nested'), 1), 4);
    c.advance(10);
    expect(log).toEqual(['a@10', 'b@20', 'c@20', 'nested']);
    expect(c.now()).toBe(1025);
    expect(c.pending).toBe(0);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });
});

describe('seededRng', () => {
  it('is deterministic per seed and in range', () => {
    const a = seededRng(7);
    const b = seededRng(7);
    const xs = Array.from({ length: 50 }, () => a.float());
    expect(Array.from({ length: 50 }, () => b.float())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(50);
    expect(seededRng(8).float()).not.toBe(seededRng(7).float());
    const r = seededRng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]!++;
    for (const n of counts) expect(n).toBeGreaterThan(850);
    expect(r.bytes(13).length).toBe(13);
    expect(() => r.int(0)).toThrow(RangeError);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate up to the burst', () => {
    const c = new ManualClock(0);
    const b = new TokenBucket(10, 5, c);
    expect(b.take(5)).toBe(true);
    expect(b.take(1)).toBe(false);
    c.advance(100);
    expect(b.take(1)).toBe(true);
    expect(b.take(1)).toBe(false);
    c.advance(60_000);
    expect(b.available).toBe(5);
    expect(b.take(6)).toBe(false);
    expect(b.available).toBe(5); // a refused take takes nothing
  });
});

describe('docs/protocol.md', () => {
  it('lists every command with the MAX_PAYLOAD the code enforces', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    for (const cmd of COMMANDS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${cmd}\` |`));
      expect(row).toBeDefined();
      const last = row!.split('|').filter((s) => s.trim()).at(-1)!.trim().replace(/,/g, '');
      expect([cmd, Number(last)]).toEqual([cmd, maxPayload(cmd)]);
    }
  });
});
