// The three command-line programs follow the usual conventions: --version prints the
// package's version, a mistyped command or option is one "did you mean" line (exit 2,
// no help dump), and a subcommand's --help lists the global options too.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../api/daemon.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', `${bin}.js`), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CAIRN_NODE: 'http://127.0.0.1:1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI conventions', () => {
  it.each(['cairnd', 'cairn-wallet', 'cairn-devnet'])('%s --version and -V print the package version', (bin) => {
    for (const flag of ['--version', '-V']) {
      expect(run(bin, [flag])).toEqual({ status: 0, stdout: `${bin} ${VERSION}\n`, stderr: '' });
    }
  });

  it.each([
    ['cairn-wallet', ['blance'], "error: unknown command 'blance' (did you mean balance?)"],
    ['cairn-wallet', ['psbt', 'sing'], "error: unknown command 'sing' (did you mean sign?)"],
    ['cairn-devnet', ['stauts'], "error: unknown command 'stauts' (did you mean status?)"],
    ['cairn-wallet', ['--jsn', 'balance'], "error: unknown option '--jsn' (did you mean --json?)"],
  ])('%s %j: one line with a suggestion, no help', (bin, args, line) => {
    const r = run(bin, args);
    expect(r).toEqual({ status: 2, stdout: '', stderr: `${line}\n` });
  });

  it('cairnd: a mistyped option names the right one on one line, exit 2', () => {
    const r = run('cairnd', ['--netwrk', 'regtest']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("cairnd: unknown option '--netwrk' (did you mean --network?)");
    expect(r.stderr).not.toMatch(/Usage:/);
  });

  it('subcommand help lists the global options', () => {
    const w = run('cairn-wallet', ['send', '--help']);
    expect(w.status).toBe(0);
    const global = w.stdout.slice(w.stdout.indexOf('Global Options:'));
    expect(w.stdout).toContain('Global Options:');
    for (const o of ['--node <url>', '--wallet <file>', '--json', '--version']) expect(global).toContain(o);
    const d = run('cairn-devnet', ['status', '--help']);
    expect(d.stdout).toMatch(/Global Options:\n\s+-V, --version/);
  });
});
