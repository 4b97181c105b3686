// The serving side of BIP152 low-bandwidth mode: what a getdata item MSG_CMPCT_BLOCK for
// a validated block we hold is answered with. Relay (../relay.ts) reads the item, applies
// the getdata allowance, queue and slices as for any block, finds the block, and asks
// here which message to send:
//   - `cmpctblock` (coinbase prefilled, makeCompact) when the block is at most
//     MAX_CMPCTBLOCK_DEPTH (5) below our tip and the peer sent us `sendcmpct` version 2,
//     so it can read version-2 short ids (we always sent it ours after the handshake);
//   - the full block otherwise (BIP152: a MSG_CMPCT_BLOCK request not answered with
//     cmpctblock MUST be answered with block). An older block is answered in full as Core
//     does: whoever asks for it is syncing, and its mempool would not rebuild it.
// The last compact form built is kept (one entry, Core's m_most_recent_compact_block),
// so many peers asking for the same new tip cost one set of short ids; one nonce per
// block for all of them is what BIP152 allows. getblocktxn after such a cmpctblock is
// answered by CompactRelay from its recent blocks, as for announced ones.
import { bytesToHex, type Block, type Rng } from '../../primitives/index.js';
import type { ChainEntry } from '../../chain/index.js';
import type { CmpctblockMessage } from '../messages/index.js';
import { makeCompact } from './reconstruct.js';

/** Blocks deeper than this below our tip are answered in full (Core's MAX_CMPCTBLOCK_DEPTH). */
export const MAX_CMPCTBLOCK_DEPTH = 5;

export type CompactAnswer = ({ readonly cmd: 'cmpctblock' } & CmpctblockMessage) | { readonly cmd: 'block'; readonly block: Block };

export interface CompactServeStats {
  /** MSG_CMPCT_BLOCK requests answered with cmpctblock */
  compact: number;
  /** … answered with the full block (too deep, or the peer never sent sendcmpct version 2) */
  full: number;
}

export class CompactServer {
  private last: { readonly key: string; readonly msg: CmpctblockMessage } | undefined;
  readonly stats: CompactServeStats = { compact: 0, full: 0 };

  constructor(private readonly rng: Rng) {}

  /**
   * The answer to getdata MSG_CMPCT_BLOCK for `entry`, whose (validated) block is `block`,
   * while our active chain's height is `tipHeight`; `providesCompact`: the peer sent us
   * sendcmpct version 2.
   */
  answer(entry: ChainEntry, block: Block, tipHeight: number, providesCompact: boolean): CompactAnswer {
    if (!providesCompact || entry.height < tipHeight - MAX_CMPCTBLOCK_DEPTH) {
      this.stats.full++;
      return { cmd: 'block', block };
    }
    const key = bytesToHex(entry.hash);
    if (this.last?.key !== key) this.last = { key, msg: makeCompact(block, this.rng.u64()) };
    this.stats.compact++;
    return { cmd: 'cmpctblock', ...this.last.msg };
  }
}
