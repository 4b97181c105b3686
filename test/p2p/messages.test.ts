import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Block, BlockHeader, DecodeError, Tx, bytesToHex, hexToBytes, equalBytes } from '../../src/primitives/index.js';
import {
  COMMANDS,
  FRAME_HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  MSG_BLOCK,
  MSG_TX,
  MSG_WITNESS_BLOCK,
  MSG_WITNESS_TX,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  maxPayload,
  type Message,
} from '../../src/p2p/messages/index.js';
import * as headersMsg from '../../src/p2p/messages/headers.js';
import * as invMsg from '../../src/p2p/messages/inv.js';
import * as addrMsg from '../../src/p2p/messages/addr.js';
import * as versionMsg from '../../src/p2p/messages/version.js';

const MAGIC = 0x0b110907;
const realHeaders = readFileSync(new URL('../fixtures/btcd/blockheaders-mainnet-1-11.txt', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => BlockHeader.decode(hexToBytes(l.trim())));
const realBlock = Block.decode(new Uint8Array(readFileSync(new URL('../fixtures/bcoin/block898352.raw', import.meta.url))));

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** a node identity: 33 bytes, compressed-key prefix */
const identity = fc.tuple(fc.constantFrom(2, 3), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, x]) => Uint8Array.of(p, ...x));
const u32 = fc.nat({ max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const urlChars = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 });
const header = fc
  .record({ version: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), prevBlock: hash, merkleRoot: hash, time: u32, bits: u32, nonce: u32 })
  .map((f) => new BlockHeader(f));
const invItem = fc.record({ type: fc.constantFrom(MSG_TX, MSG_BLOCK, MSG_WITNESS_TX, MSG_WITNESS_BLOCK), hash });
const tx = fc
  .record({
    version: u32,
    inputs: fc.array(
      fc.record({
        prevout: fc.record({ txid: hash, vout: u32 }),
        scriptSig: fc.uint8Array({ maxLength: 40 }),
        sequence: u32,
        witness: fc.array(fc.uint8Array({ maxLength: 70 }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: 2n ** 62n }), script: fc.uint8Array({ maxLength: 34 }) }), { maxLength: 3 }),
    locktime: u32,
  })
  .map((f) => new Tx(f));

const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({
      version: u32,
      services: u64,
      time: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      magic: u32,
      genesis: hash,
      bestHeight: u32,
      nonce: u64,
      userAgent: fc.string({ maxLength: 60 }),
      listenUrl: fc.oneof(fc.constant(''), urlChars),
      relay: fc.boolean(),
    })
    .map((m) => ({ cmd: 'version' as const, ...m })),
  fc.constant({ cmd: 'verack' as const }),
  fc.constant({ cmd: 'getaddr' as const }),
  fc.constant({ cmd: 'sendheaders' as const }),
  fc.constant({ cmd: 'mempool' as const }),
  u64.map((nonce) => ({ cmd: 'ping' as const, nonce })),
  u64.map((nonce) => ({ cmd: 'pong' as const, nonce })),
  fc.record({ version: u32, locator: fc.array(hash, { maxLength: 101 }), stop: hash }).map((m) => ({ cmd: 'getheaders' as const, ...m })),
  fc.array(header, { maxLength: 20 }).map((headers) => ({ cmd: 'headers' as const, headers })),
  fc.array(invItem, { maxLength: 20 }).map((items) => ({ cmd: 'inv' as const, items })),
  fc.array(invItem, { maxLength: 20 }).map((items) => ({ cmd: 'getdata' as const, items })),
  fc.array(invItem, { maxLength: 20 }).map((items) => ({ cmd: 'notfound' as const, items })),
  tx.map((t) => ({ cmd: 'tx' as const, tx: t })),
  fc.array(
    fc.record({ time: u32, services: u64, url: urlChars, identity: fc.option(identity, { nil: undefined }) }).map((a) =>
      a.identity === undefined ? { time: a.time, services: a.services, url: a.url } : a,
    ),
    { maxLength: 10 },
  ).map((addrs) => ({ cmd: 'addr' as const, addrs })),
);

/** Canonical comparison: bytes and objects flattened so Uint8Array/bigint compare by value. */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return 'hex:' + bytesToHex(v);
  if (typeof v === 'bigint') return 'big:' + v.toString();
  if (v instanceof BlockHeader || v instanceof Tx || v instanceof Block) return 'hex:' + bytesToHex(v.encode());
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

function expectDecodeError(f: () => unknown, code?: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DecodeError);
  if (code) expect((err as DecodeError).code).toBe(code);
}

