// Node identities for an encrypted, pinned devnet. cairnd's p2p is Noise XX: each node
// has a static key in <datadir>/identity.key (documented format: 64 hex digits of the
// secret and a newline, mode 0600) and its identity is the hex of the compressed public
// key. A private devnet's allow-list must name every node before the first one starts
// (cairnd reads --allow-peers once), so the devnet makes each key up front, in cairnd's
// own format, and afterwards checks that the running node presents exactly that identity
// (GET /api/node): the file is the node's, the devnet only seeds it. An existing key is
// never replaced, only read, since peers and allow-lists may already name it.
import { getPublicKey } from '@noble/secp256k1';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '../src/primitives/bytes.js';
import type { Rng } from '../src/primitives/rng.js';
import { DevnetError } from './errors.js';
import { writeFileAtomic } from './state.js';

export const IDENTITY_FILE = 'identity.key';
export const ALLOW_PEERS_FILE = 'allow-peers.txt';

const IDENTITY_RE = /^0[23][0-9a-f]{64}$/;

/** Where node n's allow-list lives (in its datadir, inside the devnet dir). */
export function allowListPath(n: { readonly datadir: string }): string {
  return join(n.datadir, ALLOW_PEERS_FILE);
}

export function isIdentity(s: string): boolean {
  return IDENTITY_RE.test(s);
}

/** The identity (compressed public key, hex) of a 32-byte secret; refuses keys off the curve's range. */
export function identityOfSecret(secret: Uint8Array): string {
  try {
    return bytesToHex(getPublicKey(secret, true));
  } catch (e) {
    throw new DevnetError('state-corrupt', `not a valid secp256k1 secret key: ${(e as Error).message}`);
  }
}

function readIdentity(path: string): string {
  const st = statSync(path);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new DevnetError('state-corrupt', `${path} is readable by other users (cairnd refuses it)`, `chmod 600 ${path}`);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new DevnetError('state-corrupt', `${path} does not hold a 64-hex-digit secret key; leaving it alone`);
  return identityOfSecret(hexToBytes(text.toLowerCase()));
}

/**
 * The identity of the node whose datadir this is: read from its identity.key, or, when
 * there is none yet, a new key written there (temp file + link, so a concurrent start of
 * cairnd and this never end with two keys: whoever links first wins, the other reads it).
 */
export function ensureIdentity(datadir: string, rng: Rng): string {
  const path = join(datadir, IDENTITY_FILE);
  try {
    return readIdentity(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(datadir, { recursive: true });
  let secret: Uint8Array;
  let id: string;
  // A uniformly random 32-byte string is a valid key except with probability ~2^-128.
  for (;;) {
    secret = rng.bytes(32);
    try {
      id = identityOfSecret(secret);
      break;
    } catch {
      /* zero or ≥ n: draw again */
    }
  }
  const tmp = `${path}.${bytesToHex(rng.bytes(6))}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${bytesToHex(secret)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      unlinkSync(tmp);
      throw e;
    }
    unlinkSync(tmp);
    return readIdentity(path);
  }
  unlinkSync(tmp);
  return id;
}

/** cairnd's allow-list format: one identity per line, '#' comments (the node's name). */
export function allowListText(entries: readonly { name: string; identity: string }[]): string {
  const lines = ['# cairn-devnet: the only identities this node accepts inbound (its topology neighbours)'];
  for (const e of entries) {
    if (!isIdentity(e.identity)) throw new DevnetError('state-corrupt', `${e.name} has a malformed identity ${e.identity}`);
    lines.push(`${e.identity} # ${e.name}`);
  }
  return lines.join('\n') + '\n';
}

export function writeAllowList(path: string, entries: readonly { name: string; identity: string }[], rng: Rng): void {
  writeFileAtomic(path, allowListText(entries), rng);
}
