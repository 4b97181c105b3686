import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, seededRng } from '../../src/primitives/index.js';
import { AddrMan } from '../../src/p2p/addrman.js';
import { BanMan } from '../../src/p2p/banman.js';
import { JsonFileStore, MemoryStore } from '../../src/p2p/store.js';

const T0 = 1_700_000_000_000;
const url = (i: number) => `ws://10.0.${i >> 8}.${i & 255}:18444`;

describe('AddrMan', () => {
  it('adds, refreshes and ignores invalid addresses', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock });
    expect(am.add({ url: url(1), services: 1n, time: 100 }, 'peerA')).toBe(true);
    expect(am.add({ url: url(1), services: 2n, time: 200 }, 'peerB')).toBe(false);
    expect(am.get(url(1))).toMatchObject({ services: 3n, lastSeen: 200, source: 'peerA', tried: false });
    expect(am.add({ url: 'ws://bad host:1' }, 'x')).toBe(false);
    expect(am.add({ url: '' }, 'x')).toBe(false);
    expect(am.add({ url: url(2), identity: new Uint8Array(31) }, 'x')).toBe(false);
    // a node identity is 33 bytes (compressed key), not 32 (issue #16)
    expect(am.add({ url: url(3), identity: new Uint8Array(32).fill(2) }, 'x')).toBe(false);
    expect(am.add({ url: url(4), identity: ident(4) }, 'x')).toBe(true);
    // a timestamp from the future is treated as five days old
    am.add({ url: url(3), time: T0 / 1000 + 10_000 }, 'x');
    expect(am.get(url(3))!.lastSeen).toBe(T0 / 1000 - 5 * 86_400);
    expect(am.size).toBe(3);
  });

  it('moves an address to tried on good() and tracks attempts', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock });
    am.add({ url: url(1) }, 's');
    am.attempt(url(1));
    am.attempt(url(1));
    expect(am.get(url(1))!.attempts).toBe(2);
    clock.advance(5_000);
    am.good(url(1));
    expect(am.get(url(1))).toMatchObject({ tried: true, attempts: 0, lastSuccess: T0 / 1000 + 5 });
    expect(am.triedCount).toBe(1);
    am.good(url(9)); // an address we dialled from config
    expect(am.get(url(9))).toMatchObject({ tried: true, source: 'self' });
  });

  it('bounds the new table, evicting terrible then oldest entries, and caps each source', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock, maxNew: 10, maxPerSource: 4 });
    for (let i = 0; i < 6; i++) am.add({ url: url(i) }, 'greedy');
    expect(am.size).toBe(4);
    const now = T0 / 1000;
    for (let i = 10; i < 20; i++) am.add({ url: url(i), time: now - 1000 + i }, `s${i}`);
    expect(am.newCount).toBe(10);
    // the four oldest-seen (url(10)..url(13)) went first, not the fresh ones from "greedy"
    for (let i = 10; i < 14; i++) expect(am.get(url(i))).toBeUndefined();
    expect(am.get(url(14))).toBeDefined();
    expect(am.get(url(0))).toBeDefined();
    // a terrible entry (3 failures, never reached) is evicted before older good ones
    clock.advance(120_000);
    for (let k = 0; k < 3; k++) am.attempt(url(19));
    clock.advance(120_000);
    am.add({ url: url(30) }, 's30');
    expect(am.get(url(19))).toBeUndefined();
    expect(am.get(url(14))).toBeDefined(); // older, but not terrible
  });

  it('bounds the tried table by demoting the stalest success to new', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock, maxTried: 3 });
    for (let i = 0; i < 4; i++) {
      am.add({ url: url(i) }, `s${i}`);
      clock.advance(1000);
      am.good(url(i));
    }
    expect(am.triedCount).toBe(3);
    expect(am.get(url(0))!.tried).toBe(false);
    expect(am.get(url(3))!.tried).toBe(true);
  });

  it('select favours tried and working addresses, and honours exclusions', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock });
    expect(am.select(seededRng(1))).toBeUndefined();
    for (let i = 0; i < 5; i++) am.add({ url: url(i) }, `s${i}`);
    am.good(url(0));
    // url(1) has failed 8 times, url(2) was tried a moment ago
    for (let k = 0; k < 8; k++) am.attempt(url(1));
    clock.advance(3_600_000);
    am.attempt(url(2));
    const rng = seededRng(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const a = am.select(rng)!;
      counts.set(a.url, (counts.get(a.url) ?? 0) + 1);
    }
    expect(counts.get(url(0))!).toBeGreaterThan(1200); // ~70% from tried
    expect(counts.get(url(1)) ?? 0).toBeLessThan(counts.get(url(3))! / 5);
    expect(counts.get(url(2)) ?? 0).toBeLessThan(counts.get(url(3))! / 5);
    for (let i = 0; i < 100; i++) expect(am.select(rng, (u) => u === url(0))!.url).not.toBe(url(0));
    expect(am.select(rng, () => true)).toBeUndefined();
  });

  it('answers getaddr with a bounded random sample of non-terrible addresses', () => {
    const clock = new ManualClock(T0);
    const am = new AddrMan({ clock, maxPerSource: 10_000 });
    for (let i = 0; i < 100; i++) am.add({ url: url(i), services: 1n, identity: i === 5 ? ident(5) : undefined }, 's');
    am.add({ url: url(500), time: T0 / 1000 - 40 * 86_400 }, 's'); // stale: not gossiped
    const rng = seededRng(3);
    const got = am.getAddresses(rng, 1000, 100);
    expect(got.length).toBe(100);
    expect(got.some((a) => a.url === url(500))).toBe(false);
    expect(got.find((a) => a.url === url(5))!.identity).toEqual(ident(5));
    expect(am.getAddresses(rng).length).toBe(24); // 23% of 101
    expect(am.getAddresses(rng, 10, 100).length).toBe(10);
    const a = am.getAddresses(seededRng(1), 10, 100).map((x) => x.url);
    const b = am.getAddresses(seededRng(2), 10, 100).map((x) => x.url);
    expect(a).not.toEqual(b);
  });

  it('persists and restores both tables through a store', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStore();
    const am = new AddrMan({ clock, store });
    am.add({ url: url(1), services: 5n, identity: ident(9) }, 'src');
    am.add({ url: url(2) }, 'src');
    am.good(url(2));
    am.attempt(url(1));
    expect(am.isDirty).toBe(true);
    await am.save();
    expect(am.isDirty).toBe(false);
    const back = new AddrMan({ clock, store });
    await back.load();
    expect(back.all()).toEqual(am.all());
    // malformed stored entries are skipped, not fatal
    const doc = JSON.parse(store.data.get('addrman')!);
    doc.addrs.push({ url: 'ws://x:1', services: 'nope' }, { url: 5 }, null);
    store.data.set('addrman', JSON.stringify(doc));
    await back.load();
    expect(back.size).toBe(2);
    store.data.set('addrman', '{nope');
    await expect(back.load()).rejects.toThrow(/not valid JSON/);
  });
});

