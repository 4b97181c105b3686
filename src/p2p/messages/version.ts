// version: the first message each side sends. It names the network twice (frame magic
// and here, with the genesis hash) so a peer of another chain that shares a magic is
// still refused, and carries a nonce that lets a node notice it dialled itself.
import { BufReader, BufWriter } from '../../primitives/index.js';
import { checkU32, checkU64, decodeWith, encodeWith, readString, readUrl, writeHash, writeString, writeUrl } from './codec.js';

export const MAX_USER_AGENT = 256;
/** The URL the sender accepts connections on ('' when it does not listen). */
export const MAX_LISTEN_URL = 200;
export const MAX_PAYLOAD = 4 + 8 + 8 + 4 + 32 + 4 + 8 + 3 + MAX_USER_AGENT + 1 + MAX_LISTEN_URL + 1;

export interface VersionMessage {
  /** protocol version */
  readonly version: number;
  /** service bits (u64) */
  readonly services: bigint;
  /** sender's clock, unix seconds */
  readonly time: bigint;
  /** network magic, repeated from the frame */
  readonly magic: number;
  /** genesis block hash, internal byte order */
  readonly genesis: Uint8Array;
  readonly bestHeight: number;
  /** random per connection; equal to one of our own → we connected to ourselves */
  readonly nonce: bigint;
  readonly userAgent: string;
  readonly listenUrl: string;
  /** false asks the peer not to announce transactions */
  readonly relay: boolean;
}

export function write(w: BufWriter, m: VersionMessage): void {
  w.u32(checkU32(m.version, 'version'));
  w.u64(checkU64(m.services, 'services'));
  w.i64(m.time);
  w.u32(checkU32(m.magic, 'magic'));
  writeHash(w, m.genesis, 'genesis');
  w.u32(checkU32(m.bestHeight, 'bestHeight'));
  w.u64(checkU64(m.nonce, 'nonce'));
  writeString(w, m.userAgent, MAX_USER_AGENT, 'user agent');
  writeUrl(w, m.listenUrl, MAX_LISTEN_URL, true);
  w.u8(m.relay ? 1 : 0);
}

export function read(r: BufReader): VersionMessage {
  const version = r.u32();
  const services = r.u64();
  const time = r.i64();
  const magic = r.u32();
  const genesis = r.copy(32);
  const bestHeight = r.u32();
  const nonce = r.u64();
  const userAgent = readString(r, MAX_USER_AGENT);
  const listenUrl = readUrl(r, MAX_LISTEN_URL, true);
  const relay = r.u8() !== 0;
  return { version, services, time, magic, genesis, bestHeight, nonce, userAgent, listenUrl, relay };
}

export function encode(m: VersionMessage): Uint8Array {
  return encodeWith(128, (w) => write(w, m));
}

export function decode(payload: Uint8Array): VersionMessage {
  return decodeWith(payload, read);
}
