// Coin reads: a few coins come back synchronously (no trip through libuv's thread pool),
// more in one getMany; both answer exactly what was written, on LevelDB and memory-level.
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLevel } from 'memory-level';
import { ChainDB, SYNC_COINS_MAX, type ChainStore } from '../../src/chain/chaindb.js';
import type { Coin } from '../../src/consensus/index.js';
import { outpointMapKey, type OutPoint } from '../../src/primitives/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const outpoint = (i: number): OutPoint => ({ txid: new Uint8Array(32).fill(i & 0xff).fill(i >> 8, 0, 1), vout: i % 5 });
const coin = (i: number): Coin => ({ value: BigInt(i) * 1000n + 7n, script: new Uint8Array([0x51, 0x20, ...new Uint8Array(32).fill(i & 0xff)]), height: i, coinbase: i % 2 === 0 });

/** The same reads on LevelDB and on memory-level (the simulator's store), each with its raw store. */
async function stores(): Promise<Array<[ChainDB, ChainStore]>> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chaindb-reads-'));
  dirs.push(dir);
  const mem = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as ChainStore;
  const onDisk = await ChainDB.open(dir);
  const inMemory = await ChainDB.open('(memory)', mem);
  return [
    [onDisk, (onDisk as unknown as { db: ChainStore }).db],
    [inMemory, mem],
  ];
}

describe('ChainDB.getCoins', () => {
  it('answers what was written, synchronously for a few coins and in one getMany for more', async () => {
    for (const [db, store] of await stores()) {
      const written = new Map<string, Coin>();
      const ops = [];
      for (let i = 0; i < 300; i += 2) {
        ops.push(ChainDB.coinPut(outpoint(i), coin(i)));
        written.set(outpointMapKey(outpoint(i)), coin(i));
      }
      await db.write(ops, false);
      let manyCalls = 0;
      const getMany = store.getMany.bind(store);
      store.getMany = ((keys: never, opts: never) => (manyCalls++, getMany(keys, opts))) as typeof store.getMany;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(299), { maxLength: 12 }), async (picks) => {
          const before = manyCalls;
          const asked = picks.map(outpoint);
          const got = await db.getCoins(asked);
          expect(got).toEqual(asked.map((p) => written.get(outpointMapKey(p))));
          expect(manyCalls - before).toBe(asked.length > SYNC_COINS_MAX ? 1 : 0);
        }),
        { numRuns: 60 },
      );
      expect(manyCalls).toBeGreaterThan(0);
      await db.close();
    }
  });
});
