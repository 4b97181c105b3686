import { describe, expect, it, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../../src/primitives/rng.js';
import { createFileExclusive, open, readWalletFile, seal, writeFileAtomic } from '../../wallet/keystore.js';

const LOW = { logN: 6 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-ks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keystore', () => {
  it('round-trips and records its parameters', () => {
    const data = new TextEncoder().encode('{"secret":"xprv..."}');
    const text = seal(data, 'correct horse', { ...LOW, rng: seededRng(1) });
    const env = JSON.parse(text);
    expect(env).toMatchObject({ format: 'cairn-wallet', version: 1, kdf: { name: 'scrypt', logN: 6, r: 8, p: 1 }, cipher: { name: 'xchacha20poly1305' } });
    expect(env.kdf.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(env.cipher.nonce).toMatch(/^[0-9a-f]{48}$/);
    expect(text).not.toContain('xprv');
    const out = open(text, 'correct horse');
    expect(new TextDecoder().decode(out.plaintext)).toBe('{"secret":"xprv..."}');
    expect(out.logN).toBe(6);
    // Fresh salt and nonce every time.
    expect(seal(data, 'correct horse', { ...LOW, rng: seededRng(2) })).not.toBe(text);
  });

  it('wrong passphrase → bad-passphrase', () => {
    const text = seal(new Uint8Array([1, 2, 3]), 'right', LOW);
    expect(() => open(text, 'wrong')).toThrow(expect.objectContaining({ code: 'bad-passphrase' }));
    expect(() => open(text, '')).toThrow(expect.objectContaining({ code: 'bad-passphrase' }));
  });

  it('the header is authenticated: weakening the KDF or editing bytes fails', () => {
    const text = seal(new Uint8Array([1, 2, 3]), 'pw', { logN: 7 });
    const env = JSON.parse(text);
    expect(() => open(JSON.stringify({ ...env, kdf: { ...env.kdf, logN: 6 } }), 'pw')).toThrow(expect.objectContaining({ code: 'bad-passphrase' }));
    const flipped = env.ciphertext.slice(0, -2) + (env.ciphertext.slice(-2) === '00' ? '01' : '00');
    expect(() => open(JSON.stringify({ ...env, ciphertext: flipped }), 'pw')).toThrow(expect.objectContaining({ code: 'bad-passphrase' }));
    expect(() => open(JSON.stringify({ ...env, version: 2 }), 'pw')).toThrow(expect.objectContaining({ code: 'bad-wallet-file' }));
    expect(() => open('not json', 'pw')).toThrow(expect.objectContaining({ code: 'bad-wallet-file' }));
    expect(() => open(JSON.stringify({ ...env, kdf: { ...env.kdf, logN: 1 } }), 'pw')).toThrow(expect.objectContaining({ code: 'bad-wallet-file' }));
  });

  it('writes atomically with mode 0600 and leaves no temp files', () => {
    const p = join(dir, 'w.json');
    createFileExclusive(p, 'one');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    writeFileAtomic(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['w.json']);
  });

  it('create refuses to clobber an existing wallet and leaves it unchanged', () => {
    const p = join(dir, 'w.json');
    writeFileSync(p, 'precious');
    expect(() => createFileExclusive(p, 'new')).toThrow(expect.objectContaining({ code: 'wallet-exists' }));
    expect(readFileSync(p, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['w.json']);
  });

  it('a failed write leaves the old file intact', () => {
    const p = join(dir, 'w.json');
    createFileExclusive(p, 'old');
    // Rename onto a path inside a missing directory fails after the temp file exists.
    expect(() => writeFileAtomic(join(dir, 'missing', 'w.json'), 'new')).toThrow();
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['w.json']);
  });

  it('a missing file is no-wallet with a hint', () => {
    expect(() => readWalletFile(join(dir, 'nope.json'))).toThrow(expect.objectContaining({ code: 'no-wallet' }));
  });
});
