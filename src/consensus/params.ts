// Network parameters as data: one frozen object per network, passed explicitly into every
// rule. Nothing reads a "current network" global, so one process (a test, a simulator)
// can run regtest, devnet and main side by side.
import { Block, BlockHeader, COINBASE_VOUT, NETWORK_FACTS, Tx, hexToBytes, txMerkleRoot, type NetworkName } from '../primitives/index.js';
import { buildGenesis } from './genesis.js';
import { encodeCompact } from './pow.js';

export type { NetworkName } from '../primitives/index.js';

/**
 * aserti3-2d anchor (as Bitcoin Cash). parentTime is the timestamp of the anchor's
 * parent; when omitted it is taken as (anchor block time - targetSpacing), read from the
 * chain, which lets a network anchor on its first mined block however old genesis is.
 */
export interface AsertAnchor {
  readonly height: number;
  readonly bits: number;
  readonly parentTime?: number;
}

export type DifficultyRule =
  /** Every block has nBits = powLimitBits (regtest). */
  | { readonly kind: 'fixed' }
  /** Bitcoin's 2016-block retarget; bip94 takes the old target from the period's first block. */
  | { readonly kind: 'bitcoin'; readonly interval: number; readonly timespan: number; readonly bip94?: boolean }
  /** Per-block exponential adjustment (aserti3-2d) with a half-life in seconds. */
  | { readonly kind: 'asert'; readonly halfLife: number; readonly anchor: AsertAnchor };

export interface ConsensusParams {
  readonly name: NetworkName | 'bitcoin-main';
  /** u32 whose little-endian bytes start every p2p frame. */
  readonly magic: number;
  /** bech32m human-readable part of addresses. */
  readonly hrp: string;
  readonly genesis: Block;
  readonly genesisHash: Uint8Array;
  /** Easiest allowed target. */
  readonly powLimit: bigint;
  /** encodeCompact(powLimit): the nBits of genesis and of blocks at minimum difficulty. */
  readonly powLimitBits: number;
  /** Intended seconds between blocks. */
  readonly targetSpacing: number;
  readonly difficulty: DifficultyRule;
  /** Initial block subsidy in base units (1 coin = 10^8). */
  readonly subsidy: bigint;
  readonly halvingInterval: number;
  readonly coinbaseMaturity: number;
  readonly maxBlockWeight: number;
  /** Seconds a header's time may be ahead of the local clock. */
  readonly maxFutureBlockTime: number;
  readonly maxMoney: bigint;
  /** BIP34 (height in coinbase) from this height on; 0 for Cairn networks. */
  readonly bip34Height: number;
  /** BIP54 consensus cleanup (time-warp, 64-byte txs, coinbase locktime) from genesis. */
  readonly bip54: boolean;
  /** BIP54's allowance for the first block of a retarget period to precede its parent. */
  readonly timewarpGrace: number;
  /** Cairn's own transaction rules: P2TR/OP_RETURN outputs, empty scriptSigs, key-path witness shape. */
  readonly cairnRules: boolean;
  readonly defaultP2pPort: number;
  readonly defaultApiPort: number;
}

export const COIN = 100_000_000n;
const MAX_MONEY = 21_000_000n * COIN;

/** The network facts (src/primitives/network.ts) a params object carries. */
function facts(f: (typeof NETWORK_FACTS)[NetworkName]): Pick<ConsensusParams, 'name' | 'magic' | 'hrp' | 'defaultP2pPort' | 'defaultApiPort'> {
  return { name: f.name, magic: f.magic, hrp: f.hrp, defaultP2pPort: f.defaultP2pPort, defaultApiPort: f.defaultApiPort };
}

type ParamsInput = Omit<ConsensusParams, 'genesis' | 'genesisHash' | 'powLimitBits'> & {
  readonly genesis: { readonly message: string; readonly time: number; readonly nonce: number };
};

function makeParams(p: ParamsInput): ConsensusParams {
  const powLimitBits = encodeCompact(p.powLimit);
  const genesis = buildGenesis({ network: p.name, message: p.genesis.message, time: p.genesis.time, bits: powLimitBits, nonce: p.genesis.nonce });
  // Fill the block's lazy caches now: the params object is shared and treated as constant.
  genesis.encode();
  const genesisHash = genesis.hash();
  return Object.freeze({ ...p, difficulty: Object.freeze({ ...p.difficulty }), genesis, genesisHash, powLimitBits });
}

/** 2026-01-01T00:00:00Z */
const CAIRN_EPOCH = 1_767_225_600;

/**
 * Regtest: trivial proof of work (half of all hashes pass) and no retargeting, for tests
 * and local scripting. Halving every 150 blocks as Bitcoin's regtest.
 */
export const regtestParams: ConsensusParams = makeParams({
  ...facts(NETWORK_FACTS.regtest),
  genesis: { message: 'Cairn regtest genesis: stones stacked by hand', time: CAIRN_EPOCH, nonce: 0 },
  powLimit: (1n << 255n) - 1n,
  targetSpacing: 600,
  difficulty: { kind: 'fixed' },
  subsidy: 50n * COIN,
  halvingInterval: 150,
  coinbaseMaturity: 100,
  maxBlockWeight: 4_000_000,
  maxFutureBlockTime: 7200,
  maxMoney: MAX_MONEY,
  bip34Height: 0,
  bip54: true,
  timewarpGrace: 7200,
  cairnRules: true,
});

