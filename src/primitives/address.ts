// Segwit addresses (BIP173 bech32 for v0, BIP350 bech32m for v1+). Cairn pays only to
// witness v1 with a 32-byte program (P2TR); the HRP names the network, so an address
// pasted into the wrong network is refused with 'wrong-network' instead of burning coins.
// decodeSegwitAddress applies the generic BIP rules so the official vectors can be run.
import { bech32, bech32m } from '@scure/base';
import { NETWORK_FACTS } from './network.js';
import { isP2TR, p2trScript } from './script.js';

/** Each network's address HRP (from its network facts). */
export const HRPS = Object.freeze({ main: NETWORK_FACTS.main.hrp, devnet: NETWORK_FACTS.devnet.hrp, regtest: NETWORK_FACTS.regtest.hrp });

/** BIP173: a segwit address is at most 90 characters. */
export const MAX_ADDRESS_LENGTH = 90;

export type AddressErrorCode = 'bad-encoding' | 'wrong-network' | 'unsupported-version' | 'bad-program';

export class AddressError extends Error {
  readonly code: AddressErrorCode;
  constructor(code: AddressErrorCode, message: string) {
    super(message);
    this.name = 'AddressError';
    this.code = code;
  }
}

export type Bech32Encoding = 'bech32' | 'bech32m';

export interface Bech32String {
  readonly hrp: string;
  readonly words: number[];
  readonly encoding: Bech32Encoding;
}

/**
 * Decodes any bech32 or bech32m string (not necessarily an address) and says which
 * checksum it carries. A string cannot satisfy both checksums (their constants differ).
 */
export function decodeBech32String(str: string): Bech32String {
  if (typeof str !== 'string') throw new AddressError('bad-encoding', 'address: expected a string');
  const m = bech32m.decodeUnsafe(str, MAX_ADDRESS_LENGTH);
  if (m) return { hrp: m.prefix, words: m.words, encoding: 'bech32m' };
  const b = bech32.decodeUnsafe(str, MAX_ADDRESS_LENGTH);
  if (b) return { hrp: b.prefix, words: b.words, encoding: 'bech32' };
  throw new AddressError('bad-encoding', `address: not a valid bech32/bech32m string: ${JSON.stringify(str)}`);
}

export interface SegwitAddress {
  readonly hrp: string;
  readonly version: number;
  readonly program: Uint8Array;
}

export function decodeSegwitAddress(addr: string): SegwitAddress {
  const { hrp, words, encoding } = decodeBech32String(addr);
  if (words.length === 0) throw new AddressError('bad-encoding', 'address: empty data section');
  const version = words[0]!;
  if (version > 16) throw new AddressError('unsupported-version', `address: invalid witness version ${version}`);
  const want: Bech32Encoding = version === 0 ? 'bech32' : 'bech32m';
  if (encoding !== want) {
    throw new AddressError('bad-encoding', `address: witness v${version} must use ${want}, got ${encoding}`);
  }
  const program = bech32.fromWordsUnsafe(words.slice(1));
  if (!program) throw new AddressError('bad-encoding', 'address: invalid padding in program');
  if (program.length < 2 || program.length > 40) {
    throw new AddressError('bad-program', `address: program length ${program.length} outside 2..40`);
  }
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    throw new AddressError('bad-program', `address: v0 program must be 20 or 32 bytes, got ${program.length}`);
  }
  return { hrp, version, program };
}

/** The scriptPubKey a segwit address pays to: OP_n <program>. */
export function segwitScript(version: number, program: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + program.length);
  out[0] = version === 0 ? 0 : 0x50 + version;
  out[1] = program.length;
  out.set(program, 2);
  return out;
}

export function encodeAddress(outputKey: Uint8Array, hrp: string): string {
  if (!(outputKey instanceof Uint8Array) || outputKey.length !== 32) {
    throw new AddressError('bad-program', 'address: a P2TR output key is 32 bytes');
  }
  const words = [1, ...bech32m.toWords(outputKey)];
  return bech32m.encode(hrp, words, MAX_ADDRESS_LENGTH);
}

/** The P2TR script for a Cairn address on the network named by `hrp`. */
export function addressToScript(addr: string, hrp: string): Uint8Array {
  const a = decodeSegwitAddress(addr);
  const expected = hrp.toLowerCase();
  if (a.hrp !== expected) {
    throw new AddressError('wrong-network', `address: HRP '${a.hrp}' is for another network, expected '${expected}'`);
  }
  if (a.version !== 1) {
    throw new AddressError('unsupported-version', `address: witness v${a.version} is not spendable on Cairn (only v1 P2TR)`);
  }
  if (a.program.length !== 32) {
    throw new AddressError('bad-program', `address: v1 program must be 32 bytes, got ${a.program.length}`);
  }
  return p2trScript(a.program);
}

export function scriptToAddress(script: Uint8Array, hrp: string): string | null {
  return isP2TR(script) ? encodeAddress(script.subarray(2), hrp) : null;
}
