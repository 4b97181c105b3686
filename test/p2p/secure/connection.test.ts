// secureConnection over in-process pairs with a wiretap in the middle: what an
// eavesdropper sees, what an active attacker can (not) do, identity pinning, allow-lists,
// opt-in plaintext, rekeying and timeouts.
import { describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { regtestParams } from '../../../src/consensus/params.js';
import { encodeMessage } from '../../../src/p2p/messages/index.js';
import {
  REKEY_INTERVAL,
  SecureError,
  SecureStats,
  type SecureConnection,
  type SecureOptions,
  identityFromSecret,
  secureConnection,
} from '../../../src/p2p/secure/index.js';
import { MemoryNetwork } from '../../../src/p2p/transport.js';
import { Block, ManualClock, bytesToHex, seededRng } from '../../../src/primitives/index.js';
import { type Rewrite, TapConnection, indexOf, until } from './tap.js';

const A = identityFromSecret(new Uint8Array(32).fill(0xa1));
const B = identityFromSecret(new Uint8Array(32).fill(0xb2));
const C = identityFromSecret(new Uint8Array(32).fill(0xc3));
const MAGIC = regtestParams.magic;
const block = Block.decode(new Uint8Array(readFileSync(new URL('../../fixtures/bcoin/block898352.raw', import.meta.url))));
const tx = block.txs[1]!;
const txMsg = encodeMessage(MAGIC, { cmd: 'tx', tx });
const blockMsg = encodeMessage(MAGIC, { cmd: 'block', block });

type Opts = Omit<SecureOptions, 'identity' | 'rng'>;

interface Side {
  tap: TapConnection;
  result: PromiseSettledResult<SecureConnection>;
  got: Uint8Array[];
  closed?: string;
  stats: SecureStats;
  warnings: string[];
}

async function connect(aOpts: Opts = {}, bOpts: Opts = {}, attack?: { onA?: Rewrite; onB?: Rewrite }) {
  const net = new MemoryNetwork();
  const [ca, cb] = net.pair('a', 'b');
  const rng = seededRng(42);
  const mk = (conn: TapConnection, identity = A, o: Opts): [Side, Promise<SecureConnection>] => {
    const side = { tap: conn, got: [], stats: o.stats ?? new SecureStats(), warnings: [] } as unknown as Side;
    const log = { info() {}, warn: (_o: object, msg: string) => side.warnings.push(msg) };
    const p = secureConnection(conn, { identity, rng, ...o, stats: side.stats, log });
    return [side, p];
  };
  const ta = new TapConnection(ca);
  const tb = new TapConnection(cb);
  if (attack?.onA) ta.rewrite = attack.onA;
  if (attack?.onB) tb.rewrite = attack.onB;
  const [a, pa] = mk(ta, A, aOpts);
  const [b, pb] = mk(tb, B, bOpts);
  const [ra, rb] = await Promise.allSettled([pa, pb]);
  a.result = ra;
  b.result = rb;
  for (const s of [a, b]) {
    if (s.result.status === 'fulfilled') {
      s.result.value.onMessage((d) => s.got.push(d));
      s.result.value.onClose((r) => (s.closed = r));
    }
  }
  return { a, b };
}

const ok = (s: Side): SecureConnection => {
  if (s.result.status !== 'fulfilled') throw s.result.reason;
  return s.result.value;
};
const err = (s: Side): SecureError => {
  if (s.result.status !== 'rejected') throw new Error('expected the handshake to fail');
  return s.result.reason as SecureError;
};
const msg = (i: number) => new TextEncoder().encode(`message number ${i}`);

describe('secure connection handshake', () => {
  it('authenticates both identities and both sides show the same session id', async () => {
    const { a, b } = await connect();
    const ca = ok(a);
    const cb = ok(b);
    expect(ca.remoteIdentity).toBe(B.id);
    expect(cb.remoteIdentity).toBe(A.id);
    expect(ca.sessionId).toMatch(/^[0-9a-f]{16}$/);
    expect(ca.sessionId).toBe(cb.sessionId);
    expect(ca.encrypted && cb.encrypted).toBe(true);
    expect(a.stats.handshakes.encrypted).toBe(1);
    expect(ca.inbound).toBe(false);
    expect(cb.inbound).toBe(true);
  });

  it('carries messages both ways, in order, including a block-sized one', async () => {
    const { a, b } = await connect();
    const big = new Uint8Array(1_500_000).map((_, i) => i * 7);
    for (let i = 0; i < 5; i++) ok(a).send(msg(i));
    ok(a).send(big);
    ok(b).send(msg(99));
    await until(() => b.got.length === 6 && a.got.length === 1, 'delivery');
    expect(b.got.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map(msg));
    expect(bytesToHex(b.got[5]!)).toBe(bytesToHex(big));
    expect(a.got).toEqual([msg(99)]);
  });

  it('delivers messages that arrive before the user subscribes', async () => {
    const net = new MemoryNetwork();
    const [ca, cb] = net.pair();
    const rng = seededRng(7);
    const [sa, sb] = await Promise.all([secureConnection(ca, { identity: A, rng }), secureConnection(cb, { identity: B, rng })]);
    sa.send(msg(1));
    sa.send(msg(2));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const got: Uint8Array[] = [];
    sb.onMessage((d) => got.push(d));
    sa.send(msg(3));
    await until(() => got.length === 3, 'early messages');
    expect(got).toEqual([msg(1), msg(2), msg(3)]);
  });

  it('an eavesdropper sees no transaction or block bytes, hashes, magic or command names', async () => {
    const { a, b } = await connect();
    ok(a).send(txMsg);
    ok(a).send(blockMsg);
    ok(b).send(txMsg);
    await until(() => b.got.length === 2 && a.got.length === 1, 'delivery');
    expect(b.got).toEqual([txMsg, blockMsg]);
    const wire = [...a.tap.sent, ...a.tap.received];
    const secrets = leaks();
    const found = (frames: Uint8Array[]) => secrets.filter(([, s]) => frames.some((f) => indexOf(f, s) >= 0)).map(([n]) => n);
    expect(found(wire)).toEqual([]);
    // The same check on the plaintext finds every piece of it (ids are hashes, not
    // carried in the messages), so the check can fail.
    const ids = ['txid', 'wtxid', 'block hash'];
    expect(found([txMsg, blockMsg])).toEqual(secrets.map(([n]) => n).filter((n) => !ids.includes(n)));
  });

  function leaks(): [string, Uint8Array][] {
    const out: [string, Uint8Array][] = [];
    const cmd = (s: string) => {
      const c = new Uint8Array(12);
      c.set(new TextEncoder().encode(s));
      return c;
    };
    out.push(['cmd tx', cmd('tx')], ['cmd block', cmd('block')], ['magic+cmd', blockMsg.subarray(0, 8)]);
    out.push(['txid', tx.txid()], ['wtxid', tx.wtxid()], ['block hash', block.header.hash()], ['header', block.header.encode()]);
    out.push(['merkle root', block.header.encode().subarray(36, 68)]);
    for (let o = 20; o + 12 <= txMsg.length; o += 12) out.push([`tx bytes @${o}`, txMsg.subarray(o, o + 12)]);
    for (let o = 20; o + 16 <= blockMsg.length; o += 64) out.push([`block bytes @${o}`, blockMsg.subarray(o, o + 16)]);
    return out;
  }
});

describe('an active attacker closes the connection and changes nothing', () => {
  // Handshake frames seen by the responder: msg1 and msg3; data frames follow.
  const HS = 2;
  async function attacked(name: string, rewrite: (f: Uint8Array, k: number, held: Uint8Array[]) => Uint8Array[]) {
    const held: Uint8Array[] = [];
    const { a, b } = await connect({}, {}, { onB: (f, i) => (i < HS ? [f] : rewrite(f, i - HS, held)) });
    for (let i = 0; i < 5; i++) ok(a).send(msg(i));
    await until(() => b.closed !== undefined, `${name} to close`);
    await until(() => a.closed !== undefined, 'the sender to see the close');
    return { a, b };
  }

  it.each<[string, string, (f: Uint8Array, k: number, held: Uint8Array[]) => Uint8Array[], number]>([
    ['a flipped ciphertext byte', 'tampered', (f, k) => (k === 2 ? [flip(f, 20)] : [f]), 2],
    ['a flipped tag byte', 'tampered', (f, k) => (k === 2 ? [flip(f, f.length - 1)] : [f]), 2],
    ['a replayed frame', 'replay', (f, k) => (k === 1 ? [f, f] : [f]), 2],
    ['two reordered frames', 'reorder', (f, k, held) => (k === 1 ? (held.push(f), []) : k === 2 ? [f, held[0]!] : [f]), 1],
    ['a dropped frame', 'reorder', (f, k) => (k === 1 ? [] : [f]), 1],
    ['a truncated frame', 'truncated', (f, k) => (k === 2 ? [f.subarray(0, f.length - 3)] : [f]), 2],
    ['a frame cut inside its header', 'malformed', (f, k) => (k === 0 ? [f.subarray(0, 10)] : [f]), 0],
    ['a frame with bytes appended', 'malformed', (f, k) => (k === 3 ? [new Uint8Array([...f, 0])] : [f]), 3],
  ])('%s → closed as %s', async (name, reason, rewrite, delivered) => {
    const { a, b } = await attacked(name, rewrite);
    expect(b.stats.failures[reason as keyof SecureStats['failures']]).toBe(1);
    expect(b.stats.totalFailures()).toBe(1);
    // The handler saw exactly the frames before the bad one, untouched.
    expect(b.got).toEqual([0, 1, 2, 3, 4].slice(0, delivered).map(msg));
    expect(b.closed).toBeDefined();
    expect(b.warnings).toHaveLength(1);
    expect(a.closed).toMatch(/remote closed/);
    // Nothing more is delivered or sent after the close.
    ok(a).send(msg(100));
    ok(b).send(msg(101));
    await new Promise((r) => setImmediate(r));
    expect(b.got).toHaveLength(delivered);
    expect(a.got).toHaveLength(0);
  });

  it('a tampered handshake message fails the handshake on both sides', async () => {
    // Flip a bit of the responder's encrypted static key in msg2 (seen by the initiator).
    const { a, b } = await connect({}, {}, { onA: (f, i) => (i === 0 ? [flip(f, 40)] : [f]) });
    expect(err(a).code).toBe('handshake');
    expect(a.stats.failures.handshake).toBe(1);
    expect(b.result.status).toBe('rejected');
  });
});

function flip(f: Uint8Array, at: number): Uint8Array {
  const c = f.slice();
  c[at]! ^= 0x01;
  return c;
}

describe('identities: pinning, allow-lists, refusals', () => {
  it('a pinned peer presenting another identity is refused before we reveal ours', async () => {
    const { a, b } = await connect({ expectedIdentity: C.id });
    const e = err(a);
    expect(e).toBeInstanceOf(SecureError);
    expect(e.code).toBe('identity-mismatch');
    expect(e.message).toBe(`IdentityMismatch: expected ${C.id}, peer presented ${B.id}`);
    expect(a.warnings[0]).toContain(`IdentityMismatch: expected ${C.id}, peer presented ${B.id}`);
    expect(a.stats.failures['identity-mismatch']).toBe(1);
    // Only msg1 went out: the initiator's static key never left.
    expect(a.tap.sent).toHaveLength(1);
    expect(b.result.status).toBe('rejected');
  });

  it('the right pin connects', async () => {
    const { a } = await connect({ expectedIdentity: B.id.toUpperCase() });
    expect(ok(a).remoteIdentity).toBe(B.id);
  });

  it('an allow-list refuses an unlisted peer and admits a listed one', async () => {
    const refused = await connect({}, { allowPeers: new Set([C.id]) });
    expect(err(refused.b).code).toBe('not-allowed');
    expect(err(refused.b).message).toContain(A.id);
    expect(refused.b.stats.failures['not-allowed']).toBe(1);
    await until(() => refused.a.closed !== undefined, 'initiator to be closed');
    expect(refused.a.closed).toContain('allow-list');
    expect(refused.a.got).toHaveLength(0);

    const admitted = await connect({}, { allowPeers: new Set([A.id, C.id]) });
    expect(ok(admitted.b).remoteIdentity).toBe(A.id);
  });

  it('refuseIdentity (bans by identity) refuses on either side', async () => {
    const inbound = await connect({}, { refuseIdentity: (id) => (id === A.id ? 'banned until tomorrow' : undefined) });
    expect(err(inbound.b).code).toBe('refused');
    expect(err(inbound.b).message).toContain('banned until tomorrow');
    const outbound = await connect({ refuseIdentity: (id) => (id === B.id ? 'banned' : undefined) });
    expect(err(outbound.a).code).toBe('refused');
  });
});

describe('plaintext only when both sides allow it', () => {
  it('both allow: plaintext frames, no identities, a warning', async () => {
    const { a, b } = await connect({ allowPlaintext: true }, { allowPlaintext: true });
    expect(ok(a).encrypted).toBe(false);
    expect(ok(b).encrypted).toBe(false);
    expect(ok(a).remoteIdentity).toBeNull();
    expect(ok(a).sessionId).toBe('plaintext');
    expect(b.stats.handshakes.plaintext).toBe(1);
    ok(a).send(txMsg);
    await until(() => b.got.length === 1, 'delivery');
    expect(b.tap.received.at(-1)).toEqual(txMsg);
    expect(a.warnings[0]).toMatch(/unencrypted/);
  });

  it.each<[string, Opts, Opts]>([
    ['only the dialler allows it', { allowPlaintext: true }, {}],
    ['only the listener allows it', {}, { allowPlaintext: true }],
    ['both allow it but the dialler pinned an identity', { allowPlaintext: true, expectedIdentity: B.id }, { allowPlaintext: true }],
    ['both allow it but the listener has an allow-list', { allowPlaintext: true }, { allowPlaintext: true, allowPeers: new Set([A.id]) }],
  ])('%s: encrypted', async (_n, ao, bo) => {
    const { a, b } = await connect(ao, bo);
    expect(ok(a).encrypted).toBe(true);
    expect(ok(b).remoteIdentity).toBe(A.id);
  });

  it('a forged "plaintext, then" answer to a node that requires encryption is refused', async () => {
    const { a } = await connect({}, {}, { onA: (f, i) => (i === 0 ? [Uint8Array.of(0)] : [f]) });
    expect(err(a).code).toBe('plaintext-refused');
    expect(err(a).message).toMatch(/requires encryption/);
    expect(a.stats.failures['plaintext-refused']).toBe(1);
  });

  it('rewriting the mode byte to offer plaintext is caught by the dialler', async () => {
    const { a } = await connect({}, { allowPlaintext: true }, { onB: (f, i) => (i === 0 ? [Uint8Array.of(2, ...f.subarray(1))] : [f]) });
    expect(err(a).code).toBe('plaintext-refused');
  });

  it('rewriting the mode byte to withdraw a plaintext offer breaks the handshake (the prologue binds it)', async () => {
    const { a } = await connect(
      { allowPlaintext: true },
      { allowPlaintext: false },
      { onB: (f, i) => (i === 0 ? [Uint8Array.of(1, ...f.subarray(1))] : [f]) },
    );
    expect(err(a).code).toBe('handshake');
  });

  it('a peer speaking the unencrypted protocol is refused with a clear reason', async () => {
    const net = new MemoryNetwork();
    const [raw, cb] = net.pair();
    const stats = new SecureStats();
    const p = secureConnection(cb, { identity: B, rng: seededRng(1), stats });
    const reason = new Promise<string>((r) => raw.onClose(r));
    raw.send(txMsg);
    await expect(p).rejects.toThrow(/without transport encryption/);
    expect(await reason).toMatch(/without transport encryption/);
    expect(stats.failures.handshake).toBe(1);
  });
});

describe('rekeying and timeouts', () => {
  it(`delivers well past several rekeys (every ${REKEY_INTERVAL} messages) in both directions`, async () => {
    const { a, b } = await connect();
    const N = REKEY_INTERVAL * 2 + 500;
    for (let i = 0; i < N; i++) {
      ok(a).send(msg(i));
      ok(b).send(msg(i));
    }
    await until(() => b.got.length === N && a.got.length === N, 'all messages');
    expect(b.got[N - 1]).toEqual(msg(N - 1));
    expect(b.got.every((g, i) => bytesToHex(g) === bytesToHex(msg(i)))).toBe(true);
    expect(a.got.every((g, i) => bytesToHex(g) === bytesToHex(msg(i)))).toBe(true);
    expect(b.stats.totalFailures()).toBe(0);
    // Frames with the same plaintext under the same nonce slot differ across rekeys.
    const frames = a.tap.sent.slice(1);
    expect(bytesToHex(frames[1]!.subarray(12))).not.toBe(bytesToHex(frames[REKEY_INTERVAL + 1]!.subarray(12)));
  });

  it('a handshake that stalls is closed at the timeout and counted', async () => {
    const clock = new ManualClock(0);
    const net = new MemoryNetwork();
    const [, cb] = net.pair();
    const stats = new SecureStats();
    const onError = jest.fn();
    secureConnection(cb, { identity: B, rng: seededRng(1), clock, handshakeTimeoutMs: 5_000, stats }).catch(onError);
    clock.advance(4_999);
    await Promise.resolve();
    expect(onError).not.toHaveBeenCalled();
    clock.advance(1);
    await until(() => onError.mock.calls.length === 1, 'timeout');
    expect((onError.mock.calls[0]![0] as SecureError).code).toBe('timeout');
    expect(stats.failures.timeout).toBe(1);
  });
});
