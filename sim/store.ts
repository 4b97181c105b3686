// Per-node storage for simulations: memory-level (the LevelDB interface in memory). A
// crash keeps exactly what the store had committed at that instant: the surviving copy
// is taken from an iterator's implicit snapshot, and batches are atomic, so a write the
// dead incarnation finishes afterwards lands in the abandoned store, never half-applied.
import { MemoryLevel } from 'memory-level';
import type { ChainStore } from '../src/chain/index.js';

export function memoryStore(): MemoryLevel<Uint8Array, Uint8Array> {
  return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
}

/** A copy of everything committed to `from` right now (opening it if it was closed). */
export async function cloneStore(from: ChainStore): Promise<MemoryLevel<Uint8Array, Uint8Array>> {
  if (from.status !== 'open') await from.open();
  // created before any await: its snapshot is the store as of this call
  const it = from.iterator();
  const to = memoryStore();
  await to.open();
  const batch = to.batch();
  for await (const [k, v] of it) batch.put(k, v);
  await batch.write();
  return to;
}
