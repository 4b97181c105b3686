// The simulated transport and scheduler, on their own: a connection delivers in order and
// exactly once whatever the latency and jitter (as a TCP stream does) unless duplication
// or reordering is asked for; partitions and one-way cuts lose traffic and refuse dials;
// a crash resets the node's connections; a killed clock fires nothing.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Scheduler, SimClock, SimNetwork } from '../../sim/index.js';
import type { Connection } from '../../src/p2p/index.js';
import { seededRng } from '../../src/primitives/index.js';

async function pair(net: SimNetwork): Promise<{ a: Connection; b: Connection }> {
  let b: Connection | undefined;
  await net.transport('b').listen(8333, 'b', (c) => (b = c));
  const a = await net.transport('a').dial('sim://b:8333');
  return { a, b: b! };
}

const noSettle = async (): Promise<void> => undefined;

describe('sim network', () => {
  it('delivers every message once and in order under any latency and jitter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 60 }), fc.nat(), async (lat, jit, n, seed) => {
        const sched = new Scheduler(0);
        const net = new SimNetwork(sched, seededRng(seed));
        net.defaults = { ...net.defaults, latencyMs: lat, jitterMs: jit };
        const { a, b } = await pair(net);
        const got: number[] = [];
        b.onMessage((d) => got.push(d[0]!));
        for (let i = 0; i < n; i++) {
          a.send(Uint8Array.of(i));
          sched.after(0, () => undefined);
        }
        await sched.run(10_000, noSettle);
        expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 60 },
    );
  });

  it('duplication and reordering break order on purpose; loss drops', async () => {
    const sched = new Scheduler(0);
    const net = new SimNetwork(sched, seededRng(5));
    net.defaults = { latencyMs: 10, jitterMs: 300, bandwidth: 0, loss: 0.2, duplicate: 0.2, reorder: 0.5 };
    const { a, b } = await pair(net);
    const got: number[] = [];
    b.onMessage((d) => got.push(d[0]!));
    for (let i = 0; i < 200; i++) a.send(Uint8Array.of(i));
    await sched.run(10_000, noSettle);
    const unique = new Set(got);
    expect(got.length).toBe(net.stats.delivered);
    expect(net.stats.lost).toBeGreaterThan(10);
    expect(net.stats.duplicated).toBeGreaterThan(10);
    expect(unique.size).toBe(200 - net.stats.lost);
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
  });

  it('partitions and one-way cuts lose traffic and refuse dials until healed', async () => {
    const sched = new Scheduler(0);
    const net = new SimNetwork(sched, seededRng(1));
    const { a, b } = await pair(net);
    const atB: number[] = [];
    const atA: number[] = [];
    b.onMessage((d) => atB.push(d[0]!));
    a.onMessage((d) => atA.push(d[0]!));
    net.partition(new Map([['a', 0], ['b', 1]]));
    a.send(Uint8Array.of(1));
    await expect(net.transport('a').dial('sim://b:8333')).rejects.toThrow(/unreachable/);
    net.heal();
    net.cutOneWay('a', 'b');
    a.send(Uint8Array.of(2));
    b.send(Uint8Array.of(3));
    net.mendOneWay('a', 'b');
    a.send(Uint8Array.of(4));
    await sched.run(10_000, noSettle);
    expect(atB).toEqual([4]);
    expect(atA).toEqual([3]);
  });

  it('a crash resets the node’s connections and its listener; a killed clock fires nothing', async () => {
    const sched = new Scheduler(1000);
    const net = new SimNetwork(sched, seededRng(1));
    const { a, b } = await pair(net);
    const closed: string[] = [];
    a.onClose((r) => closed.push(`a:${r}`));
    b.onClose((r) => closed.push(`b:${r}`));
    net.crash('b');
    await sched.run(10_000, noSettle);
    expect(closed).toEqual(['b:connection reset', 'a:remote closed: connection reset']);
    await expect(net.transport('a').dial('sim://b:8333')).rejects.toThrow(/refused/);
    const clock = new SimClock(sched, 7_200_000);
    const fired: string[] = [];
    expect(clock.now()).toBe(sched.now + 7_200_000);
    clock.setTimeout(() => fired.push('before'), 5);
    await sched.run(sched.now + 10, noSettle);
    clock.setTimeout(() => fired.push('killed'), 5);
    clock.kill();
    clock.setTimeout(() => fired.push('after'), 5);
    await sched.run(sched.now + 10, noSettle);
    expect(fired).toEqual(['before']);
  });
});
