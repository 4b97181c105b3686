// Low-work header protection, the equivalent of Bitcoin Core 24's headers presync
// (doc/design: "headers presync"; src/headerssync.cpp): headers of a chain that does not
// reach the anti-DoS work threshold are never stored.
//
//   threshold = max(params minimum chain work, tip work - 144 blocks of tip work)
//   (Core's GetAntiDoSWorkThreshold: a fork within a day of work of our tip is stored at
//   once, so honest races and short reorgs never wait.)
//
// A headers message whose chain ends below the threshold:
//   - not full (< 2,000): the peer's whole fork is low-work: nothing is stored, it costs
//     LOW_WORK_HEADERS;
//   - full: PRESYNC. Only proof of work and continuity are checked, work is summed, and
//     per batch the hash of its last header is kept (32 bytes per 2,000 headers, our
//     commitment; Core keeps salted 1-bit commitments because its chains are long) while
//     the peer is asked for more. Once the summed work reaches the threshold, REDOWNLOAD:
//     the same chain is asked for again from the fork point and each batch is stored
//     only if its last header equals the committed one (headers are a hash chain, so the
//     whole batch is then the one that was counted). A peer whose presync ends below the
//     threshold, or whose redownload differs, is scored, and its presync dropped.
// Memory per peer: O(1) plus 32 bytes per 2,000 headers, at most MAX_PRESYNC_BATCHES.
import type { BlockHeader } from '../primitives/index.js';
import { bytesToHex, equalBytes } from '../primitives/index.js';
import { blockWork, checkProofOfWork, type ConsensusParams } from '../consensus/index.js';
import type { ChainEntry } from '../chain/index.js';

/** Core: a fork within 144 blocks' work of our tip is stored without presync. */
export const ANTI_DOS_BLOCKS = 144;
/** 20 million headers: far beyond any chain a peer could show; then the peer is dropped. */
export const MAX_PRESYNC_BATCHES = 10_000;

export function antiDosWorkThreshold(tip: ChainEntry, minimumChainWork: bigint): bigint {
  const near = tip.chainwork - minBig(BigInt(ANTI_DOS_BLOCKS) * blockWork(tip.bits), tip.chainwork);
  return near > minimumChainWork ? near : minimumChainWork;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Work a continuous header sequence adds, checking only each header's own proof of work
 * (context-free: retargeting is checked when the headers are finally stored).
 * Returns undefined when a header's hash misses its own target.
 */
export function sequenceWork(hs: readonly BlockHeader[], params: Pick<ConsensusParams, 'powLimit'>): bigint | undefined {
  let w = 0n;
  for (const h of hs) {
    if (!checkProofOfWork(h.hash(), h.bits, params)) return undefined;
    w += blockWork(h.bits);
  }
  return w;
}

export type PresyncStep =
  /** keep asking from `from` */
  | { kind: 'more'; from: Uint8Array }
  /** enough work shown: ask again from the fork point and store what matches */
  | { kind: 'redownload'; fork: ChainEntry }
  /** the chain ended below the threshold */
  | { kind: 'low-work'; work: bigint }
  | { kind: 'bad-pow' }
  | { kind: 'too-long' };

export class HeadersPresync {
  /** summed work of the chain so far (fork point's chainwork included) */
  private work: bigint;
  private last: Uint8Array;
  private readonly commitments: string[] = [];
  private redownloaded = 0;
  redownloading = false;

  constructor(
    readonly fork: ChainEntry,
    readonly threshold: bigint,
    private readonly params: Pick<ConsensusParams, 'powLimit'>,
  ) {
    this.work = fork.chainwork;
    this.last = fork.hash;
  }

  /** The hash the next presync batch must build on. */
  get lastHash(): Uint8Array {
    return this.last;
  }

  get batches(): number {
    return this.commitments.length;
  }

  get summedWork(): bigint {
    return this.work;
  }

  /** A continuous batch building on lastHash (checked by the caller), full or the chain's end. */
  feed(hs: readonly BlockHeader[], full: boolean): PresyncStep {
    const w = sequenceWork(hs, this.params);
    if (w === undefined) return { kind: 'bad-pow' };
    this.work += w;
    const lastHash = hs[hs.length - 1]!.hash();
    this.last = lastHash;
    this.commitments.push(bytesToHex(lastHash));
    if (this.work >= this.threshold) {
      this.redownloading = true;
      return { kind: 'redownload', fork: this.fork };
    }
    if (!full) return { kind: 'low-work', work: this.work };
    if (this.commitments.length >= MAX_PRESYNC_BATCHES) return { kind: 'too-long' };
    return { kind: 'more', from: lastHash };
  }

  /**
   * During redownload: true when this batch is the next committed one (store it).
   * `done` becomes true after the last committed batch.
   */
  matches(hs: readonly BlockHeader[]): boolean {
    const want = this.commitments[this.redownloaded];
    if (want === undefined || hs.length === 0) return false;
    if (bytesToHex(hs[hs.length - 1]!.hash()) !== want) return false;
    if (this.redownloaded === 0 && !equalBytes(hs[0]!.prevBlock, this.fork.hash)) return false;
    this.redownloaded++;
    return true;
  }

  get done(): boolean {
    return this.redownloading && this.redownloaded >= this.commitments.length;
  }
}
