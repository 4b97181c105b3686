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
import { trackIO } from './quiesce.js';

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
      const s = tracked(new Level<Uint8Array, Uint8Array>(join(root, `store-${n++}`), { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as ChainStore);
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

type AnyFn = (...a: unknown[]) => unknown;

/** Wraps the named methods of `o` (on the instance: abstract-level's #private fields need the real `this`) so the promises they return are tracked; `wrapResult` sees each synchronous result. */
function patch(o: object, names: readonly string[], wrapResult?: (name: string, r: unknown, args: unknown[]) => unknown): void {
  const rec = o as Record<string, unknown>;
  for (const name of names) {
    const fn = rec[name];
    if (typeof fn !== 'function') continue;
    rec[name] = function (this: unknown, ...args: unknown[]) {
      const r = (fn as AnyFn).apply(this, args);
      if (r instanceof Promise) return trackIO(r);
      return wrapResult ? wrapResult(name, r, args) : r;
    };
  }
}

/**
 * A real LevelDB store whose every operation settle() waits for (quiesce.ts trackIO), so
 * simulated time stands still while a node's disk work is under way, as it does for the
 * in-memory stores, whose operations complete on microtasks.
 */
function tracked(db: ChainStore): ChainStore {
  patch(db, ['open', 'close', 'get', 'getMany', 'put', 'del', 'clear', 'batch', 'iterator', 'keys', 'values'], (name, r, args) => {
    if (name === 'batch' && args.length === 0) patch(r as object, ['write', 'close']);
    if (name === 'iterator' || name === 'keys' || name === 'values') patch(r as object, ['next', 'nextv', 'all', 'close']);
    return r;
  });
  return db;
}
