// Headers presync (src/p2p/presync.ts) on synthetic regtest header chains: a chain is
// counted batch by batch without storing anything, switches to redownload exactly when
// its work reaches the threshold, accepts in redownload only the very batches it counted,
// and reports a chain that ends short, a header missing its own proof of work, and the
// anti-DoS threshold as Core computes it (tip work minus 144 blocks, or minimum work).
import { describe, expect, it } from '@jest/globals';
import { blockWork, checkProofOfWork, getParams } from '../../src/consensus/index.js';
import type { ChainEntry } from '../../src/chain/index.js';
import { HeadersPresync, antiDosWorkThreshold, sequenceWork } from '../../src/sync/presync.js';
import { BlockHeader } from '../../src/primitives/index.js';

const params = getParams('regtest');
const W = blockWork(params.powLimitBits);

/** n headers on top of prev, each with valid regtest proof of work; `salt` makes a different chain. */
function headers(prev: Uint8Array, n: number, salt = 0): BlockHeader[] {
  const out: BlockHeader[] = [];
  for (let i = 0; i < n; i++) {
    let h: BlockHeader;
    for (let nonce = 0; ; nonce++) {
      h = new BlockHeader({ version: 4, prevBlock: prev, merkleRoot: new Uint8Array(32).fill(salt), time: 1_700_000_000 + i, bits: params.powLimitBits, nonce });
      if (checkProofOfWork(h.hash(), h.bits, params)) break;
    }
    out.push(h);
    prev = h.hash();
  }
  return out;
}

const fork = { hash: params.genesisHash, chainwork: W, height: 0 } as unknown as ChainEntry;

describe('HeadersPresync', () => {
  const chain = headers(params.genesisHash, 5_000);
  const batches = [chain.slice(0, 2000), chain.slice(2000, 4000), chain.slice(4000)];

  it('counts full batches without storing, then asks for a redownload once the work reaches the threshold', () => {
    // threshold: genesis + 4,500 blocks of work: reached inside the third batch
    const ps = new HeadersPresync(fork, W * 4_501n, params);
    expect(ps.feed(batches[0]!, true)).toEqual({ kind: 'more', from: batches[0]!.at(-1)!.hash() });
    expect(ps.lastHash).toEqual(batches[0]!.at(-1)!.hash());
    expect(ps.feed(batches[1]!, true).kind).toBe('more');
    expect(ps.summedWork).toBe(W * 4_001n);
    const step = ps.feed(batches[2]!, false);
    expect(step).toEqual({ kind: 'redownload', fork });
    // redownload: the same batches match, in order; anything else does not
    expect(ps.matches(headers(params.genesisHash, 2000, 1))).toBe(false);
    expect(ps.matches(batches[0]!)).toBe(true);
    expect(ps.done).toBe(false);
    expect(ps.matches(batches[0]!)).toBe(false); // not again: the next one is due
    expect(ps.matches(batches[1]!)).toBe(true);
    expect(ps.matches(batches[2]!)).toBe(true);
    expect(ps.done).toBe(true);
  });

  it('reports a chain that ends below the threshold, and one with a header missing its proof of work', () => {
    const ps = new HeadersPresync(fork, W * 10_000n, params);
    expect(ps.feed(batches[0]!, true).kind).toBe('more');
    expect(ps.feed(batches[1]!, true).kind).toBe('more');
    expect(ps.feed(batches[2]!, false)).toEqual({ kind: 'low-work', work: W * 5_001n });
    const bad = batches[0]!.slice();
    let h = bad[7]!;
    for (let nonce = 0; checkProofOfWork(h.hash(), h.bits, params); nonce++) h = h.with({ nonce });
    bad[7] = h;
    expect(new HeadersPresync(fork, W * 10_000n, params).feed(bad, true)).toEqual({ kind: 'bad-pow' });
    expect(sequenceWork(bad, params)).toBeUndefined();
    expect(sequenceWork(batches[2]!, params)).toBe(W * 1_000n);
  });
});

describe('antiDosWorkThreshold', () => {
  it("is the tip's work minus 144 blocks of it, never below zero, or the minimum chain work when that is higher", () => {
    const tip = (blocks: bigint) => ({ chainwork: W * blocks, bits: params.powLimitBits }) as unknown as ChainEntry;
    expect(antiDosWorkThreshold(tip(300n), 0n)).toBe(W * 156n);
    expect(antiDosWorkThreshold(tip(100n), 0n)).toBe(0n);
    expect(antiDosWorkThreshold(tip(300n), W * 1_000n)).toBe(W * 1_000n);
  });
});
