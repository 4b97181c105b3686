// A victim node under attack by scripted raw WebSocket clients on 127.0.0.1: garbage,
// wrong magic, oversize frames, malformed payloads, a block with an invalid signature,
// a header with bad proof of work, unrequested blocks, an inv flood and a slow-loris.
// Each time the victim stays up, drops or bans the attacker as the rules say, keeps its
// chain, and keeps serving an honest peer; bans survive a restart.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHeaderSanity } from '../../src/consensus/index.js';
import { encodeMessage, MAX_MESSAGE_SIZE, MSG_TX } from '../../src/p2p/messages/index.js';
import { Tx, type Block } from '../../src/primitives/index.js';
import { ChainBuilder, type BranchState } from '../support/chainbuilder.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';
import { RawClient } from './rawclient.js';

const h = new Harness();
const builder = new ChainBuilder(params);
let base: { blocks: Block[]; state: BranchState };
let victim: TestNode;
let honest: TestNode;
let victimDir: string;
let tipBefore: string;

/** An attacker: waits for the victim's verack, then its own first requests (getheaders). */
const attacker = (url: string, listenUrl?: string): RawClient =>
  new RawClient(url, { userAgent: '/attacker/', handshakeDone: ['verack', 'getheaders'], tolerateBadFrames: true, ...(listenUrl === undefined ? {} : { listenUrl }) });

beforeAll(async () => {
  base = builder.chain(builder.genesis(), 105);
  victimDir = h.tempDir();
  victim = await h.node('victim', { dir: victimDir, blocks: base.blocks, peer: { handshakeTimeoutMs: 500 } });
  honest = await h.node('honest', { blocks: base.blocks, seeds: [victim.url], outboundTarget: 1 });
  await waitFor(() => victim.node.peers().length === 1, 'honest peer connected');
  tipBefore = victim.chain.tip.hashHex;
});

afterAll(() => h.close());

function banned(c: RawClient): boolean {
  return victim.node.listBans().some((b) => b.key === c.listenUrl);
}

