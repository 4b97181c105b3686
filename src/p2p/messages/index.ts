// Framing and the Message union. A frame is
//   magic u32le | command 12 bytes ASCII, NUL-padded | payload length u32le | payload
// with no checksum: the transport (WebSocket, later an encrypted channel) already
// frames messages and protects their integrity. decodeMessage checks, in order, the
// frame size, magic, command, declared length against the actual length and the
// command's own MAX_PAYLOAD, before the payload codec runs; it throws only DecodeError
// (code 'unknown-command' for well-formed frames of commands we do not know, which a
// peer scores lightly; everything else is malformed).
import { BufWriter, DecodeError } from '../../primitives/index.js';
import * as addr from './addr.js';
import { emptyCodec, type GetaddrMessage, type MempoolMessage, type SendheadersMessage, type VerackMessage } from './empty.js';
import * as block from './block.js';
import * as blocktxn from './blocktxn.js';
import * as cmpctblock from './cmpctblock.js';
import * as getblocktxn from './getblocktxn.js';
import * as getdata from './getdata.js';
import * as getheaders from './getheaders.js';
import * as headers from './headers.js';
import * as inv from './inv.js';
import * as notfound from './notfound.js';
import * as ping from './ping.js';
import * as pong from './pong.js';
import * as sendcmpct from './sendcmpct.js';
import * as tx from './tx.js';
import * as version from './version.js';

export * from './invvect.js';
export type { VersionMessage } from './version.js';
export type { EmptyMessage, GetaddrMessage, MempoolMessage, SendheadersMessage, VerackMessage } from './empty.js';
export type { PingMessage } from './ping.js';
export type { PongMessage } from './pong.js';
export type { GetHeadersMessage } from './getheaders.js';
export type { HeadersMessage } from './headers.js';
export type { BlockMessage } from './block.js';
export type { TxMessage } from './tx.js';
export type { AddrMessage, NetAddress } from './addr.js';
export type { SendcmpctMessage } from './sendcmpct.js';
export type { CmpctblockMessage, PrefilledTx } from './cmpctblock.js';
export type { GetblocktxnMessage } from './getblocktxn.js';
export type { BlocktxnMessage } from './blocktxn.js';
export { IDENTITY_SIZE, MAX_ADDR, MAX_URL, isIdentityBytes } from './addr.js';
export { MAX_HEADERS } from './headers.js';
export { MAX_LOCATOR } from './getheaders.js';
export { MAX_USER_AGENT, MAX_LISTEN_URL } from './version.js';

export const FRAME_HEADER_SIZE = 20;
const COMMAND_SIZE = 12;

interface Codec<T> {
  readonly MAX_PAYLOAD: number;
  encode(m: T): Uint8Array;
  decode(payload: Uint8Array): T;
}

/** Payload shape of each command (the frame adds `cmd`). */
export interface Payloads {
  version: version.VersionMessage;
  verack: VerackMessage;
  ping: ping.PingMessage;
  pong: pong.PongMessage;
  getheaders: getheaders.GetHeadersMessage;
  headers: headers.HeadersMessage;
  inv: inv.InvMessage;
  getdata: getdata.GetDataMessage;
  notfound: notfound.NotFoundMessage;
  block: block.BlockMessage;
  tx: tx.TxMessage;
  getaddr: GetaddrMessage;
  addr: addr.AddrMessage;
  sendheaders: SendheadersMessage;
  mempool: MempoolMessage;
  sendcmpct: sendcmpct.SendcmpctMessage;
  cmpctblock: cmpctblock.CmpctblockMessage;
  getblocktxn: getblocktxn.GetblocktxnMessage;
  blocktxn: blocktxn.BlocktxnMessage;
}

export type Command = keyof Payloads;
export type MessageOf<K extends Command> = { readonly cmd: K } & Payloads[K];
export type Message = { [K in Command]: MessageOf<K> }[Command];

