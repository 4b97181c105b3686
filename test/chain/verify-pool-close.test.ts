// A verify pool closed while its workers are still loading their backend waits for them:
// terminating a worker inside a native addon's initialisation aborts the whole process
// (bcrypto's napi_create_external CHECK; seen as cairnd dying with SIGABRT when it failed
// at start, e.g. on an API port in use, and as whole jest runs ending with code 134).
import { describe, expect, it } from '@jest/globals';
import { VerifyPool } from '../../src/chain/index.js';

describe('VerifyPool.close during worker start-up', () => {
  for (const verifier of ['auto', 'wasm'] as const) {
    it(`waits until every ${verifier} worker has loaded before terminating it`, async () => {
      for (let i = 0; i < 5; i++) {
        const pool = new VerifyPool({ threads: 2, verifier });
        expect(pool.workersLoaded).toBe(0); // loading happens in the workers, later
        await pool.close();
        expect(pool.workersLoaded).toBe(2);
      }
    });
  }

  it('still verifies after start-up and closes cleanly', async () => {
    const pool = new VerifyPool({ threads: 1, verifier: 'auto' });
    expect(await pool.verify([])).toBe(-1);
    await pool.close();
    expect(pool.workersLoaded).toBe(1);
    await expect(pool.verify([])).rejects.toThrow(/closed/);
  });
});
