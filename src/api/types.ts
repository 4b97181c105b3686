// The JSON shapes cairnd's HTTP API serves, defined once. The handlers in src/api are
// typed against them (so a field renamed there fails to compile), and the clients
// (wallet/, explorer/, devnet/) import them from here: this is the one file of src/api
// they may import (test/architecture.test.ts), so it holds types only and imports
// nothing.
//
// Amounts: the node computes them as bigint and JSON carries them as integer numbers
// (≤ 21e14 < 2^53; see jsonReplacer in http.ts). Shapes with amounts take a parameter
// `A`: the handlers use `A = bigint`, clients read the default, `number`.
// Field names are Esplora's wherever the concept exists (Blockstream's API.md, as electrs
// serializes it), snake_case everywhere else too.

export type Amount = number | bigint;

// ------------------------------------------------------------------ blocks

/** Esplora's block fields; also the `block` of /api/ws `block` events. */
export interface BlockHeaderInfo {
  id: string;
  height: number;
  version: number;
  timestamp: number;
  tx_count: number;
  size: number;
  weight: number;
  merkle_root: string;
  previousblockhash: string | null;
  mediantime: number;
  nonce: number;
  bits: number;
  difficulty: number;
}

/** Cairn's addition to the block object. */
export interface BlockExtras<A extends Amount = number> {
  reward: A;
  total_fees: A;
  /** min and max sat/vB of the block's txs, for blocks the index covers */
  fee_range?: [number, number];
}

/** GET /api/block/:hash, /api/blocks[/:start]. */
export interface BlockInfo<A extends Amount = number> extends BlockHeaderInfo {
  extras?: BlockExtras<A>;
}

/** GET /api/block/:hash/status */
export interface BlockStatus {
  in_best_chain: boolean;
  height?: number;
  next_best?: string | null;
}

// ------------------------------------------------------------------ transactions

/** A transaction's confirmation: GET /api/tx/:txid/status and `status` everywhere. */
export interface TxStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

export interface TxOut<A extends Amount = number> {
  scriptpubkey: string;
  scriptpubkey_asm: string;
  /** "v1_p2tr" | "op_return" | "nonstandard" */
  scriptpubkey_type: string;
  scriptpubkey_address?: string;
  value: A;
}

export interface TxIn<A extends Amount = number> {
  txid: string;
  vout: number;
  /** the output spent; null for a coinbase or when the node cannot find it */
  prevout: TxOut<A> | null;
  scriptsig: string;
  scriptsig_asm: string;
  witness: string[];
  is_coinbase: boolean;
  sequence: number;
}

/** GET /api/tx/:txid, and the items of every tx list. */
export interface TxInfo<A extends Amount = number> {
  txid: string;
  version: number;
  locktime: number;
  vin: TxIn<A>[];
  vout: TxOut<A>[];
  size: number;
  weight: number;
  /** 0 for a coinbase, or when an input's value is unknown */
  fee: A;
  status: TxStatus;
}

/** GET /api/tx/:txid/outspend/:vout (and each item of /outspends): as electrs. */
export interface Outspend {
  spent: boolean;
  txid?: string;
  vin?: number;
  status?: TxStatus;
}

/** GET /api/tx/:txid/merkle-proof (hashes in display hex, as Electrum and Esplora). */
export interface MerkleProof {
  block_height: number;
  merkle: string[];
  pos: number;
}

// ------------------------------------------------------------------ addresses and scripts

export interface AddressStats<A extends Amount = number> {
  funded_txo_count: number;
  funded_txo_sum: A;
  spent_txo_count: number;
  spent_txo_sum: A;
  tx_count: number;
}

/** GET /api/address/:address */
export interface AddressInfo<A extends Amount = number> {
  address: string;
  chain_stats: AddressStats<A>;
  mempool_stats: AddressStats<A>;
}

/** GET /api/scripthash/:hash */
export interface ScripthashInfo<A extends Amount = number> {
  scripthash: string;
  chain_stats: AddressStats<A>;
  mempool_stats: AddressStats<A>;
}

/** Items of GET /api/address/:address/utxo (and /api/scripthash/:hash/utxo). */
export interface Utxo<A extends Amount = number> {
  txid: string;
  vout: number;
  status: TxStatus;
  value: A;
}

// ------------------------------------------------------------------ mempool and fees

/** GET /api/mempool and the /api/ws `mempool` event. */
export interface MempoolInfo<A extends Amount = number> {
  count: number;
  vsize: number;
  total_fee: A;
  /** [fee rate sat/vB, vsize] pairs, highest rate first */
  fee_histogram: Array<[number, number]>;
}

