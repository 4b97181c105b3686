// A cairnd started without an explorer build says so: '/' (and any page path) answers 503
// with an HTML page naming the build command, the log says it once, the API works as usual,
// and a build made while the node runs is served from then on without a restart.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, startDaemon, tempDatadir, type Daemon } from './daemon.js';

let d: Daemon;
let dir: string;
let explorer: string;

beforeAll(async () => {
  dir = tempDatadir();
  explorer = join(dir, 'no-build-here');
  d = await startDaemon(join(dir, 'node'), ['--explorer-dir', explorer]);
});

afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('answers / with a page on how to build the explorer, and logs it once', async () => {
  for (const path of ['/', '/mempool', `/tx/${'ab'.repeat(32)}`]) {
    const r = await http(d, path);
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.text).toContain('The explorer has not been built');
    expect(r.text).toContain('<pre>npm run build</pre>');
    expect(r.text).toContain(explorer);
  }
  // files and the API are not the page's business
  expect((await http(d, '/app.js')).status).toBe(404);
  expect((await http(d, '/api/blocks/tip/height')).text).toBe('0');
  const warnings = d.lines.filter((l) => l.includes('explorer not built'));
  expect(warnings).toHaveLength(1);
  const w = JSON.parse(warnings[0]!) as { level: number; explorer_dir: string; msg: string };
  expect(w.explorer_dir).toBe(explorer);
  expect(w.msg).toContain('npm run build');
  expect(w.level).toBe(40); // pino's warn
});

it('serves a build made after the node started', async () => {
  mkdirSync(explorer, { recursive: true });
  writeFileSync(join(explorer, 'index.html'), '<!doctype html><title>built later</title>');
  const r = await http(d, '/mempool');
  expect(r.status).toBe(200);
  expect(r.text).toContain('built later');
  expect(d.lines.filter((l) => l.includes('explorer not built'))).toHaveLength(1);
});
