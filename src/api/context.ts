// What the API needs from the node, as interfaces: the HTTP layer never constructs
// subsystems, so tests and the node compose them, and p2p or the miner can be absent.
import type { ConsensusParams } from '../consensus/index.js';
import type { Chain } from '../chain/index.js';
import type { Mempool } from '../mempool/index.js';
import type { Indexer } from '../index/index.js';
import type { Block, Clock } from '../primitives/index.js';
import type { Metrics } from './metrics.js';
import type { MempoolSaveInfo, PeerInfo, SyncInfo, VerifierInfo } from './types.js';

/** The peer-to-peer node as the API drives it (see src/p2p); every method may be absent-safe. */
export interface P2PControl {
  peers(): PeerView[];
  connect(url: string): Promise<unknown>;
  disconnect(id: string): boolean | Promise<boolean>;
  /** key: a host or URL, or `id:<identity hex>` for an authenticated node identity */
  ban(key: string, seconds: number): void | Promise<void>;
  syncState?(): SyncInfo;
  setPartition?(peers: string[]): void;
  heal?(): void;
  setLatency?(ms: number): void;
  /** bytes per message type, for /metrics */
  metrics?(): { bytesIn?: Record<string, number>; bytesOut?: Record<string, number> };
  /** the URL other nodes dial to reach this one */
  url?: string;
  /** public identity key (secure transport), display form */
  identity?: string;
}

/** A peer as GET /api/peers serves it (the p2p layer's own PeerInfo has this shape). */
export type PeerView = PeerInfo;

/** Block production (regtest: instant; devnet/main: real proof of work). */
export interface MinerControl {
  generate(n: number, script: Uint8Array): Promise<string[]>;
  setMining(opts: { enabled: boolean; script?: Uint8Array; threads?: number }): void;
  readonly mining: boolean;
  readonly hashrate: number;
}

export interface ApiContext {
  params: ConsensusParams;
  chain: Chain;
  mempool: Mempool;
  indexer: Indexer;
  metrics: Metrics;
  clock: Clock;
  version: string;
  startedAt: number;
  siblings: string[];
  /** the node's name (--name), if given */
  name?: string | undefined;
  /** the signature verifier chosen at start */
  verifier?: VerifierInfo | undefined;
  p2p?: P2PControl | undefined;
  miner?: MinerControl | undefined;
  /** when this node first received each block, ms (for the fork view) */
  receivedAt(hashHex: string): number | undefined;
  /** submits a block as submitblock does; resolves once it is stored and indexed */
  submitBlock(block: Block): Promise<{ status: string; hash: string }>;
  /** writes the mempool file now (Core's savemempool); absent when the node keeps none */
  saveMempool?: () => Promise<MempoolSaveInfo>;
  /** asks the node to stop (the response is sent first) */
  shutdown(): void;
  log: { info(o: object, msg?: string): void; warn(o: object, msg?: string): void; error(o: object, msg?: string): void };
}