describe('the victim', () => {
  it('drops a peer that sends garbage before the handshake, without a ban', async () => {
    const c = attacker(victim.url);
    await c.open();
    c.raw(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(victim.node.listBans()).toHaveLength(0);
  });

  it('drops a peer of another network (wrong magic)', async () => {
    const c = attacker(victim.url);
    await c.open();
    c.raw(encodeMessage(0x0badf00d, { cmd: 'verack' }));
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(c.closed!.reason).toMatch(/wrong network/);
  });

  it('refuses an oversize frame before reading it', async () => {
    const c = attacker(victim.url);
    await c.open();
    c.raw(new Uint8Array(MAX_MESSAGE_SIZE + 1));
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(c.closed!.code).toBe(1009);
  });

  it('bans a peer that keeps sending malformed payloads', async () => {
    const c = attacker(victim.url);
    await c.handshake();
    // Each costs MALFORMED (20): the fifth reaches the threshold of 100.
    for (let i = 0; i < 5; i++) c.raw(badHeadersFrame());
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(banned(c)).toBe(true);
  });

  it('bans a peer that delivers a block with an invalid signature, and keeps its tip', async () => {
    const coin = builder.spendable(base.state)[0]!;
    const good = builder.spend([coin]);
    const sig = good.inputs[0]!.witness[0]!.slice();
    sig[10] ^= 1;
    const badTx = new Tx({ ...good, inputs: [{ ...good.inputs[0]!, witness: [sig] }] });
    const { block } = builder.block(base.state, { txs: [badTx] });
    const c = attacker(victim.url);
    await c.handshake();
    c.send({ cmd: 'headers', headers: [block.header] });
    await waitFor(() => c.got('getdata').length > 0, 'victim asks for the block');
    c.send({ cmd: 'block', block });
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(banned(c)).toBe(true);
    expect(victim.chain.tip.hashHex).toBe(tipBefore);
    expect(victim.chain.getEntry(block.hash())?.failed).toBe(true);
  });

  it('bans a peer that sends a header with bad proof of work', async () => {
    let header = builder.block(base.state).block.header;
    for (let n = 0; ; n++) {
      header = header.with({ nonce: n });
      try {
        checkHeaderSanity(header, params);
      } catch {
        break; // this nonce misses the target
      }
    }
    const c = attacker(victim.url);
    await c.handshake();
    c.send({ cmd: 'headers', headers: [header] });
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(banned(c)).toBe(true);
    expect(victim.chain.getEntry(header.hash())).toBeUndefined();
  });

  it('bans a peer that pushes unrequested blocks that do not connect', async () => {
    const c = attacker(victim.url);
    await c.handshake();
    // A private branch from genesis: its blocks' parents are unknown to the victim.
    const branch = builder.chain(builder.genesis(), 12).blocks.slice(1);
    for (const b of branch) c.send({ cmd: 'block', block: b });
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(banned(c)).toBe(true);
    expect(victim.chain.orphanCount).toBe(0);
  });

  it('bans an inv flood after its allowance', async () => {
    const c = attacker(victim.url);
    await c.handshake();
    const items = Array.from({ length: 50_000 }, (_, i) => ({ type: MSG_TX, hash: txHash(i) }) as const);
    for (let i = 0; i < 12; i++) c.send({ cmd: 'inv', items });
    await waitFor(() => c.closed !== undefined, 'closed');
    expect(banned(c)).toBe(true);
    // It asked for no more than its per-peer in-flight cap from the first, allowed inv.
    const asked = c.got('getdata').reduce((n, m) => n + (m.cmd === 'getdata' ? m.items.length : 0), 0);
    expect(asked).toBeLessThanOrEqual(100);
  });

  it('drops a slow-loris peer that never completes the handshake', async () => {
    const c = attacker(victim.url);
    await c.open();
    await waitFor(() => c.closed !== undefined, 'handshake timeout');
  });

  it('refuses a banned peer that comes back', async () => {
    const first = victim.node.listBans()[0]!;
    const c = attacker(victim.url, first.key);
    await c.open();
    c.send({
      cmd: 'version',
      version: 1,
      services: 0n,
      time: 0n,
      magic: params.magic,
      genesis: params.genesisHash,
      bestHeight: 0,
      nonce: 424242n,
      userAgent: '/attacker/',
      listenUrl: first.key,
      relay: true,
    });
    c.send({ cmd: 'verack' });
    await waitFor(() => c.closed !== undefined, 'refused');
    expect(c.got('headers')).toHaveLength(0);
  });

  it('still serves its honest peer, with its chain unchanged by the attacks', async () => {
    expect(victim.chain.tip.hashHex).toBe(tipBefore);
    expect(victim.node.peers().map((p) => p.user_agent)).toEqual(['/cairn-test:honest/']);
    const { block } = builder.block(base.state);
    await honest.chain.processBlock(block);
    await waitFor(() => victim.chain.tip.hashHex === block.hashHex(), 'honest block reaches the victim');
    // malformed, invalid signature, bad PoW, unrequested blocks, inv flood
    expect(victim.node.metrics.bans).toBe(5);
  });

  it('remembers its bans after a restart', async () => {
    const keys = victim.node.listBans().map((b) => b.key).sort();
    await honest.stop();
    await victim.stop();
    victim = await h.node('victim-2', { dir: victimDir });
    expect(victim.node.listBans().map((b) => b.key).sort()).toEqual(keys);
  });
});

/** A headers frame whose count says 2 but carries one header: malformed. */
function badHeadersFrame(): Uint8Array {
  const f = encodeMessage(params.magic, { cmd: 'headers', headers: [base.blocks[0]!.header] });
  f[20] = 2;
  return f;
}

function txHash(i: number): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, i + 1, true);
  b[31] = 0xaa;
  return b;
}

