// The set-up the miner tests share: an empty devnet chain (devnet proof of work, so a work
// unit rarely finds a block) in its own temp directory, with a verify pool that runs on the
// main thread, opened before the file's tests and closed and removed after them.
import { afterAll, beforeAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, VerifyPool } from '../../src/chain/index.js';
import { getParams } from '../../src/consensus/index.js';
import { systemClock } from '../../src/primitives/index.js';

export const params = getParams('devnet');

/** Registers the hooks; `chain` may be read once beforeAll has run (inside tests). */
export function useDevnetChain(prefix: string): { readonly chain: Chain } {
  let dir: string;
  let chain: Chain | undefined;
  let pool: VerifyPool;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    pool = new VerifyPool({ threads: 0 });
    chain = await Chain.open({ params, path: dir, clock: systemClock, verifyPool: pool });
  });
  afterAll(async () => {
    await chain?.close();
    await pool?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get chain(): Chain {
      if (chain === undefined) throw new Error('the devnet chain is opened in beforeAll');
      return chain;
    },
  };
}
