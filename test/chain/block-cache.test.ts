// The recent-block cache behind Chain.getBlock: bounded by count and bytes, newest kept;
// a block just stored, connected or disconnected is answered without a disk read (the
// very object, shared with relay and the indexes), and older blocks still come from disk.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { RECENT_BLOCKS_MAX, RecentBlocks } from '../../src/chain/block-cache.js';
import { getParams } from '../../src/consensus/index.js';
import { bytesToHex, type Block } from '../../src/primitives/index.js';
import { BlockGen } from '../support/blockgen.js';

const params = getParams('regtest');
const gen = new BlockGen(params);
// 70 blocks: more than the cache keeps, so the first ones must come from disk.
const main = gen.chain('m', gen.genesis, RECENT_BLOCKS_MAX + 6);
// A longer side branch from m68, to force a reorg that disconnects m69..m70.
const side = gen.chain('s', main[RECENT_BLOCKS_MAX + 3]!, 3);
let pool: VerifyPool;
const dirs: string[] = [];

beforeAll(() => {
  pool = new VerifyPool({ threads: 0 });
});

afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('RecentBlocks', () => {
  const blocks = main.slice(0, 10).map((g) => g.block);

  it('keeps the newest blocks up to its count', () => {
    const c = new RecentBlocks(4, 1 << 30);
    for (const b of blocks) c.add(b.hash(), b);
    expect(c.size).toBe(4);
    for (const b of blocks.slice(0, 6)) expect(c.get(b.hash())).toBeUndefined();
    for (const b of blocks.slice(6)) expect(c.get(b.hash())).toBe(b);
  });

  it('keeps the newest blocks up to its byte budget, and always the newest one', () => {
    const size = blocks[0]!.size;
    const c = new RecentBlocks(100, size * 3);
    for (const b of blocks) c.add(b.hash(), b);
    expect(c.size).toBe(3);
    const tiny = new RecentBlocks(100, 1);
    tiny.add(blocks[0]!.hash(), blocks[0]!);
    expect(tiny.get(blocks[0]!.hash())).toBe(blocks[0]);
  });

  it('adding a block again makes it the newest', () => {
    const c = new RecentBlocks(3, 1 << 30);
    for (const b of blocks.slice(0, 3)) c.add(b.hash(), b);
    c.add(blocks[0]!.hash(), blocks[0]!);
    c.add(blocks[3]!.hash(), blocks[3]!);
    expect(c.get(blocks[0]!.hash())).toBe(blocks[0]);
    expect(c.get(blocks[1]!.hash())).toBeUndefined();
    expect(c.size).toBe(3);
  });
});

describe('Chain.getBlock', () => {
  it('answers recent blocks from memory, older ones from disk, and disconnected ones too', async () => {
    const path = mkdtempSync(join(tmpdir(), 'cairn-block-cache-'));
    dirs.push(path);
    const chain = await Chain.open({ params, path, verifyPool: pool });
    try {
      const connected: Block[] = [];
      chain.on('connect', (_e, b) => connected.push(b));
      for (const g of main) await chain.processBlock(g.block);
      const last = main[main.length - 1]!.block;
      // The block connected is the one given, and getBlock hands out that same object.
      expect(connected[connected.length - 1]).toBe(last);
      expect(await chain.getBlock(last.hash())).toBe(last);
      // The first block fell out of the cache: read back from disk, equal but not the same.
      const first = main[0]!.block;
      const fromDisk = await chain.getBlock(first.hash());
      expect(fromDisk).not.toBe(first);
      expect(bytesToHex(fromDisk!.encode())).toBe(bytesToHex(first.encode()));
      // A reorg: the blocks it disconnects are passed on, and served, as the same objects.
      const disconnected: Block[] = [];
      chain.on('disconnect', (_e, b) => disconnected.push(b));
      for (const g of side) await chain.processBlock(g.block);
      expect(chain.tip.hashHex).toBe(side[side.length - 1]!.hex);
      expect(disconnected.map((b) => b.hashHex())).toEqual([main[main.length - 1]!.hex, main[main.length - 2]!.hex]);
      expect(disconnected[0]).toBe(last);
      expect(await chain.getBlock(last.hash())).toBe(last);
      expect(await chain.getBlock(new Uint8Array(32))).toBeUndefined();
    } finally {
      await chain.close();
    }
  });
});
