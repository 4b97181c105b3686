// The one atomic file writer (src/primitives/files.ts) that mempool.dat, peers.json, the
// wallet file and the devnet state all go through: contents, modes, create-only, and
// that a failure leaves the target as it was and no temp file behind.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createFileExclusiveSync, seededRng, writeFileAtomic, writeFileAtomicSync } from '../../src/primitives/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const leftovers = (d: string): string[] => readdirSync(d).filter((n) => n.endsWith('.tmp'));

describe('atomic file writes', () => {
  it('a sequence of sync and async writes leaves exactly the last contents and no temp files (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ sync: fc.boolean(), data: fc.uint8Array({ maxLength: 300 }) }), { minLength: 1, maxLength: 6 }), async (writes) => {
        const d = join(dir, `seq-${run++}`);
        mkdirSync(d);
        const path = join(d, 'f.bin');
        for (const w of writes) {
          if (w.sync) writeFileAtomicSync(path, w.data);
          else await writeFileAtomic(path, w.data);
        }
        expect(new Uint8Array(readFileSync(path))).toEqual(writes[writes.length - 1]!.data);
        expect(leftovers(d)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('strings are written as UTF-8; the mode is exactly 0600 unless given', async () => {
    const a = join(dir, 'a.json');
    writeFileAtomicSync(a, '{"ü":1}\n');
    expect(readFileSync(a, 'utf8')).toBe('{"ü":1}\n');
    expect(statSync(a).mode & 0o777).toBe(0o600);
    const b = join(dir, 'b.json');
    await writeFileAtomic(b, 'x', { mode: 0o644 });
    expect(statSync(b).mode & 0o777).toBe(0o644);
    // replacing a file gives the new file the requested mode, not the old one's
    writeFileAtomicSync(b, 'y');
    expect(statSync(b).mode & 0o777).toBe(0o600);
  });

  it('mkdir creates missing parents; without it a missing directory fails and creates nothing', async () => {
    const deep = join(dir, 'x', 'y', 'z.txt');
    await expect(writeFileAtomic(deep, 'no')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => writeFileAtomicSync(deep, 'no')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await writeFileAtomic(deep, 'yes', { mkdir: true });
    expect(readFileSync(deep, 'utf8')).toBe('yes');
    writeFileAtomicSync(join(dir, 'p', 'q.txt'), 'also', { mkdir: true });
    expect(readFileSync(join(dir, 'p', 'q.txt'), 'utf8')).toBe('also');
  });

  it('a rename that fails (the target is a directory) leaves the target and no temp file', async () => {
    const d = join(dir, 'failing');
    mkdirSync(join(d, 'target'), { recursive: true });
    writeFileSync(join(d, 'target', 'inside'), 'keep');
    expect(() => writeFileAtomicSync(join(d, 'target'), 'data')).toThrow();
    await expect(writeFileAtomic(join(d, 'target'), 'data')).rejects.toThrow();
    expect(readFileSync(join(d, 'target', 'inside'), 'utf8')).toBe('keep');
    expect(leftovers(d)).toEqual([]);
  });

  it('create-only: refuses an existing file with EEXIST and leaves it byte-for-byte', () => {
    const d = join(dir, 'excl');
    mkdirSync(d);
    const path = join(d, 'w.json');
    createFileExclusiveSync(path, 'first', { rng: seededRng(1) });
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => createFileExclusiveSync(path, 'second', { rng: seededRng(2) })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(leftovers(d)).toEqual([]);
  });

  it('concurrent async writers: the file ends as one whole write, never a mix', async () => {
    const path = join(dir, 'race.bin');
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    const got = new Uint8Array(readFileSync(path));
    expect(got.length).toBe(64 * 1024);
    expect(got.every((b) => b === got[0])).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });
});
