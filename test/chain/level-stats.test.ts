// levelStats reads LevelDB's own view of its native memory and files (for /metrics), so
// RSS growth outside the V8 heap can be told apart from LevelDB filling its caches. It
// must answer for a real LevelDB store, grow as data is written, and say nothing (not
// throw) for stores that are not LevelDB or not open.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { levelStats } from '../../src/chain/index.js';
import { until } from '../support/until.js';

describe('levelStats', () => {
  it('reads memory and table files from a real LevelDB, table files after writes, nothing once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-levelstats-'));
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
      const before = levelStats(db)!;
      expect(before.memoryBytes).toBeGreaterThan(0);
      expect(before.files).toBe(0);
      // ~6 MB of values: past the 4 MB write buffer, so a table file is written
      const value = new Uint8Array(1024).fill(7);
      for (let i = 0; i < 6; i++) {
        const b = db.batch();
        for (let k = 0; k < 1000; k++) b.put(new TextEncoder().encode(`k${i}-${k}`), value);
        await b.write();
      }
      // the full memtable is written out as a table file in LevelDB's background thread
      const after = await until('a table file written', 30_000, async () => {
        const st = levelStats(db)!;
        return st.files > 0 ? st : undefined;
      }, 50);
      expect(after.files).toBeGreaterThan(0);
      await db.close();
      expect(levelStats(db)).toBeUndefined();
    } finally {
      if (db.status === 'open') await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says nothing for a store that is not LevelDB', async () => {
    const db = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    expect(levelStats(db)).toBeUndefined();
    await db.close();
  });
});
