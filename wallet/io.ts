// The CLI's contact with the outside world, gathered in one object so tests can run the
// whole program in-process with captured output, fixed env, a scripted stdin and a
// seeded rng, and so `wait` can run under a simulated clock.
import { readFileSync } from 'node:fs';
import { cryptoRng, type Rng } from '../src/primitives/rng.js';
import type { FetchLike } from './client.js';
import { WalletError } from './errors.js';

export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly rng: Rng;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** true when a person can answer prompts */
  readonly interactive: boolean;
  /** ask for a secret without echo (TTY raw mode) */
  readonly promptHidden: (question: string) => Promise<string>;
  readonly prompt: (question: string) => Promise<string>;
  /** all of stdin, for piping a mnemonic or a PSBT */
  readonly readStdin: () => Promise<string>;
  readonly fetch?: FetchLike;
}

function readHiddenFromTty(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    let buf = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new WalletError('aborted', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function readLineFromTty(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', (d: string) => {
      process.stdin.pause();
      resolve(d.split(/\r?\n/)[0] ?? '');
    });
  });
}

async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) return readFileSync(0, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function processIo(): CliIo {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
    rng: cryptoRng,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    promptHidden: readHiddenFromTty,
    prompt: readLineFromTty,
    readStdin: readAllStdin,
  };
}
