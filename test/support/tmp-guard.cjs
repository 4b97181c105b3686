// `npm test` must leave nothing in the temp directory. The suite gets one private temp root
// (globalSetup below), every test file a subdirectory of it as its TMPDIR (so os.tmpdir(),
// mkdtemp, Chromium profiles and child processes such as cairnd all write there), and after
// each file the environment lists what the file left behind. globalTeardown then removes the
// root whatever happened, and fails the run naming each test file that did not clean up
// after itself, with what it left. Each test is expected to remove what it makes (afterAll
// or afterEach with rmSync(dir, { recursive: true, force: true })).
const { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');

const ROOT_ENV = 'CAIRN_TEST_TMP_ROOT';
const REPORT = 'leftovers.jsonl';

async function globalSetup() {
  const root = mkdtempSync(join(tmpdir(), 'cairn-jest-'));
  // workers are started after this and inherit it; run in band, this process uses it too
  process.env[ROOT_ENV] = root;
}

async function globalTeardown() {
  const root = process.env[ROOT_ENV];
  if (!root || !existsSync(root)) return;
  const report = join(root, REPORT);
  const lines = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').filter(Boolean) : [];
  rmSync(root, { recursive: true, force: true });
  if (lines.length === 0) return;
  const msg = lines
    .map((l) => JSON.parse(l))
    .map((r) => `  ${r.file} left in the temp directory: ${r.entries.slice(0, 8).join(', ')}${r.entries.length > 8 ? ` and ${r.entries.length - 8} more` : ''}`)
    .join('\n');
  throw new Error(`test files left files in the temp directory (each test must remove what it creates):\n${msg}`);
}

/** The test environment: node's, with a per-file TMPDIR checked when the file ends. */
function environment() {
  const { TestEnvironment } = require('jest-environment-node');
  return class TmpGuardEnvironment extends TestEnvironment {
    constructor(config, context) {
      super(config, context);
      this.testPath = context.testPath;
      this.rootDir = config.projectConfig.rootDir;
    }

    async setup() {
      await super.setup();
      const root = process.env[ROOT_ENV];
      if (!root) return;
      this.dir = join(root, `w${process.env.JEST_WORKER_ID ?? '0'}`);
      mkdirSync(this.dir, { recursive: true });
      this.before = new Set(readdirSync(this.dir));
      this.savedTmp = process.env.TMPDIR;
      process.env.TMPDIR = this.dir;
    }

    async teardown() {
      if (this.dir) {
        if (this.savedTmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = this.savedTmp;
        const left = readdirSync(this.dir).filter((e) => !this.before.has(e));
        if (left.length > 0) {
          appendFileSync(join(process.env[ROOT_ENV], REPORT), `${JSON.stringify({ file: relative(this.rootDir, this.testPath), entries: left })}\n`);
          // the next file in this worker starts clean
          for (const e of left) rmSync(join(this.dir, e), { recursive: true, force: true });
        }
      }
      await super.teardown();
    }
  };
}

module.exports = { globalSetup, globalTeardown, environment };
