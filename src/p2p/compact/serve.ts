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
// The compact forms of the last MAX_CMPCTBLOCK_DEPTH + 1 blocks built are kept (Core
// keeps one, m_most_recent_compact_block), so each servable block costs one set of short
// ids however many peers ask, and a peer asking for the 6 top blocks in turn, 50,000
// items at a time, costs an encoding per item as full blocks do, not a SipHash per
// transaction. One nonce per block for all requesters is what BIP152 allows. getblocktxn
// after such a cmpctblock is answered by CompactRelay from its recent blocks, as for
// announced ones.
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
  /** block hash (hex) → its compact form, oldest first */
  private readonly built = new Map<string, CmpctblockMessage>();
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
    let msg = this.built.get(key);
    if (!msg) {
      msg = makeCompact(block, this.rng.u64());
      this.built.set(key, msg);
      if (this.built.size > MAX_CMPCTBLOCK_DEPTH + 1) this.built.delete(this.built.keys().next().value!);
    }
    this.stats.compact++;
    return { cmd: 'cmpctblock', ...msg };
  }
}