const CODECS: { readonly [K in Command]: Codec<Payloads[K]> } = {
  version,
  verack: emptyCodec,
  ping,
  pong,
  getheaders,
  headers,
  inv,
  getdata,
  notfound,
  block,
  tx,
  getaddr: emptyCodec,
  addr,
  sendheaders: emptyCodec,
  mempool: emptyCodec,
  sendcmpct,
  cmpctblock,
  getblocktxn,
  blocktxn,
};

export const COMMANDS: readonly Command[] = Object.keys(CODECS) as Command[];

export function isCommand(s: string): s is Command {
  return Object.prototype.hasOwnProperty.call(CODECS, s);
}

/** Largest payload each command may carry. */
export function maxPayload(cmd: Command): number {
  return CODECS[cmd].MAX_PAYLOAD;
}

/** Largest frame of any command: what transports must accept, and no more. */
export const MAX_MESSAGE_SIZE = FRAME_HEADER_SIZE + Math.max(...COMMANDS.map(maxPayload));

/** Payload bytes of a message, without the frame. */
export function encodePayload(msg: Message): Uint8Array {
  const codec = CODECS[msg.cmd] as Codec<Message>;
  return codec.encode(msg);
}

export function encodeMessage(magic: number, msg: Message): Uint8Array {
  if (!isCommand(msg.cmd)) throw new RangeError(`p2p: unknown command ${String(msg.cmd)}`);
  return encodeFrame(magic, msg.cmd, encodePayload(msg));
}

/**
 * A frame around a payload already encoded (a stored block is sent as its bytes, never
 * decoded); the payload must be what `cmd`'s codec would have written.
 */
export function encodeFrame(magic: number, command: Command, payload: Uint8Array): Uint8Array {
  if (payload.length > maxPayload(command)) throw new RangeError(`p2p: ${command} payload exceeds ${maxPayload(command)} bytes`);
  const w = new BufWriter(FRAME_HEADER_SIZE + payload.length);
  w.u32(magic);
  const cmd = new Uint8Array(COMMAND_SIZE);
  for (let i = 0; i < command.length; i++) cmd[i] = command.charCodeAt(i);
  w.bytes(cmd).u32(payload.length).bytes(payload);
  return w.finish();
}

export interface FrameHeader {
  readonly magic: number;
  readonly command: string;
  readonly length: number;
}

/**
 * Reads and checks the frame header only: magic, command spelling, declared length equal
 * to what follows. Does not require the command to be known.
 */
export function decodeFrameHeader(magic: number, bytes: Uint8Array): FrameHeader {
  if (bytes.length < FRAME_HEADER_SIZE) throw new DecodeError('truncated', `decode: frame of ${bytes.length} bytes is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, true);
  if (got !== magic >>> 0) throw new DecodeError('bad-magic', `decode: wrong network magic ${got.toString(16)}`);
  let command = '';
  let ended = false;
  for (let i = 0; i < COMMAND_SIZE; i++) {
    const c = bytes[4 + i]!;
    if (c === 0) {
      ended = true;
    } else if (ended || c < 0x20 || c > 0x7e) {
      throw new DecodeError('bad-command', 'decode: command must be printable ASCII followed only by NUL padding');
    } else {
      command += String.fromCharCode(c);
    }
  }
  if (command.length === 0) throw new DecodeError('bad-command', 'decode: empty command');
  const length = view.getUint32(16, true);
  if (length !== bytes.length - FRAME_HEADER_SIZE) {
    throw new DecodeError('bad-length', `decode: frame declares ${length} payload bytes but carries ${bytes.length - FRAME_HEADER_SIZE}`);
  }
  return { magic: got, command, length };
}

export function decodeMessage(magic: number, bytes: Uint8Array): Message {
  const h = decodeFrameHeader(magic, bytes);
  if (!isCommand(h.command)) throw new DecodeError('unknown-command', `decode: unknown command ${JSON.stringify(h.command)}`);
  const max = maxPayload(h.command);
  if (h.length > max) throw new DecodeError('oversized', `decode: ${h.command} payload of ${h.length} bytes exceeds ${max}`);
  const codec = CODECS[h.command] as Codec<Payloads[Command]>;
  const payload = codec.decode(bytes.subarray(FRAME_HEADER_SIZE));
  return { cmd: h.command, ...payload } as Message;
}