describe('BanMan', () => {
  it('bans until expiry, keeps the longer ban, and unbans', async () => {
    const clock = new ManualClock(T0);
    const bm = new BanMan({ clock });
    await bm.ban('10.0.0.1', 60, 'invalid block');
    expect(bm.isBanned('10.0.0.1')).toBe(true);
    expect(bm.isBanned('10.0.0.2')).toBe(false);
    await bm.ban('10.0.0.1', 10, 'later, shorter');
    expect(bm.list()).toEqual([{ key: '10.0.0.1', until: T0 + 60_000, reason: 'invalid block', created: T0 }]);
    clock.advance(59_999);
    expect(bm.isBanned('10.0.0.1')).toBe(true);
    clock.advance(1);
    expect(bm.isBanned('10.0.0.1')).toBe(false);
    expect(bm.list()).toEqual([]);
    await bm.ban('10.0.0.3', 10, 'x');
    expect(await bm.unban('10.0.0.3')).toBe(true);
    expect(await bm.unban('10.0.0.3')).toBe(false);
    expect(bm.isBanned('10.0.0.3')).toBe(false);
    await expect(bm.ban('h', 0, 'x')).rejects.toThrow(RangeError);
    await expect(bm.ban('', 5, 'x')).rejects.toThrow(RangeError);
  });

  it('bans persist across restarts through a JSON file, and expire while down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-ban-'));
    try {
      const path = join(dir, 'sub', 'p2p.json');
      const clock = new ManualClock(T0);
      const bm = new BanMan({ clock, store: new JsonFileStore(path) });
      await bm.ban('1.2.3.4', 3600, 'spam');
      await bm.ban('id:abcd', 60, 'bad identity');
      // the file is complete JSON and no temp files are left behind
      expect(JSON.parse(readFileSync(path, 'utf8')).banlist).toBeDefined();
      expect(readdirSync(join(dir, 'sub'))).toEqual(['p2p.json']);
      clock.advance(120_000);
      const again = new BanMan({ clock, store: new JsonFileStore(path) });
      await again.load();
      expect(again.isBanned('1.2.3.4')).toBe(true);
      expect(again.isBanned('id:abcd')).toBe(false);
      expect(again.list().map((b) => b.key)).toEqual(['1.2.3.4']);
      // addrman and banman can share one file under different keys
      const am = new AddrMan({ clock, store: new JsonFileStore(path) });
      am.add({ url: url(7) }, 's');
      await am.save();
      const third = new BanMan({ clock, store: new JsonFileStore(path) });
      await third.load();
      expect(third.isBanned('1.2.3.4')).toBe(true);
      const am2 = new AddrMan({ clock, store: new JsonFileStore(path) });
      await am2.load();
      expect(am2.get(url(7))).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('JsonFileStore reports a corrupt file instead of silently starting empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
    try {
      const path = join(dir, 'x.json');
      writeFileSync(path, '{"a": 1}');
      await expect(new JsonFileStore(path).get('a')).rejects.toThrow(/JSON object of strings/);
      writeFileSync(path, 'garbage');
      await expect(new JsonFileStore(path).get('a')).rejects.toThrow(/not valid JSON/);
      const s = new JsonFileStore(join(dir, 'y.json'));
      await Promise.all([s.put('a', '1'), s.put('b', '2'), s.del('a'), s.put('c', '3')]);
      expect(JSON.parse(readFileSync(join(dir, 'y.json'), 'utf8'))).toEqual({ b: '2', c: '3' });
      expect(await new JsonFileStore(join(dir, 'y.json')).get('c')).toBe('3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A 33-byte identity with a compressed-key prefix. */
function ident(fill: number): Uint8Array {
  const b = new Uint8Array(33).fill(fill);
  b[0] = 2 + (fill & 1);
  return b;
}
