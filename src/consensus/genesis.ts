// Genesis blocks are built by code from a few pinned fields rather than stored as hex, so
// anyone can see what they contain; the nonce was ground once (by the miner's mineHeader) and pinned,
// and a test pins each resulting hash. Like Bitcoin's, a genesis coinbase creates no
// spendable coin: its only output is a zero-value OP_RETURN.
import { Block, BlockHeader, COINBASE_VOUT, Tx, concatBytes, minimalPush, opReturnScript, txMerkleRoot } from '../primitives/index.js';
import { encodeHeightPush } from './script-num.js';

export interface GenesisSpec {
  /** Network name, written into the OP_RETURN output so genesis blocks never coincide. */
  readonly network: string;
  /** Free text in the coinbase scriptSig (at most 90 bytes of UTF-8). */
  readonly message: string;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  readonly version?: number;
}

export const GENESIS_HEADER_VERSION = 4;

export function genesisCoinbase(spec: Pick<GenesisSpec, 'network' | 'message'>): Tx {
  const msg = new TextEncoder().encode(spec.message);
  if (msg.length > 90) throw new RangeError('genesis: message longer than 90 bytes');
  return new Tx({
    version: 2,
    inputs: [
      {
        prevout: { txid: new Uint8Array(32), vout: COINBASE_VOUT },
        // BIP34 height 0 (OP_0) first, as every later coinbase starts with its height.
        scriptSig: concatBytes(encodeHeightPush(0), minimalPush(msg)),
        // Non-final like every BIP54 coinbase; locktime cannot be height - 1 = -1 here.
        sequence: 0xfffffffe,
        witness: [],
      },
    ],
    outputs: [{ value: 0n, script: opReturnScript(new TextEncoder().encode(`cairn:${spec.network}`)) }],
    locktime: 0,
  });
}

export function buildGenesis(spec: GenesisSpec): Block {
  const coinbase = genesisCoinbase(spec);
  const header = new BlockHeader({
    version: spec.version ?? GENESIS_HEADER_VERSION,
    prevBlock: new Uint8Array(32),
    merkleRoot: txMerkleRoot([coinbase]).root,
    time: spec.time,
    bits: spec.bits,
    nonce: spec.nonce,
  });
  return new Block(header, [coinbase]);
}