/**
 * Devnet: real proof of work with 10 s blocks. powLimit 2^238 - 1 needs ~260k sha256d per
 * block at minimum difficulty (~0.6 s for one JS thread), so a fresh devnet mines its
 * first blocks quickly and funds its wallets within a minute; ASERT (half-life 200 s,
 * i.e. 20 ideal blocks) then raises difficulty until blocks come every 10 s, and absorbs
 * later hashrate changes within a few dozen blocks. It is anchored on block 1 so an old
 * genesis does not pin difficulty at the limit while the chain "catches up" with its
 * schedule. Coinbase maturity is 20 (not 100) for the same reason: a devnet is for
 * watching payments flow minutes after `npm start`, not after 100 blocks.
 */
export const devnetParams: ConsensusParams = makeParams({
  ...facts(NETWORK_FACTS.devnet),
  genesis: { message: 'Cairn devnet genesis: a cairn marks the path for those who follow', time: CAIRN_EPOCH, nonce: 23109 },
  powLimit: (1n << 238n) - 1n,
  targetSpacing: 10,
  difficulty: { kind: 'asert', halfLife: 200, anchor: { height: 1, bits: encodeCompact((1n << 238n) - 1n) } },
  subsidy: 50n * COIN,
  halvingInterval: 210_000,
  coinbaseMaturity: 20,
  maxBlockWeight: 4_000_000,
  maxFutureBlockTime: 7200,
  maxMoney: MAX_MONEY,
  bip34Height: 0,
  bip54: true,
  timewarpGrace: 7200,
  cairnRules: true,
});

/**
 * Main: Bitcoin's 10-minute blocks and 2016-block retarget with the time-warp fixes of
 * BIP94 (old target from the period's first block) and BIP54 (header timestamp rules).
 * powLimit 2^236 - 1 (~1M hashes at minimum difficulty) so genesis could be ground in
 * seconds; real hashrate raises difficulty by up to 4x per period.
 */
export const mainParams: ConsensusParams = makeParams({
  ...facts(NETWORK_FACTS.main),
  genesis: { message: 'Cairn main genesis: one stone on another, so the way can be found', time: CAIRN_EPOCH, nonce: 631581 },
  powLimit: (1n << 236n) - 1n,
  targetSpacing: 600,
  difficulty: { kind: 'bitcoin', interval: 2016, timespan: 2016 * 600, bip94: true },
  subsidy: 50n * COIN,
  halvingInterval: 210_000,
  coinbaseMaturity: 100,
  maxBlockWeight: 4_000_000,
  maxFutureBlockTime: 7200,
  maxMoney: MAX_MONEY,
  bip34Height: 0,
  bip54: true,
  timewarpGrace: 7200,
  cairnRules: true,
});

export const NETWORKS: { readonly regtest: ConsensusParams; readonly devnet: ConsensusParams; readonly main: ConsensusParams } =
  Object.freeze({ regtest: regtestParams, devnet: devnetParams, main: mainParams });

export function getParams(name: string): ConsensusParams {
  if (name === 'regtest' || name === 'devnet' || name === 'main') return NETWORKS[name];
  throw new Error(`params: unknown network '${name}' (valid: ${Object.keys(NETWORKS).join(', ')})`);
}

/**
 * Bitcoin's own mainnet, for tests that check real Bitcoin data (headers, PoW, retargets,
 * blocks). Not a network Cairn runs: no Cairn tx rules, no BIP54, BIP34 from its real
 * activation height, and no script validation exists for its outputs. Its genesis is
 * Bitcoin's real genesis block, rebuilt from its known fields.
 */
export const bitcoinMainParams: ConsensusParams = (() => {
  const genesis = bitcoinGenesis();
  genesis.encode();
  const powLimit = (1n << 224n) - 1n;
  return Object.freeze({
    name: 'bitcoin-main' as const,
    magic: 0xd9b4bef9,
    hrp: 'bc',
    genesis,
    genesisHash: genesis.hash(),
    powLimit,
    powLimitBits: 0x1d00ffff,
    targetSpacing: 600,
    difficulty: Object.freeze({ kind: 'bitcoin' as const, interval: 2016, timespan: 14 * 24 * 60 * 60 }),
    subsidy: 50n * COIN,
    halvingInterval: 210_000,
    coinbaseMaturity: 100,
    maxBlockWeight: 4_000_000,
    maxFutureBlockTime: 7200,
    maxMoney: MAX_MONEY,
    bip34Height: 227_931,
    bip54: false,
    timewarpGrace: 7200,
    cairnRules: false,
    defaultP2pPort: 8333,
    defaultApiPort: 8332,
  });
})();

function bitcoinGenesis(): Block {
  const coinbase = new Tx({
    version: 1,
    inputs: [
      {
        prevout: { txid: new Uint8Array(32), vout: COINBASE_VOUT },
        scriptSig: hexToBytes(
          '04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73',
        ),
        sequence: 0xffffffff,
        witness: [],
      },
    ],
    outputs: [
      {
        value: 50n * COIN,
        script: hexToBytes(
          '4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac',
        ),
      },
    ],
    locktime: 0,
  });
  const header = new BlockHeader({
    version: 1,
    prevBlock: new Uint8Array(32),
    merkleRoot: txMerkleRoot([coinbase]).root,
    time: 1231006505,
    bits: 0x1d00ffff,
    nonce: 2083236893,
  });
  return new Block(header, [coinbase]);
}