describe('message codecs', () => {
  it('round-trips every message kind through the frame', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeMessage(MAGIC, m);
        const back = decodeMessage(MAGIC, bytes);
        expect(norm(back)).toEqual(norm(m));
        expect(equalBytes(encodeMessage(MAGIC, back), bytes)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('carries real mainnet headers and a real segwit block unchanged', () => {
    const h = decodeMessage(MAGIC, encodeMessage(MAGIC, { cmd: 'headers', headers: realHeaders }));
    expect(h.cmd).toBe('headers');
    if (h.cmd !== 'headers') return;
    expect(h.headers.map((x) => x.hashHex())).toEqual(realHeaders.map((x) => x.hashHex()));
    // header n+1 links to header n: the fixture really is a chain
    for (let i = 1; i < h.headers.length; i++) expect(equalBytes(h.headers[i]!.prevBlock, h.headers[i - 1]!.hash())).toBe(true);
    const b = decodeMessage(MAGIC, encodeMessage(MAGIC, { cmd: 'block', block: realBlock }));
    if (b.cmd !== 'block') throw new Error('wrong cmd');
    expect(b.block.hashHex()).toBe(realBlock.hashHex());
    expect(equalBytes(b.block.encode(), realBlock.encode())).toBe(true);
  });

  it('frames as magic | 12-byte NUL-padded command | u32le length | payload', () => {
    const f = encodeMessage(0x11223344, { cmd: 'ping', nonce: 0x0102030405060708n });
    expect(bytesToHex(f)).toBe('44332211' + bytesToHex(new TextEncoder().encode('ping')) + '00'.repeat(8) + '08000000' + '0807060504030201');
    expect(FRAME_HEADER_SIZE).toBe(20);
    expect(MAX_MESSAGE_SIZE).toBe(20 + 4_000_000);
  });

  it('refuses wrong magic, unknown and misspelt commands, and length mismatches', () => {
    const f = encodeMessage(MAGIC, { cmd: 'ping', nonce: 7n });
    expectDecodeError(() => decodeMessage(MAGIC + 1, f), 'bad-magic');
    const unknown = f.slice();
    unknown.set(new TextEncoder().encode('pang'), 4);
    expectDecodeError(() => decodeMessage(MAGIC, unknown), 'unknown-command');
    const gap = f.slice();
    gap[10] = 0x41; // a letter after NUL padding
    expectDecodeError(() => decodeMessage(MAGIC, gap), 'bad-command');
    const ctrl = f.slice();
    ctrl[4] = 0x07;
    expectDecodeError(() => decodeMessage(MAGIC, ctrl), 'bad-command');
    expectDecodeError(() => decodeMessage(MAGIC, f.subarray(0, f.length - 1)), 'bad-length');
    const longer = new Uint8Array(f.length + 1);
    longer.set(f);
    expectDecodeError(() => decodeMessage(MAGIC, longer), 'bad-length');
    expectDecodeError(() => decodeMessage(MAGIC, f.subarray(0, 19)), 'truncated');
  });

  it('refuses a payload larger than the command allows, before decoding it', () => {
    // a verack that carries a byte, with a correct declared length
    const f = encodeMessage(MAGIC, { cmd: 'verack' });
    const big = new Uint8Array(f.length + 1);
    big.set(f);
    new DataView(big.buffer).setUint32(16, 1, true);
    expectDecodeError(() => decodeMessage(MAGIC, big), 'oversized');
    const pingBig = new Uint8Array(FRAME_HEADER_SIZE + 9);
    pingBig.set(encodeMessage(MAGIC, { cmd: 'ping', nonce: 1n }).subarray(0, 16));
    new DataView(pingBig.buffer).setUint32(16, 9, true);
    expectDecodeError(() => decodeMessage(MAGIC, pingBig), 'oversized');
    for (const c of COMMANDS) expect(maxPayload(c)).toBeGreaterThanOrEqual(0);
  });

  it('enforces the per-message item limits on decode and encode', () => {
    const h0 = realHeaders[0]!;
    const tooMany = new Array(headersMsg.MAX_HEADERS + 1).fill(h0);
    expect(() => headersMsg.encode({ headers: tooMany })).toThrow(RangeError);
    // hand-built payload with 2001 entries
    const entry = new Uint8Array(81);
    entry.set(h0.encode());
    const payload = new Uint8Array(3 + 2001 * 81);
    payload.set([0xfd, 2001 & 0xff, 2001 >> 8]);
    for (let i = 0; i < 2001; i++) payload.set(entry, 3 + i * 81);
    expectDecodeError(() => headersMsg.decode(payload), 'oversized');
    // a header followed by a non-zero tx count
    const withTx = headersMsg.encode({ headers: [h0] });
    withTx[withTx.length - 1] = 1;
    expectDecodeError(() => headersMsg.decode(withTx), 'headers-with-txs');
    // 50,001 inventory items
    const inv = new Uint8Array(5);
    inv.set([0xfe, 0x51, 0xc3, 0x00, 0x00]); // 50,001 in a 5-byte CompactSize: non-canonical, refused either way
    expectDecodeError(() => invMsg.decode(inv));
    const inv2 = new Uint8Array(3);
    inv2.set([0xfd, 0x51, 0xc3]);
    expectDecodeError(() => invMsg.decode(inv2), 'oversized');
    // unknown inventory type
    const unk = invMsg.encode({ items: [{ type: MSG_TX, hash: new Uint8Array(32) }] });
    unk[1] = 9;
    expectDecodeError(() => invMsg.decode(unk), 'unknown-inv-type');
    expect(() => addrMsg.encode({ addrs: new Array(1001).fill({ time: 0, services: 0n, url: 'ws://a:1' }) })).toThrow(RangeError);
    const addr = addrMsg.encode({ addrs: [{ time: 1, services: 0n, url: 'ws://a:1' }] });
    expectDecodeError(() => addrMsg.decode(addr.map((b, i) => (i === 14 ? 0x20 : b))), 'bad-url'); // a space inside the URL
    expectDecodeError(() => addrMsg.decode(addr.map((b, i) => (i === addr.length - 1 ? 2 : b))), 'bad-addr-flags');
    expect(() => addrMsg.encode({ addrs: [{ time: 1, services: 0n, url: 'x'.repeat(201) }] })).toThrow(RangeError);
    // identities are the 33-byte compressed keys the Noise handshake authenticates (issue #16)
    const id33 = Uint8Array.of(3, ...new Uint8Array(32).fill(7));
    const withId = addrMsg.encode({ addrs: [{ time: 1, services: 0n, url: 'ws://a:1', identity: id33 }] });
    expect(withId.length).toBe(addr.length + 33);
    expect(addrMsg.decode(withId).addrs[0]!.identity).toEqual(id33);
    expect(() => addrMsg.encode({ addrs: [{ time: 1, services: 0n, url: 'ws://a:1', identity: id33.subarray(1) }] })).toThrow(RangeError);
    expectDecodeError(() => addrMsg.decode(withId.map((b, i) => (i === addr.length ? 4 : b))), 'bad-identity');
    expectDecodeError(() => addrMsg.decode(withId.subarray(0, withId.length - 1)));
    expect(addrMsg.MAX_PAYLOAD).toBe(3 + 1000 * (4 + 8 + 1 + 200 + 1 + 33));
    const v = versionMsg.encode({
      version: 1, services: 0n, time: 0n, magic: 1, genesis: new Uint8Array(32), bestHeight: 0, nonce: 0n, userAgent: 'é', listenUrl: '', relay: true,
    });
    const badUtf8 = v.slice();
    badUtf8[4 + 8 + 8 + 4 + 32 + 4 + 8 + 1] = 0xff;
    expectDecodeError(() => versionMsg.decode(badUtf8), 'bad-string');
  });

  it('only ever throws DecodeError on truncated, extended or random bytes', () => {
    const samples = fc.sample(message, { numRuns: 60, seed: 42 }).map((m) => encodeMessage(MAGIC, m));
    samples.push(encodeMessage(MAGIC, { cmd: 'headers', headers: realHeaders }));
    for (const f of samples) {
      for (let cut = FRAME_HEADER_SIZE; cut < f.length; cut += Math.max(1, Math.floor(f.length / 40))) {
        // truncated payload with the length field patched to match, so the payload codec itself runs
        const t = f.slice(0, cut);
        new DataView(t.buffer).setUint32(16, cut - FRAME_HEADER_SIZE, true);
        expectDecodeError(() => decodeMessage(MAGIC, t));
      }
    }
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.uint8Array({ maxLength: 600 }), (cmd, payload) => {
        const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
        const dv = new DataView(frame.buffer);
        dv.setUint32(0, MAGIC, true);
        frame.set(new TextEncoder().encode(cmd), 4);
        dv.setUint32(16, payload.length, true);
        frame.set(payload, FRAME_HEADER_SIZE);
        try {
          decodeMessage(MAGIC, frame);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        try {
          decodeMessage(MAGIC, bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});

describe('encodeFrame (a stored block served as its bytes)', () => {
  it('frames a block\'s stored bytes exactly as encoding the decoded block would', () => {
    const raw = realBlock.encode();
    const framed = encodeFrame(MAGIC, 'block', raw);
    expect(equalBytes(framed, encodeMessage(MAGIC, { cmd: 'block', block: Block.decode(raw) }))).toBe(true);
    const back = decodeMessage(MAGIC, framed);
    expect(back.cmd).toBe('block');
    expect(back.cmd === 'block' && back.block.hashHex()).toBe(realBlock.hashHex());
  });

  it('refuses a payload over the command\'s limit', () => {
    expect(() => encodeFrame(MAGIC, 'block', new Uint8Array(maxPayload('block') + 1))).toThrow(RangeError);
    expect(() => encodeFrame(MAGIC, 'ping', new Uint8Array(9))).toThrow(RangeError);
  });
});
