// Per-node storage for simulations: memory-level (the LevelDB interface in memory) by
// default, real LevelDB (the `level` package) in a temporary directory with --disk. A
// crash keeps exactly what the store had committed at that instant: the surviving copy
// is taken from an iterator's implicit snapshot, and batches are atomic, so a write the
// dead incarnation finishes afterwards lands in the abandoned store, never half-applied.
// With --disk the survivor is a fresh LevelDB directory; every store a run made is closed
// and the run's directory removed when the run ends (StoreFactory.cleanup).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import type { ChainStore } from '../src/chain/index.js';

export function memoryStore(): MemoryLevel<Uint8Array, Uint8Array> {
  return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
}

/** Where a run's stores come from, and how they all go away. */
export interface StoreFactory {
  readonly kind: 'memory' | 'disk';
  make(): ChainStore;
  cleanup(): Promise<void>;
}

export function memoryStores(): StoreFactory {
  return { kind: 'memory', make: memoryStore, cleanup: async () => undefined };
}

/** Real LevelDB stores, one directory each under one temporary root. */
export function diskStores(): StoreFactory & { readonly root: string } {
  const root = mkdtempSync(join(tmpdir(), 'cairn-sim-'));
  const made: ChainStore[] = [];
  let n = 0;
  return {
    kind: 'disk',
    root,
    make: () => {
      const s = new Level<Uint8Array, Uint8Array>(join(root, `store-${n++}`), { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as ChainStore;
      made.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of made) await s.close().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A copy of everything committed to `from` right now (opening it if it was closed). */
export async function cloneStore(from: ChainStore, stores: StoreFactory = memoryStores()): Promise<ChainStore> {
  if (from.status !== 'open') await from.open();
  // created before any await: its snapshot is the store as of this call
  const it = from.iterator();
  const to = stores.make();
  await to.open();
  const batch = to.batch();
  for await (const [k, v] of it) batch.put(k, v);
  await batch.write();
  return to;
}
