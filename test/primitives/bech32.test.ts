// BIP173/BIP350 vectors, and the rules Cairn adds on top: only v1 32-byte programs, and
// the HRP must be the network's own.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  AddressError,
  HRPS,
  addressToScript,
  decodeBech32String,
  decodeSegwitAddress,
  encodeAddress,
  scriptToAddress,
  segwitScript,
} from '../../src/primitives/address.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/bytes.js';
import { opReturnScript, p2trScript } from '../../src/primitives/script.js';

interface Entry {
  string: string;
  spk_hex: string | null;
  reason: string | null;
}
type Sections = Record<string, Entry[]>;
const vectors = JSON.parse(readFileSync(new URL('../fixtures/bips/bech32-vectors.json', import.meta.url), 'utf8')) as {
  bip173: Sections;
  bip350: Sections;
};

function section(bip: 'bip173' | 'bip350', prefix: string): Entry[] {
  const key = Object.keys(vectors[bip]).find((k) => k.startsWith(prefix));
  if (!key) throw new Error(`no section ${prefix} in ${bip}`);
  return vectors[bip][key]!;
}

const validBech32 = section('bip173', 'The following strings are valid Bech32');
const invalidBech32 = section('bip173', 'The following string are not valid Bech32');
const validBech32m = section('bip350', 'The following strings are valid Bech32m');
const invalidBech32m = section('bip350', 'The following string are not valid Bech32m');
// BIP350 supersedes BIP173 for witness v1+: those BIP173 "valid" addresses carry the
// bech32 checksum and must now be refused (BIP350 lists their bech32m replacements).
const isV0 = (addr: string) => addr[addr.lastIndexOf('1') + 1]!.toLowerCase() === 'q';
const bip173Valid = section('bip173', 'The following list gives valid segwit addresses');
const validAddrs = [...bip173Valid.filter((e) => isV0(e.string)), ...section('bip350', 'The following list gives valid segwit addresses')];
const obsoleteAddrs = bip173Valid.filter((e) => !isV0(e.string));
const invalidAddrs = [
  ...section('bip173', 'The following list gives invalid segwit addresses'),
  ...section('bip350', 'The following list gives invalid segwit addresses'),
];

function errCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AddressError);
    return (e as AddressError).code;
  }
  throw new Error('expected an AddressError');
}

describe('bech32/bech32m strings (BIP173, BIP350)', () => {
  test('sections are present', () => {
    for (const s of [validBech32, invalidBech32, validBech32m, invalidBech32m, validAddrs, invalidAddrs]) {
      expect(s.length).toBeGreaterThan(5);
    }
  });
  test.each(validBech32.map((e) => [e.string]))('valid bech32 %j', (s) => {
    expect(decodeBech32String(s).encoding).toBe('bech32');
  });
  test.each(validBech32m.map((e) => [e.string]))('valid bech32m %j', (s) => {
    expect(decodeBech32String(s).encoding).toBe('bech32m');
  });
  test.each([...invalidBech32, ...invalidBech32m].map((e) => [e.string, e.reason ?? ''] as const))('invalid %j (%s)', (s) => {
    expect(errCode(() => decodeBech32String(s))).toBe('bad-encoding');
  });
});

describe('segwit addresses (BIP173, BIP350)', () => {
  test.each(validAddrs.map((e) => [e.string, e.spk_hex!]))('%s', (addr, spk) => {
    const a = decodeSegwitAddress(addr);
    expect(bytesToHex(segwitScript(a.version, a.program))).toBe(spk);
    expect(a.hrp).toBe(addr.slice(0, addr.lastIndexOf('1')).toLowerCase());
  });
  // The vectors are for Bitcoin's mainnet and testnet: 'tc' is only wrong relative to those.
  const decodeForBitcoin = (addr: string) => {
    const a = decodeSegwitAddress(addr);
    if (a.hrp !== 'bc' && a.hrp !== 'tb') throw new AddressError('wrong-network', `unexpected hrp ${a.hrp}`);
    return a;
  };
  test.each(invalidAddrs.map((e) => [e.string, e.reason ?? ''] as const))('refuses %j (%s)', (addr, reason) => {
    if (reason === 'Invalid human-readable part') {
      expect(decodeSegwitAddress(addr).hrp).toBe('tc');
      expect(errCode(() => decodeForBitcoin(addr))).toBe('wrong-network');
    } else {
      expect(() => decodeSegwitAddress(addr)).toThrow(AddressError);
    }
  });
  test('BIP173 v1+ addresses (bech32 checksum) are refused since BIP350', () => {
    expect(obsoleteAddrs.length).toBe(3);
    const bip350Spks = validAddrs.map((e) => e.spk_hex);
    for (const e of obsoleteAddrs) {
      expect(decodeBech32String(e.string).encoding).toBe('bech32');
      expect(errCode(() => decodeSegwitAddress(e.string))).toBe('bad-encoding');
      expect(bip350Spks).toContain(e.spk_hex);
    }
  });
  test('errors say what is wrong', () => {
    const byReason = (r: string) => invalidAddrs.find((e) => e.reason === r)!.string;
    expect(errCode(() => decodeSegwitAddress(byReason('Invalid checksum (Bech32 instead of Bech32m)')))).toBe('bad-encoding');
    expect(errCode(() => decodeSegwitAddress(byReason('Invalid witness version')))).toBe('unsupported-version');
    expect(errCode(() => decodeSegwitAddress(byReason('Invalid program length (1 byte)')))).toBe('bad-program');
    expect(errCode(() => decodeSegwitAddress(byReason('Invalid program length for witness version 0 (per BIP141)')))).toBe('bad-program');
    expect(errCode(() => decodeSegwitAddress(byReason('Mixed case')))).toBe('bad-encoding');
  });
  test('the 32-byte taproot vector encodes back to itself', () => {
    const v = validAddrs.find((e) => e.string.startsWith('bc1p0xlx'))!;
    expect(encodeAddress(hexToBytes(v.spk_hex!).subarray(2), 'bc')).toBe(v.string);
  });
});

