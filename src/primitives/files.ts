// Atomic file writes, once for every program (mempool.dat, peers.json, wallet files,
// devnet state): the data goes to a temp file in the same directory, is fsynced, then
// renamed over the target (or hard-linked to it, for create-only), and the directory is
// fsynced so the new name survives a crash. A reader sees the old file or the new one,
// never a half-written one; on failure the temp file is removed and the target is
// untouched. The temp name is `<path>.<12 hex>.tmp`, the hex from the given Rng.
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex } from './bytes.js';
import { cryptoRng, type Rng } from './rng.js';

export interface AtomicWriteOptions {
  /** permission bits of the file (default 0o600: most of these files hold secrets or private state) */
  readonly mode?: number;
  /** create the parent directories when they are missing */
  readonly mkdir?: boolean;
  /** source of the temp file's name (default cryptoRng) */
  readonly rng?: Rng;
}

const DEFAULT_MODE = 0o600;

function tempName(path: string, rng: Rng): string {
  return `${path}.${bytesToHex(rng.bytes(6))}.tmp`;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function fsyncDirSync(path: string): void {
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  }
}

/** Writes a fresh temp file next to `path` (fsynced, exact mode) and returns its name. */
function writeTempSync(path: string, data: string | Uint8Array, o: AtomicWriteOptions): string {
  if (o.mkdir) mkdirSync(dirname(path), { recursive: true });
  const mode = o.mode ?? DEFAULT_MODE;
  const tmp = tempName(path, o.rng ?? cryptoRng);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = toBytes(data);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    chmodSync(tmp, mode); // the umask narrowed the mode at open; the file gets exactly `mode`
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    removeQuietlySync(tmp);
    throw e;
  }
  return tmp;
}

function removeQuietlySync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Replaces `path` with `data` atomically (synchronous form, for CLIs). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const tmp = writeTempSync(path, data, o);
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeQuietlySync(tmp);
    throw e;
  }
  fsyncDirSync(path);
}

/**
 * Creates `path` with `data` only if nothing exists there yet: link() refuses to replace
 * an existing name, so two racing creators cannot both win. An existing file fails with
 * the system's EEXIST error (`code === 'EEXIST'`) and is left as it was.
 */
export function createFileExclusiveSync(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const tmp = writeTempSync(path, data, o);
  try {
    linkSync(tmp, path);
  } finally {
    removeQuietlySync(tmp);
  }
  fsyncDirSync(path);
}

/** Replaces `path` with `data` atomically (asynchronous form, for the node). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  if (o.mkdir) await mkdir(dirname(path), { recursive: true });
  const mode = o.mode ?? DEFAULT_MODE;
  const tmp = tempName(path, o.rng ?? cryptoRng);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(toBytes(data));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const dh = await open(dirname(path), 'r').catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined); // some file systems refuse; the rename is still atomic
    await dh.close();
  }
}
