// The node identity file: created once with mode 0600, the same key on every later
// start, never silently replaced when damaged or exposed.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IDENTITY_FILE,
  IdentityError,
  loadAllowList,
  loadOrCreateIdentity,
  parseAllowList,
  parseIdentity,
  parsePeerUrl,
} from '../../../src/p2p/secure/index.js';
import { cryptoRng, seededRng } from '../../../src/primitives/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateIdentity', () => {
  it('creates the key at first start with mode 0600 and loads the same key after a restart', async () => {
    const datadir = join(dir, 'node1');
    const first = await loadOrCreateIdentity(datadir, cryptoRng);
    const path = join(datadir, IDENTITY_FILE);
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(first.id).toMatch(/^0[23][0-9a-f]{64}$/);
    expect((await readFile(path, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await loadOrCreateIdentity(datadir, cryptoRng);
    expect(again.id).toBe(first.id);
    expect(again.keyPair.secretKey).toEqual(first.keyPair.secretKey);
    // no temporary files left behind
    expect(await readdir(datadir)).toEqual([IDENTITY_FILE]);
  });

  it('different datadirs get different identities', async () => {
    const a = await loadOrCreateIdentity(join(dir, 'a'), cryptoRng);
    const b = await loadOrCreateIdentity(join(dir, 'b'), cryptoRng);
    expect(a.id).not.toBe(b.id);
  });

  it('two starts racing on one datadir end with one key', async () => {
    const ids = await Promise.all([1, 2, 3].map((s) => loadOrCreateIdentity(dir, seededRng(s)).then((k) => k.id)));
    expect(new Set(ids).size).toBe(1);
    expect(await readdir(dir)).toEqual([IDENTITY_FILE]);
  });

  it('refuses a damaged key file and leaves it alone', async () => {
    const path = join(dir, IDENTITY_FILE);
    await writeFile(path, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateIdentity(dir, cryptoRng)).rejects.toThrow(expect.objectContaining({ code: 'bad-key-file' }));
    expect(await readFile(path, 'utf8')).toBe('not a key\n');
    await writeFile(path, '00'.repeat(32), { mode: 0o600 });
    await expect(loadOrCreateIdentity(dir, cryptoRng)).rejects.toThrow(IdentityError);
  });

  it('refuses a key file other users can read (POSIX modes)', async () => {
    const id = await loadOrCreateIdentity(dir, cryptoRng);
    await chmod(join(dir, IDENTITY_FILE), 0o644);
    await expect(loadOrCreateIdentity(dir, cryptoRng)).rejects.toThrow(/chmod 600/);
    await chmod(join(dir, IDENTITY_FILE), 0o600);
    expect((await loadOrCreateIdentity(dir, cryptoRng)).id).toBe(id.id);
  });
});

describe('identity strings, allow-lists and pinned URLs', () => {
  const good = '034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa';

  it('parseIdentity accepts compressed points and normalises case', () => {
    expect(parseIdentity(good.toUpperCase())).toBe(good);
    expect(() => parseIdentity(good.slice(2))).toThrow(IdentityError);
    expect(() => parseIdentity('04' + good.slice(2))).toThrow(IdentityError);
    // right shape, but x = 5 is not on secp256k1
    expect(() => parseIdentity('02' + '0'.repeat(63) + '5')).toThrow(/not a point/);
  });

  it('parseAllowList reads one identity per line with comments', async () => {
    const text = `# devnet\n${good}  node-a\n\n  ${good.toUpperCase()} # again\n`;
    expect([...parseAllowList(text)]).toEqual([good]);
    expect(() => parseAllowList(`${good}\nbogus\n`)).toThrow(/line 2/);
    const file = join(dir, 'allow.txt');
    await writeFile(file, text);
    expect((await loadAllowList(file)).has(good)).toBe(true);
  });

  it('parsePeerUrl splits off a pinned identity', () => {
    expect(parsePeerUrl(`ws://10.0.0.1:8333#${good}`)).toEqual({ url: 'ws://10.0.0.1:8333', identity: good });
    expect(parsePeerUrl('ws://10.0.0.1:8333')).toEqual({ url: 'ws://10.0.0.1:8333', identity: undefined });
    expect(() => parsePeerUrl('ws://10.0.0.1:8333#abc')).toThrow(IdentityError);
  });
});