describe('Cairn addresses', () => {
  const key = hexToBytes('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');

  test('round trip on every network', () => {
    for (const hrp of Object.values(HRPS)) {
      const addr = encodeAddress(key, hrp);
      expect(addr.startsWith(hrp + '1p')).toBe(true);
      expect(addressToScript(addr, hrp)).toEqual(p2trScript(key));
      expect(scriptToAddress(p2trScript(key), hrp)).toBe(addr);
      const d = decodeSegwitAddress(addr);
      expect([d.hrp, d.version, bytesToHex(d.program)]).toEqual([hrp, 1, bytesToHex(key)]);
    }
    expect(HRPS).toEqual({ main: 'crn', devnet: 'tcrn', regtest: 'rcrn' });
  });

  test('an address of another network is refused, naming both HRPs', () => {
    const addr = encodeAddress(key, HRPS.devnet);
    let err: unknown;
    try {
      addressToScript(addr, HRPS.main);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AddressError);
    expect((err as AddressError).code).toBe('wrong-network');
    expect((err as AddressError).message).toContain("'tcrn'");
    expect((err as AddressError).message).toContain("'crn'");
    expect(errCode(() => addressToScript(encodeAddress(key, 'bc'), HRPS.regtest))).toBe('wrong-network');
  });

  test('v0 and other versions are refused for Cairn', () => {
    const v0 = segwitEncode('crn', 0, key, 'bech32');
    expect(decodeSegwitAddress(v0).version).toBe(0);
    expect(errCode(() => addressToScript(v0, 'crn'))).toBe('unsupported-version');
    const v2 = segwitEncode('crn', 2, key, 'bech32m');
    expect(errCode(() => addressToScript(v2, 'crn'))).toBe('unsupported-version');
    // v1 with a non-32-byte program is a valid segwit address but not P2TR
    const short = segwitEncode('crn', 1, key.subarray(0, 20), 'bech32m');
    expect(errCode(() => addressToScript(short, 'crn'))).toBe('bad-program');
    // v1 under the bech32 (v0) checksum is malformed
    expect(errCode(() => addressToScript(segwitEncode('crn', 1, key, 'bech32'), 'crn'))).toBe('bad-encoding');
  });

  test('uppercase is accepted, mixed case is refused', () => {
    const addr = encodeAddress(key, 'crn');
    expect(addressToScript(addr.toUpperCase(), 'crn')).toEqual(p2trScript(key));
    const mixed = addr.slice(0, 10) + addr.slice(10).toUpperCase();
    expect(errCode(() => addressToScript(mixed, 'crn'))).toBe('bad-encoding');
  });

  test('corruption is caught by the checksum', () => {
    const addr = encodeAddress(key, 'crn');
    const chars = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (let i = 4; i < addr.length; i++) {
      const c = chars[(chars.indexOf(addr[i]!) + 1) % 32]!;
      const bad = addr.slice(0, i) + c + addr.slice(i + 1);
      expect(errCode(() => addressToScript(bad, 'crn'))).toBe('bad-encoding');
    }
    expect(errCode(() => addressToScript('', 'crn'))).toBe('bad-encoding');
    expect(errCode(() => addressToScript(addr + 'q', 'crn'))).toBe('bad-encoding');
  });

  test('non-P2TR scripts have no address; bad keys are refused', () => {
    expect(scriptToAddress(opReturnScript(Uint8Array.of(1, 2, 3)), 'crn')).toBeNull();
    expect(scriptToAddress(new Uint8Array(0), 'crn')).toBeNull();
    expect(errCode(() => encodeAddress(new Uint8Array(31), 'crn'))).toBe('bad-program');
  });
});

// An independent minimal encoder (BIP173 reference algorithm) so test addresses with
// versions and checksums Cairn would never produce can be built.
function segwitEncode(hrp: string, version: number, program: Uint8Array, enc: 'bech32' | 'bech32m'): string {
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const words = [version];
  let acc = 0;
  let bits = 0;
  for (const b of program) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const polymod = (values: number[]): number => {
    const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let chk = 1;
    for (const v of values) {
      const top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
    }
    return chk >>> 0;
  };
  const hrpExpand = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));
  const constant = enc === 'bech32' ? 1 : 0x2bc830a3;
  const mod = (polymod([...hrpExpand, ...words, 0, 0, 0, 0, 0, 0]) ^ constant) >>> 0;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return hrp + '1' + [...words, ...checksum].map((w) => CHARSET[w]).join('');
}
