// The tiny key-value interface the address and ban managers persist through, so the
// node can back them with LevelDB or with JSON files in the datadir. Values are strings
// (JSON); each manager keeps its whole state under one key, which makes every save
// atomic without needing batches.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../primitives/index.js';

export interface KvStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}

export class MemoryStore implements KvStore {
  readonly data = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.data.get(key);
  }
  async put(key: string, value: string): Promise<void> {
    this.data.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.data.delete(key);
  }
}

/**
 * One JSON object in one file. Every write replaces the file atomically (temp file,
 * fsync, rename, fsync of the directory), so a crash leaves either the old or the new
 * contents, never a torn file. Writes are serialized; reads see the latest write.
 */
export class JsonFileStore implements KvStore {
  private cache: Record<string, string> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = {});
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`store: ${this.path} is not valid JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new Error(`store: ${this.path} is not a JSON object of strings`);
    }
    return (this.cache = parsed as Record<string, string>);
  }

  /** Runs operations one after another; a failed one does not block later ones. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  get(key: string): Promise<string | undefined> {
    return this.serial(async () => {
      const d = await this.load();
      return Object.prototype.hasOwnProperty.call(d, key) ? d[key] : undefined;
    });
  }

  put(key: string, value: string): Promise<void> {
    return this.serial(async () => {
      const next = { ...(await this.load()), [key]: value };
      await this.write(next);
      this.cache = next;
    });
  }

  del(key: string): Promise<void> {
    return this.serial(async () => {
      const next = { ...(await this.load()) };
      if (!Object.prototype.hasOwnProperty.call(next, key)) return;
      delete next[key];
      await this.write(next);
      this.cache = next;
    });
  }

  private async write(data: Record<string, string>): Promise<void> {
    // 0o644 as before (readable peer and ban lists; nothing secret in them)
    await writeFileAtomic(this.path, JSON.stringify(data), { mode: 0o644, mkdir: true });
  }
}
