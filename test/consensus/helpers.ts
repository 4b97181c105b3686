// Shared by the consensus tests: fixture loading and small builders.
import { readFileSync } from 'node:fs';
import { BlockHeader } from '../../src/primitives/index.js';
import type { AncestorHeader, HeaderAncestry } from '../../src/consensus/index.js';
import { RuleError, type RuleCode } from '../../src/consensus/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(rel, FIXTURES)));
}

export function fixtureText(rel: string): string {
  return readFileSync(new URL(rel, FIXTURES), 'utf8');
}

/** [f9beb4d9][u32le length][block] frames, as in bitcoind/bitcoinj block dumps. */
export function splitFrames(data: Uint8Array, magic = 0xd9b4bef9): Uint8Array[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos + 8 <= data.length) {
    if (view.getUint32(pos, true) !== magic) break;
    const len = view.getUint32(pos + 4, true);
    out.push(data.subarray(pos + 8, pos + 8 + len));
    pos += 8 + len;
  }
  return out;
}

export function toAncestor(h: BlockHeader, height: number): AncestorHeader {
  return { height, time: h.time, bits: h.bits, hash: h.hash() };
}

/** An ancestry over a growing array of headers indexed by height. */
export class HeaderList implements HeaderAncestry {
  readonly entries: AncestorHeader[] = [];
  push(h: BlockHeader): void {
    this.entries.push(toAncestor(h, this.entries.length));
  }
  ancestor(height: number): AncestorHeader | undefined {
    return this.entries[height];
  }
  get tipHeight(): number {
    return this.entries.length - 1;
  }
}

/** Runs fn and returns the RuleError it throws (failing the test if it throws nothing else). */
export function ruleError(fn: () => unknown): RuleError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleError) return e;
    throw e;
  }
  throw new Error('expected a RuleError, nothing was thrown');
}

export function expectCode(fn: () => unknown, code: RuleCode): RuleError {
  const e = ruleError(fn);
  if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
  return e;
}
