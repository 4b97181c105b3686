// The check behind "npm test leaves nothing in the temp directory" (test/support/tmp-guard.cjs):
// a jest run of a file that forgets a temp dir fails and names the file and what it left; a
// run of a file that cleans up passes; neither leaves anything in the temp directory.
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'tmp-guard');

function runJest(pattern: string, tmp: string): { code: number | null; out: string } {
  const config = {
    rootDir: FIXTURES,
    testMatch: [`**/${pattern}`],
    testEnvironment: join(ROOT, 'test/support/tmp-environment.cjs'),
    globalSetup: join(ROOT, 'test/support/tmp-setup.cjs'),
    globalTeardown: join(ROOT, 'test/support/tmp-teardown.cjs'),
    transform: {},
    cacheDirectory: join(ROOT, 'node_modules', '.cache', 'jest-tmp-guard'),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.CAIRN_TEST_TMP_ROOT;
  delete env.JEST_WORKER_ID;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--runInBand', '--no-cache'], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a test file that leaves a temp dir fails the run, named; one that cleans up passes; nothing is left', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'guard-'));
  try {
    const bad = runJest('leaks.fixture.js', tmp);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/leaks\.fixture\.js left in the temp directory: forgotten-\w+/);
    expect(readdirSync(tmp)).toEqual([]);
    const good = runJest('clean.fixture.js', tmp);
    expect(good.out).not.toContain('left in the temp directory');
    expect(good.code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
