// addr: peer addresses for gossip (answer to getaddr, or unsolicited when a peer first
// learns an address). Peers are addressed by URL (ws://host:port), optionally with the
// node's identity: its 33-byte compressed secp256k1 static key, exactly what the Noise
// handshake authenticates (a 02/03 prefix byte, then x).
import { BufReader, BufWriter, DecodeError } from '../../primitives/index.js';
import { checkU32, checkU64, decodeWith, encodeWith, readUrl, writeUrl } from './codec.js';

export const MAX_ADDR = 1000;
export const MAX_URL = 200;
const FLAG_IDENTITY = 1;
/** a node identity: compressed secp256k1 public key */
export const IDENTITY_SIZE = 33;
/** time, services, url (1-byte length), flags, identity */
export const MAX_ENTRY_SIZE = 4 + 8 + 1 + MAX_URL + 1 + IDENTITY_SIZE;
const MIN_ENTRY_SIZE = 4 + 8 + 1 + 1 + 1;
export const MAX_PAYLOAD = 3 + MAX_ADDR * MAX_ENTRY_SIZE;

export interface NetAddress {
  /** last time the address was seen working, unix seconds */
  readonly time: number;
  readonly services: bigint;
  readonly url: string;
  readonly identity?: Uint8Array;
}

export interface AddrMessage {
  readonly addrs: readonly NetAddress[];
}

export function writeAddress(w: BufWriter, a: NetAddress): void {
  w.u32(checkU32(a.time, 'time')).u64(checkU64(a.services, 'services'));
  writeUrl(w, a.url, MAX_URL, false);
  if (a.identity !== undefined) {
    if (!isIdentityBytes(a.identity)) throw new RangeError(`p2p: identity must be a ${IDENTITY_SIZE}-byte compressed public key`);
    w.u8(FLAG_IDENTITY).bytes(a.identity);
  } else {
    w.u8(0);
  }
}

export function readAddress(r: BufReader): NetAddress {
  const time = r.u32();
  const services = r.u64();
  const url = readUrl(r, MAX_URL, false);
  const flags = r.u8();
  if (flags & ~FLAG_IDENTITY) throw new DecodeError('bad-addr-flags', `decode: unknown address flags ${flags}`);
  if (!(flags & FLAG_IDENTITY)) return { time, services, url };
  const identity = r.copy(IDENTITY_SIZE);
  if (!isIdentityBytes(identity)) throw new DecodeError('bad-identity', `decode: identity prefix 0x${identity[0]!.toString(16)} is not 02 or 03`);
  return { time, services, url, identity };
}

/** 33 bytes starting 02 or 03 (a compressed point's shape; whether x is on the curve is the handshake's business). */
export function isIdentityBytes(b: Uint8Array): boolean {
  return b.length === IDENTITY_SIZE && (b[0] === 2 || b[0] === 3);
}

export function encode(m: AddrMessage): Uint8Array {
  if (m.addrs.length > MAX_ADDR) throw new RangeError(`p2p: more than ${MAX_ADDR} addresses`);
  return encodeWith(3 + m.addrs.length * 48, (w) => {
    w.varint(m.addrs.length);
    for (const a of m.addrs) writeAddress(w, a);
  });
}

export function decode(payload: Uint8Array): AddrMessage {
  return decodeWith(payload, (r) => {
    const n = r.count(MIN_ENTRY_SIZE, MAX_ADDR);
    const addrs: NetAddress[] = new Array(n);
    for (let i = 0; i < n; i++) addrs[i] = readAddress(r);
    return { addrs };
  });
}
