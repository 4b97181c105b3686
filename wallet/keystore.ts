// The wallet file: a small JSON envelope around one encrypted blob.
//   { format: "cairn-wallet", version: 1,
//     kdf: { name: "scrypt", logN, r, p, salt }, cipher: { name: "xchacha20poly1305", nonce },
//     ciphertext }
// The envelope header is the AEAD's associated data, so editing KDF params or the version
// makes decryption fail instead of silently weakening the file. Writes go to a temp file
// in the same directory, are fsynced and renamed over the old file, so a crash leaves
// either the old or the new wallet, never half of one. Files are created with mode 0600.
import { readFileSync } from 'node:fs';
import { scrypt } from '@noble/hashes/scrypt.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToHex, hexToBytes } from '../src/primitives/bytes.js';
import { cryptoRng, type Rng } from '../src/primitives/rng.js';
import { createFileExclusiveSync, writeFileAtomicSync } from '../src/primitives/files.js';
import { WalletError } from './errors.js';

export const KEYSTORE_FORMAT = 'cairn-wallet';
export const KEYSTORE_VERSION = 1;
/** 2^15 × r=8 is 32 MiB and ~0.2 s per unlock: slow for guessing, fine for a CLI. */
export const DEFAULT_LOG_N = 15;
/** Tests may go lower; below this the file would be trivially brute-forced. */
export const MIN_LOG_N = 4;

export interface KdfParams {
  readonly name: 'scrypt';
  readonly logN: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
}

export interface KeystoreOptions {
  /** log2 of scrypt's N; default 15. */
  readonly logN?: number;
  readonly rng?: Rng;
}

interface Envelope {
  format: string;
  version: number;
  kdf: KdfParams;
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function normalizePassphrase(pass: string): Uint8Array {
  return new TextEncoder().encode(pass.normalize('NFKC'));
}

function headerAad(env: Pick<Envelope, 'format' | 'version' | 'kdf' | 'cipher'>): Uint8Array {
  const k = env.kdf;
  // Field order is fixed here, not taken from the file, so the AAD is canonical.
  const canon = JSON.stringify([env.format, env.version, k.name, k.logN, k.r, k.p, k.salt, env.cipher.name, env.cipher.nonce]);
  return new TextEncoder().encode(canon);
}

function deriveKey(pass: string, kdf: KdfParams): Uint8Array {
  return scrypt(normalizePassphrase(pass), hexToBytes(kdf.salt), { N: 2 ** kdf.logN, r: kdf.r, p: kdf.p, dkLen: 32 });
}

/** Encrypt a payload into the file text. */
export function seal(plaintext: Uint8Array, passphrase: string, opts: KeystoreOptions = {}): string {
  const logN = opts.logN ?? DEFAULT_LOG_N;
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > 22) throw new RangeError(`keystore: logN ${logN} out of range`);
  const random = (n: number) => (opts.rng ?? cryptoRng).bytes(n);
  const kdf: KdfParams = { name: 'scrypt', logN, r: 8, p: 1, salt: bytesToHex(random(16)) };
  const cipher = { name: 'xchacha20poly1305', nonce: bytesToHex(random(24)) };
  const head = { format: KEYSTORE_FORMAT, version: KEYSTORE_VERSION, kdf, cipher };
  const key = deriveKey(passphrase, kdf);
  const ct = xchacha20poly1305(key, hexToBytes(cipher.nonce), headerAad(head)).encrypt(plaintext);
  const env: Envelope = { ...head, ciphertext: bytesToHex(ct) };
  return JSON.stringify(env, null, 2) + '\n';
}

function parseEnvelope(text: string): Envelope {
  let env: unknown;
  try {
    env = JSON.parse(text);
  } catch {
    throw new WalletError('bad-wallet-file', 'wallet file is not valid JSON', 'is this a cairn-wallet file?');
  }
  const e = env as Envelope;
  const hex = (s: unknown, len?: number) => typeof s === 'string' && /^([0-9a-f]{2})*$/.test(s) && (len === undefined || s.length === len * 2);
  if (
    !e || typeof e !== 'object' || e.format !== KEYSTORE_FORMAT || !e.kdf || !e.cipher ||
    e.kdf.name !== 'scrypt' || !Number.isInteger(e.kdf.logN) || e.kdf.logN < MIN_LOG_N || e.kdf.logN > 22 ||
    e.kdf.r !== 8 || e.kdf.p !== 1 || !hex(e.kdf.salt, 16) ||
    e.cipher.name !== 'xchacha20poly1305' || !hex(e.cipher.nonce, 24) || !hex(e.ciphertext) || e.ciphertext.length < 32
  ) {
    throw new WalletError('bad-wallet-file', 'wallet file is damaged or not a cairn-wallet file');
  }
  if (e.version !== KEYSTORE_VERSION) {
    throw new WalletError('bad-wallet-file', `wallet file version ${e.version} is not supported (this build reads ${KEYSTORE_VERSION})`, 'upgrade cairn-wallet');
  }
  return e;
}

/** Decrypt file text. A wrong passphrase and a tampered file look the same to an AEAD. */
export function open(text: string, passphrase: string): { plaintext: Uint8Array; logN: number } {
  const env = parseEnvelope(text);
  const key = deriveKey(passphrase, env.kdf);
  try {
    const plaintext = xchacha20poly1305(key, hexToBytes(env.cipher.nonce), headerAad(env)).decrypt(hexToBytes(env.ciphertext));
    return { plaintext, logN: env.kdf.logN };
  } catch {
    throw new WalletError('bad-passphrase', 'wrong passphrase (or the wallet file was modified)', 'try again; the file was not changed');
  }
}

/** Replace `path` atomically with `data` (mode 0600). */
export function writeFileAtomic(path: string, data: string, rng: Rng = cryptoRng): void {
  writeFileAtomicSync(path, data, { rng });
}

/** Create `path` with `data` only if it does not exist yet (link() refuses to clobber). */
export function createFileExclusive(path: string, data: string, rng: Rng = cryptoRng): void {
  try {
    createFileExclusiveSync(path, data, { rng });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new WalletError('wallet-exists', `a wallet file already exists at ${path}`, 'choose another --wallet path; the existing file was not touched');
    }
    throw e;
  }
}

export function readWalletFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WalletError('no-wallet', `no wallet file at ${path}`, 'run `cairn-wallet create` or pass --wallet FILE (or set CAIRN_WALLET)');
    }
    throw e;
  }
}
