// A node's persistent identity: a secp256k1 static key for the Noise handshake, kept in
// <datadir>/identity.key so that peers who pinned it keep recognising the node across
// restarts. The identity string is the hex of the 33-byte compressed public key (as
// Lightning node ids), because that is exactly what the handshake transmits and
// authenticates; an x-only form would need a parity convention on top.
//
// The file holds the 32-byte secret as hex and a newline, mode 0600, written to a
// temporary file first and linked into place so a crash never leaves half a key, and
// two starts racing on one datadir end up with the same key. A malformed or
// world-readable file is an error, never silently replaced: a new key would break
// every peer that pinned the old one.
import { constants as fsc } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '../../primitives/index.js';
import type { Rng } from '../../primitives/index.js';
import { type KeyPair, NoiseError, checkPublicKey, generateKeyPair, keyPairFromSecret } from './noise.js';

export const IDENTITY_FILE = 'identity.key';

export type IdentityErrorCode = 'bad-identity' | 'bad-key-file' | 'insecure-permissions';

export class IdentityError extends Error {
  readonly code: IdentityErrorCode;
  constructor(code: IdentityErrorCode, message: string) {
    super(message);
    this.name = 'IdentityError';
    this.code = code;
  }
}

export interface IdentityKey {
  readonly keyPair: KeyPair;
  /** hex of the compressed public key: what peers pin and allow-lists name */
  readonly id: string;
}

export function identityFromSecret(secretKey: Uint8Array): IdentityKey {
  const keyPair = keyPairFromSecret(secretKey);
  return Object.freeze({ keyPair, id: bytesToHex(keyPair.publicKey) });
}

export function generateIdentity(rng: Rng): IdentityKey {
  const keyPair = generateKeyPair(rng);
  return Object.freeze({ keyPair, id: bytesToHex(keyPair.publicKey) });
}

/** Checks an identity string (66 hex digits, a point on the curve) and returns it lowercased. */
export function parseIdentity(s: string): string {
  const t = s.trim().toLowerCase();
  if (!/^0[23][0-9a-f]{64}$/.test(t)) {
    throw new IdentityError('bad-identity', `identity must be 66 hex digits of a compressed public key, got '${s.slice(0, 80)}'`);
  }
  try {
    checkPublicKey(hexToBytes(t));
  } catch (e) {
    if (e instanceof NoiseError) throw new IdentityError('bad-identity', `identity ${t} is not a point on secp256k1`);
    throw e;
  }
  return t;
}

/**
 * Reads an allow-list: one identity per line; blank lines and '#' comments are ignored,
 * and so is anything after the identity on a line (room for a name).
 */
export function parseAllowList(text: string): Set<string> {
  const out = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*/, '').trim();
    if (!body) return;
    const first = body.split(/\s+/)[0]!;
    try {
      out.add(parseIdentity(first));
    } catch (e) {
      throw new IdentityError('bad-identity', `allow-list line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return out;
}

export async function loadAllowList(file: string): Promise<Set<string>> {
  return parseAllowList(await readFile(file, 'utf8'));
}

async function readIdentityFile(path: string): Promise<IdentityKey> {
  if (process.platform !== 'win32') {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) {
      throw new IdentityError(
        'insecure-permissions',
        `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
  }
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new IdentityError('bad-key-file', `${path} does not hold a 64-hex-digit secret key; refusing to replace it`);
  }
  try {
    return identityFromSecret(hexToBytes(text.toLowerCase()));
  } catch {
    throw new IdentityError('bad-key-file', `${path} holds an invalid secp256k1 secret key; refusing to replace it`);
  }
}

/** Loads <datadir>/identity.key, creating it (and datadir) on first start. */
export async function loadOrCreateIdentity(datadir: string, rng: Rng): Promise<IdentityKey> {
  const path = join(datadir, IDENTITY_FILE);
  try {
    return await readIdentityFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(datadir, { recursive: true });
  const identity = generateIdentity(rng);
  const tmp = `${path}.${bytesToHex(rng.bytes(6))}.tmp`;
  const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    await fh.writeFile(`${bytesToHex(identity.keyPair.secretKey)}\n`);
    // the umask may have narrowed the mode further, never widened it; make it exact
    await fh.chmod(0o600);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // link() refuses to overwrite: if another process won the race, its key stands.
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await unlink(tmp);
    return readIdentityFile(path);
  }
  await unlink(tmp);
  await syncDir(datadir);
  return identity;
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