/** Items of GET /api/mempool/recent and the /api/ws `tx` event. */
export interface RecentTx<A extends Amount = number> {
  txid: string;
  fee: A;
  vsize: number;
  value: A;
}

/** GET /api/fee-estimates: confirmation target in blocks → sat/vB. */
export type FeeEstimates = Record<string, number>;

// ------------------------------------------------------------------ Cairn's own

export interface SyncInfo {
  state: string;
  /** blocks / headers, 1 when synced */
  progress: number;
  headers_height: number;
  blocks_height: number;
  eta_seconds?: number | null;
}

export interface VerifierInfo {
  backend: string;
  requested: string;
  fallback_reason: string | null;
}

/** GET /api/node */
export interface NodeInfo {
  network: string;
  /** the node's name, when it was given one (`--name`; a devnet names its nodes node1, node2, …) */
  name?: string;
  version: string;
  /** confirmations a coinbase needs before consensus lets it be spent */
  coinbase_maturity: number;
  tip_height: number;
  tip_hash: string;
  sync: SyncInfo;
  index_height: number;
  peers: number;
  mempool_count: number;
  mempool_vsize: number;
  uptime: number;
  mining: boolean;
  /** hashes per second of this node's own miner (0 when it does not mine) */
  hashrate: number;
  /** public identity key of the node (absent with --no-secure) */
  identity?: string;
  /** the p2p URL other nodes dial */
  p2p_url: string | null;
  siblings: string[];
  verifier: VerifierInfo | null;
}

/** Items of GET /api/peers. */
export interface PeerInfo {
  id: number;
  addr: string;
  direction: 'inbound' | 'outbound';
  version: number | null;
  user_agent: string | null;
  /** best height the peer has shown (headers), or what it claimed in its version */
  height: number;
  ping_ms: number | null;
  ban_score: number;
  bytes_in: number;
  bytes_out: number;
  identity?: string;
  /** the URL it accepts connections on, if it told us */
  listen_url?: string;
  blocks_in_flight: number;
  /** unix seconds */
  connected_at: number;
}

export type ChainTipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';

/** Items of GET /api/chain/tips (Core's getchaintips). */
export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: ChainTipStatus;
}

/** Items of GET /api/chain/blocks: the block tree for fork views. */
export interface TreeBlock {
  hash: string;
  height: number;
  prev: string | null;
  status: ChainTipStatus;
  in_best_chain: boolean;
  /** when this node received the block, unix milliseconds */
  received_at: number | null;
}

/** GET /api/utxo-set-info (Core's gettxoutsetinfo with a MuHash3072 digest). */
export interface UtxoSetInfo<A extends Amount = number> {
  height: number;
  bestblock: string;
  txouts: number;
  total_amount: A;
  digest: string;
}

/** POST /api/admin/mempool/save */
export interface MempoolSaveInfo {
  path: string;
  count: number;
  bytes: number;
}

/** Every error answer: 4xx/5xx with this body. */
export interface ApiErrorBody {
  code: string;
  message: string;
}

// ------------------------------------------------------------------ /api/ws

/** Messages the node sends on /api/ws (see src/api/ws.ts for when). */
export type WsMessage<A extends Amount = number> =
  | { type: 'hello'; network: string; tip_height: number; tip_hash: string }
  | { type: 'block'; block: BlockHeaderInfo }
  | { type: 'reorg'; old_tip: string; new_tip: string; depth: number; old_height: number; new_height: number }
  | { type: 'tx'; tx: RecentTx<A> }
  | { type: 'mempool'; mempool: MempoolInfo<A> }
  | { type: 'address'; address: string; txid: string; confirmed: boolean; block_height?: number; block_hash?: string }
  | { type: 'subscribed' | 'unsubscribed'; address: string }
  | { type: 'error'; code: string; message: string };

/** One projected block (GET /api/v1/fees/mempool-blocks, mempool.space's shape). */
export interface MempoolBlock {
  blockSize: number;
  blockVSize: number;
  nTx: number;
  totalFees: number;
  medianFee: number;
  /** sat/vB by vsize: min, 10th, 25th, median, 75th, 90th percentile, max */
  feeRange: number[];
}

/** The mempool by effective fee rate (GET /api/mempool/fee-levels). */
export interface FeeLevel {
  from: number;
  to: number | null;
  count: number;
  vsize: number;
  fees: number;
}
