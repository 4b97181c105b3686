// The public REST routes. Paths and field names are Blockstream Esplora's wherever the
// concept exists (so Esplora clients and the explorer read Cairn unchanged); Cairn's own
// routes (/api/node, /api/peers, /api/chain/*, /api/utxo-set-info, POST /api/block) use
// the same conventions. Amounts are integer base units; hashes are display hex.
//
// `difficulty` is powLimit / target of the block (so 1.0 at the network's easiest
// target), i.e. Bitcoin's definition with each network's own powLimit as "difficulty 1".
//
// Why this file is long: it is the one route table of the Esplora REST surface, each
// handler a few lines beside its path (the response shapes live in types.ts, the JSON
// builders above it).
import {
  Block,
  Tx,
  addressToScript,
  bytesToHex,
  classifyScript,
  hashToHex,
  hexToBytes,
  hexToHash,
  merkleBlock,
  merkleBranch,
  scriptToAddress,
  scriptToAsm,
  sha256,
  type OutPoint,
} from '../primitives/index.js';
import { blockSubsidy, targetFromBits } from '../consensus/index.js';
import type { ChainEntry } from '../chain/index.js';
import type { MempoolEntry } from '../mempool/index.js';
import type { IndexedOutput } from '../index/index.js';
import { HttpError, badRequest, notFound, type Router } from './http.js';
import type { ApiContext } from './context.js';
import { registerScriptRoutes } from './scripts.js';
import type {
  BlockHeaderInfo,
  BlockInfo,
  BlockStatus,
  ChainTip,
  FeeEstimates,
  MempoolInfo,
  MerkleProof,
  NodeInfo,
  Outspend,
  PeerInfo,
  RecentTx,
  TreeBlock,
  TxInfo,
  TxOut,
  TxStatus,
  UtxoSetInfo,
} from './types.js';

export type { TxStatus } from './types.js';

const BLOCKS_PER_PAGE = 10;
const TXS_PER_PAGE = 25;

// ------------------------------------------------------------------ parsing input

export function parseHash(s: string, what = 'hash'): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(s)) throw badRequest('bad-hex', `${what} must be hex: ${JSON.stringify(s.slice(0, 80))}`);
  if (s.length !== 64) throw badRequest('bad-length', `${what} must be 64 hex characters, got ${s.length}`);
  return hexToHash(s);
}

function parseHeight(s: string): number {
  if (!/^\d{1,10}$/.test(s)) throw badRequest('bad-height', `height must be a non-negative integer: ${JSON.stringify(s.slice(0, 20))}`);
  return Number(s);
}

function parseHexBody(body: Buffer, what: string): Uint8Array {
  const s = body.toString('utf8').trim();
  if (s.length === 0) throw badRequest('empty-body', `send the raw ${what} as hex in the request body`);
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(s)) throw badRequest('bad-hex', `the body must be the raw ${what} in hex`);
  return hexToBytes(s);
}

// ------------------------------------------------------------------ JSON shapes

export function difficulty(bits: number, powLimit: bigint): number {
  const target = targetFromBits(bits, { powLimit });
  if (!target) return 0;
  return Number((powLimit << 32n) / target) / 2 ** 32;
}

/** Esplora's block fields (without Cairn's extras), shared by REST and /api/ws. */
export function blockHeaderJson(e: ChainEntry, b: Block, mediantime: number, powLimit: bigint): BlockHeaderInfo {
  return {
    id: e.hashHex,
    height: e.height,
    version: e.header.version,
    timestamp: e.time,
    tx_count: b.txs.length,
    size: b.size,
    weight: b.weight,
    merkle_root: hashToHex(e.header.merkleRoot),
    previousblockhash: e.prev ? e.prev.hashHex : null,
    mediantime,
    nonce: e.header.nonce,
    bits: e.bits,
    difficulty: difficulty(e.bits, powLimit),
  };
}

export function scriptType(script: Uint8Array): string {
  const t = classifyScript(script).type;
  return t === 'p2tr' ? 'v1_p2tr' : t === 'op_return' ? 'op_return' : 'nonstandard';
}

function voutJson(o: { script: Uint8Array; value: bigint }, hrp: string): TxOut<bigint> {
  const addr = scriptToAddress(o.script, hrp);
  return {
    scriptpubkey: bytesToHex(o.script),
    scriptpubkey_asm: scriptToAsm(o.script),
    scriptpubkey_type: scriptType(o.script),
    ...(addr ? { scriptpubkey_address: addr } : {}),
    value: o.value,
  };
}

export interface FoundTx {
  tx: Tx;
  status: TxStatus;
  /** position in its block when confirmed */
  pos?: number;
  entry?: ChainEntry;
  mempool?: MempoolEntry;
}

/** how many blocks above the index's height a tx lookup scans before answering 404 */
const MAX_UNINDEXED_SCAN = 12;

export class EsploraApi {
  private readonly blockCache = new Map<string, BlockInfo<bigint>>();

  constructor(readonly ctx: ApiContext) {}

  get hrp(): string {
    return this.ctx.params.hrp;
  }

  parseAddress(s: string): Uint8Array {
    return addressToScript(s, this.hrp);
  }

  entryOf(hashHex: string): ChainEntry {
    const e = this.ctx.chain.getEntry(parseHash(hashHex, 'block hash'));
    if (!e || !e.haveData) throw notFound(`block ${hashHex}`);
    return e;
  }

  async blockOf(e: ChainEntry): Promise<Block> {
    const b = await this.ctx.chain.getBlock(e.hash);
    if (!b) throw notFound(`block data for ${e.hashHex}`);
    return b;
  }

  statusOf(e: ChainEntry | undefined): TxStatus {
    if (!e) return { confirmed: false };
    return { confirmed: true, block_height: e.height, block_hash: e.hashHex, block_time: e.time };
  }

  /** Esplora's block object, plus Cairn `extras` for blocks on the active chain. */
  async blockJson(e: ChainEntry, block?: Block): Promise<BlockInfo<bigint>> {
    const cached = this.blockCache.get(e.hashHex);
    if (cached) return cached;
    const b = block ?? (await this.blockOf(e));
    const { chain, params } = this.ctx;
    const j: BlockInfo<bigint> = blockHeaderJson(e, b, chain.medianTimePast(e), params.powLimit);
    const reward = b.txs[0]!.outputs.reduce((s, o) => s + o.value, 0n);
    const extras: NonNullable<BlockInfo<bigint>['extras']> = { reward, total_fees: reward - blockSubsidy(e.height, params) };
    // Per-tx fee rates need every input's value: the index has them for blocks it covers.
    const loc = b.txs.length > 1 ? await this.ctx.indexer.getTx(b.txs[1]!.txid()) : undefined;
    const indexed = loc !== undefined && hashToHex(loc.blockHash) === e.hashHex;
    if (indexed) {
      const ins: OutPoint[] = [];
      for (const tx of b.txs.slice(1)) for (const i of tx.inputs) ins.push(i.prevout);
      const outs = await this.ctx.indexer.getOutputs(ins);
      let k = 0;
      let min = Infinity;
      let max = 0;
      let total = 0n;
      for (const tx of b.txs.slice(1)) {
        let inSum = 0n;
        for (let i = 0; i < tx.inputs.length; i++) inSum += outs[k++]?.value ?? 0n;
        const fee = inSum - tx.outputs.reduce((s, o) => s + o.value, 0n);
        total += fee;
        const rate = Number(fee) / tx.vsize;
        min = Math.min(min, rate);
        max = Math.max(max, rate);
      }
      extras.total_fees = total;
      extras.fee_range = [Math.round(min * 100) / 100, Math.round(max * 100) / 100];
    } else if (b.txs.length === 1) {
      extras.fee_range = [0, 0];
    }
    j.extras = extras;
    if (indexed || b.txs.length === 1) {
      this.blockCache.set(e.hashHex, j);
      if (this.blockCache.size > 512) this.blockCache.delete(this.blockCache.keys().next().value!);
    }
    return j;
  }

  /** A tx from the mempool or the tx index. */
  async findTx(txidHex: string): Promise<FoundTx> {
    const txid = parseHash(txidHex, 'txid');
    const m = this.ctx.mempool.get(txid);
    if (m) return { tx: m.tx, status: { confirmed: false }, mempool: m };
    const loc = await this.ctx.indexer.getTx(txid);
    if (!loc) {
      const recent = await this.findUnindexed(txid);
      if (recent) return recent;
      throw notFound(`transaction ${txidHex}`);
    }
    const entry = this.ctx.chain.getEntry(loc.blockHash);
    const block = entry && (await this.ctx.chain.getBlock(loc.blockHash));
    const tx = block?.txs[loc.pos];
    if (!entry || !tx) throw notFound(`transaction ${txidHex}`);
    return { tx, status: this.statusOf(entry), pos: loc.pos, entry };
  }

  /**
   * A tx in an active block the index has not reached yet. The index follows the chain a
   * moment behind, so a tx that just left the mempool for a block would otherwise answer
   * 404 for that moment (devnet spam's setup read its own funding tx as "not found").
   * Scans at most MAX_UNINDEXED_SCAN blocks from the tip down to the index's height.
   */
  private async findUnindexed(txid: Uint8Array): Promise<FoundTx | undefined> {
    const { chain, indexer } = this.ctx;
    const tip = chain.tip;
    const want = bytesToHex(txid);
    const low = Math.max(indexer.tip.height + 1, tip.height - MAX_UNINDEXED_SCAN + 1, 1);
    for (let h = tip.height; h >= low; h--) {
      const entry = chain.getAncestor(tip, h);
      const block = entry && (await chain.getBlock(entry.hash));
      const pos = block ? block.txs.findIndex((t) => bytesToHex(t.txid()) === want) : -1;
      if (entry && block && pos >= 0) return { tx: block.txs[pos]!, status: this.statusOf(entry), pos, entry };
    }
    return undefined;
  }

  /** Prevouts of a tx's inputs: from mempool parents, else from the output index. */
  async prevoutsOf(tx: Tx): Promise<(IndexedOutput | { value: bigint; script: Uint8Array } | undefined)[]> {
    if (tx.isCoinbase()) return [undefined];
    const res: ({ value: bigint; script: Uint8Array } | undefined)[] = new Array(tx.inputs.length);
    const need: number[] = [];
    tx.inputs.forEach((inp, i) => {
      const parent = this.ctx.mempool.get(inp.prevout.txid);
      const o = parent?.tx.outputs[inp.prevout.vout];
      if (o) res[i] = o;
      else need.push(i);
    });
    const got = await this.ctx.indexer.getOutputs(need.map((i) => tx.inputs[i]!.prevout));
    need.forEach((i, k) => (res[i] = got[k]));
    return res;
  }

  async txJson(tx: Tx, status: TxStatus): Promise<TxInfo<bigint>> {
    const prevs = await this.prevoutsOf(tx);
    const coinbase = tx.isCoinbase();
    let inSum = 0n;
    let known = true;
    const vin = tx.inputs.map((inp, i) => {
      const p = coinbase ? undefined : prevs[i];
      if (p) inSum += p.value;
      else known = false;
      return {
        txid: hashToHex(inp.prevout.txid),
        vout: inp.prevout.vout,
        prevout: p ? voutJson(p, this.hrp) : null,
        scriptsig: bytesToHex(inp.scriptSig),
        scriptsig_asm: scriptToAsm(inp.scriptSig),
        witness: inp.witness.map(bytesToHex),
        is_coinbase: coinbase,
        sequence: inp.sequence,
      };
    });
    const outSum = tx.outputs.reduce((s, o) => s + o.value, 0n);
    return {
      txid: tx.txidHex(),
      version: tx.version,
      locktime: tx.locktime,
      vin,
      vout: tx.outputs.map((o) => voutJson(o, this.hrp)),
      size: tx.size,
      weight: tx.weight,
      fee: coinbase || !known ? 0n : inSum - outSum,
      status,
    };
  }

  async txsJson(found: FoundTx[]): Promise<TxInfo<bigint>[]> {
    return Promise.all(found.map((f) => this.txJson(f.tx, f.status)));
  }

  /**
   * Mempool txs touching a script (paying it, or spending its outputs), newest first. The
   * script is given by its Esplora scripthash, sha256(scriptPubKey), as the index keys it.
   */
  async mempoolTouching(sh: Uint8Array): Promise<{ entries: MempoolEntry[]; funded: { outpoint: OutPoint; value: bigint; entry: MempoolEntry }[]; spent: { outpoint: OutPoint; value: bigint }[] }> {
    const shHex = bytesToHex(sh);
    const seen = new Map<Uint8Array, boolean>();
    const matches = (script: Uint8Array): boolean => {
      let m = seen.get(script);
      if (m === undefined) seen.set(script, (m = bytesToHex(sha256(script)) === shHex));
      return m;
    };
    const all = [...this.ctx.mempool.entries()];
    const ins: OutPoint[] = [];
    for (const e of all) for (const i of e.tx.inputs) ins.push(i.prevout);
    const chainPrevs = await this.ctx.indexer.getOutputs(ins);
    const touching = new Set<MempoolEntry>();
    const funded: { outpoint: OutPoint; value: bigint; entry: MempoolEntry }[] = [];
    const spent: { outpoint: OutPoint; value: bigint }[] = [];
    let k = 0;
    for (const e of all) {
      for (const i of e.tx.inputs) {
        const p = this.ctx.mempool.get(i.prevout.txid)?.tx.outputs[i.prevout.vout] ?? chainPrevs[k];
        k++;
        if (p && matches(p.script)) {
          touching.add(e);
          spent.push({ outpoint: i.prevout, value: p.value });
        }
      }
      e.tx.outputs.forEach((o, vout) => {
        if (!matches(o.script)) return;
        touching.add(e);
        funded.push({ outpoint: { txid: e.txid, vout }, value: o.value, entry: e });
      });
    }
    return { entries: all.filter((e) => touching.has(e)).reverse(), funded, spent };
  }

  /**
   * Confirmed txs touching the script with scripthash `sh`, newest first; after
   * `afterTxid` when given. As electrs, a last_seen_txid that is not a confirmed
   * transaction (unknown, or still in the mempool) ends the listing: [].
   */
  async confirmedHistory(sh: Uint8Array, limit: number, afterTxid?: string): Promise<FoundTx[]> {
    let before: { height: number; pos: number } | undefined;
    if (afterTxid !== undefined) {
      const loc = await this.ctx.indexer.getTx(parseHash(afterTxid, 'last_seen_txid'));
      if (!loc) return [];
      before = loc;
    }
    const items = await this.ctx.indexer.historyBySh(sh, limit, before);
    const out: FoundTx[] = [];
    for (const it of items) {
      const entry = this.ctx.chain.getEntryAt(it.height);
      const block = entry && (await this.ctx.chain.getBlock(entry.hash));
      const tx = block?.txs[it.pos];
      if (entry && tx) out.push({ tx, status: this.statusOf(entry), pos: it.pos, entry });
    }
    return out;
  }
}

export function registerEsplora(router: Router, ctx: ApiContext): EsploraApi {
  const api = new EsploraApi(ctx);
  const { chain, mempool, indexer } = ctx;
  const text = (s: string | number): { body: string } => ({ body: String(s) });

  router.get('/api/blocks/tip/height', () => text(chain.height));
  router.get('/api/blocks/tip/hash', () => text(chain.tip.hashHex));
  router.get('/api/block-height/:height', (r) => {
    const e = chain.getEntryAt(parseHeight(r.params.height!));
    if (!e) throw notFound(`block at height ${r.params.height}`);
    return text(e.hashHex);
  });
  const blocksFrom = async (start: number): Promise<BlockInfo<bigint>[]> => {
    const out: BlockInfo<bigint>[] = [];
    for (let h = Math.min(start, chain.height); h >= 0 && out.length < BLOCKS_PER_PAGE; h--) out.push(await api.blockJson(chain.getEntryAt(h)!));
    return out;
  };
  router.get('/api/blocks', () => blocksFrom(chain.height));
  router.get('/api/blocks/:start', (r) => blocksFrom(parseHeight(r.params.start!)));

  router.get('/api/block/:hash', (r) => api.blockJson(api.entryOf(r.params.hash!)));
  router.get('/api/block/:hash/status', (r): BlockStatus => {
    const e = chain.getEntry(parseHash(r.params.hash!, 'block hash'));
    if (!e) throw notFound(`block ${r.params.hash}`);
    if (!chain.isActive(e)) return { in_best_chain: false };
    return { in_best_chain: true, height: e.height, next_best: chain.nextActive(e)?.hashHex ?? null };
  });
  router.get('/api/block/:hash/txids', async (r) => (await api.blockOf(api.entryOf(r.params.hash!))).txs.map((t) => t.txidHex()));
  const blockTxs = async (hash: string, start: number): Promise<TxInfo<bigint>[]> => {
    const e = api.entryOf(hash);
    const b = await api.blockOf(e);
    if (start % TXS_PER_PAGE !== 0) throw badRequest('bad-start-index', `start_index must be a multiple of ${TXS_PER_PAGE}`);
    if (start >= b.txs.length) throw notFound(`transactions from index ${start} in block ${hash}`);
    const st: TxStatus = chain.isActive(e) ? api.statusOf(e) : { confirmed: false };
    return Promise.all(b.txs.slice(start, start + TXS_PER_PAGE).map((t) => api.txJson(t, st)));
  };
  router.get('/api/block/:hash/txs', (r) => blockTxs(r.params.hash!, 0));
  router.get('/api/block/:hash/txs/:start', (r) => blockTxs(r.params.hash!, parseHeight(r.params.start!)));
  router.get('/api/block/:hash/header', (r) => text(bytesToHex(api.entryOf(r.params.hash!).header.encode())));
  router.get('/api/block/:hash/raw', async (r) => {
    const e = api.entryOf(r.params.hash!);
    const raw = await chain.getBlockRaw(e.hash);
    if (!raw) throw notFound(`block data for ${e.hashHex}`);
    return { body: raw };
  });
  router.get('/api/block/:hash/txid/:index', async (r) => {
    const b = await api.blockOf(api.entryOf(r.params.hash!));
    const tx = b.txs[parseHeight(r.params.index!)];
    if (!tx) throw notFound(`transaction ${r.params.index} in block ${r.params.hash}`);
    return text(tx.txidHex());
  });

  // ------------------------------------------------------------ transactions
  router.get('/api/tx/:txid', async (r): Promise<TxInfo<bigint>> => {
    const f = await api.findTx(r.params.txid!);
    return api.txJson(f.tx, f.status);
  });
  router.get('/api/tx/:txid/status', async (r): Promise<TxStatus> => (await api.findTx(r.params.txid!)).status);
  router.get('/api/tx/:txid/hex', async (r) => text(bytesToHex((await api.findTx(r.params.txid!)).tx.encode())));
  router.get('/api/tx/:txid/raw', async (r) => ({ body: (await api.findTx(r.params.txid!)).tx.encode() }));
  // As electrs: {spent: false}, or the spender's txid, input index and status.
  const outspend = async (txid: Uint8Array, vout: number): Promise<Outspend> => {
    const p = { txid, vout };
    const s = await indexer.getSpender(p);
    if (s) return { spent: true, txid: hashToHex(s.txid), vin: s.vin, status: api.statusOf(chain.getEntryAt(s.height)) };
    const m = mempool.spenderOf(p);
    if (m) {
      const vin = m.tx.inputs.findIndex((i) => i.prevout.vout === vout && bytesToHex(i.prevout.txid) === bytesToHex(txid));
      return { spent: true, txid: m.txidHex, vin, status: { confirmed: false } };
    }
    return { spent: false };
  };
  router.get('/api/tx/:txid/outspends', async (r) => {
    const f = await api.findTx(r.params.txid!);
    return Promise.all(f.tx.outputs.map((_o, vout) => outspend(f.tx.txid(), vout)));
  });
  router.get('/api/tx/:txid/outspend/:vout', async (r) => {
    const f = await api.findTx(r.params.txid!);
    const vout = parseHeight(r.params.vout!);
    if (vout >= f.tx.outputs.length) throw notFound(`output ${vout} of ${r.params.txid} (it has ${f.tx.outputs.length})`);
    return outspend(f.tx.txid(), vout);
  });
  // BIP37 merkleblock (Core's gettxoutproof format) proving the tx is in its block, hex.
  router.get('/api/tx/:txid/merkleblock-proof', async (r) => {
    const f = await api.findTx(r.params.txid!);
    if (!f.entry || f.pos === undefined) throw notFound(`confirmation of ${r.params.txid} (it is unconfirmed)`);
    const b = await api.blockOf(f.entry);
    return text(bytesToHex(merkleBlock(f.entry.header.encode(), b.txs.map((t) => t.txid()), new Set([f.pos]))));
  });
  router.get('/api/tx/:txid/merkle-proof', async (r): Promise<MerkleProof> => {
    const f = await api.findTx(r.params.txid!);
    if (!f.entry || f.pos === undefined) throw notFound(`confirmation of ${r.params.txid} (it is unconfirmed)`);
    const b = await api.blockOf(f.entry);
    const branch = merkleBranch(b.txs.map((t) => t.txid()), f.pos);
    return { block_height: f.entry.height, merkle: branch.map(hashToHex), pos: f.pos };
  });
  router.add(
    'POST',
    '/api/tx',
    async (r) => {
      const raw = parseHexBody(await r.body(), 'transaction');
      const tx = Tx.decode(raw);
      try {
        // counted in cairn_txs_accepted_total{source="api"} by the mempool's `added` event
        const res = await mempool.accept(tx, { source: 'api' });
        return text(res.txid);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        ctx.metrics.txsRejected.inc({ reason: typeof code === 'string' ? code : 'other' });
        throw e;
      }
    },
    { cors: true },
  );

  registerScriptRoutes(router, api);

  // ------------------------------------------------------------ mempool and fees
  const mempoolJson = (): MempoolInfo<bigint> => {
    const i = mempool.info();
    return { count: i.count, vsize: i.vsize, total_fee: i.totalFee, fee_histogram: i.feeHistogram };
  };
  router.get('/api/mempool', mempoolJson);
  router.get('/api/mempool/txids', () => mempool.txids());
  router.get('/api/mempool/recent', (): RecentTx<bigint>[] =>
    mempool.recent(10).map((e) => ({ txid: e.txidHex, fee: e.fee, vsize: e.vsize, value: e.tx.outputs.reduce((s, o) => s + o.value, 0n) })),
  );
  router.get('/api/fee-estimates', (): FeeEstimates => mempool.fees.estimates());

  // ------------------------------------------------------------ Cairn's own
  router.get('/api/node', (): NodeInfo => {
    const sync = ctx.p2p?.syncState?.();
    const best = chain.bestHeader;
    return {
      network: ctx.params.name,
      ...(ctx.name ? { name: ctx.name } : {}),
      version: ctx.version,
      // light wallets take maturity from here so they never hard-code a network's rule
      coinbase_maturity: ctx.params.coinbaseMaturity,
      tip_height: chain.height,
      tip_hash: chain.tip.hashHex,
      sync: sync
        ? sync
        : { state: best.height > chain.height ? 'syncing' : 'synced', progress: best.height === 0 ? 1 : chain.height / best.height, headers_height: best.height, blocks_height: chain.height },
      index_height: indexer.tip.height,
      peers: ctx.p2p?.peers().length ?? 0,
      mempool_count: mempool.size,
      mempool_vsize: mempool.vsize,
      uptime: Math.floor((ctx.clock.now() - ctx.startedAt) / 1000),
      mining: ctx.miner?.mining ?? false,
      hashrate: ctx.miner?.hashrate ?? 0,
      ...(ctx.p2p?.identity ? { identity: ctx.p2p.identity } : {}),
      p2p_url: ctx.p2p?.url ?? null,
      siblings: ctx.siblings,
      verifier: ctx.verifier ?? null,
    };
  });
  router.get('/api/peers', (): PeerInfo[] => ctx.p2p?.peers() ?? []);
  router.get('/api/chain/tips', (): ChainTip[] => chain.getTips());
  router.get('/api/chain/blocks', (r): TreeBlock[] => {
    const q = r.query.get('from');
    const from = q === null ? Math.max(0, chain.height - 50) : parseHeight(q);
    return chain
      .entriesSince(from)
      .slice(0, 2000)
      .map((e) => ({
        hash: e.hashHex,
        height: e.height,
        prev: e.prev ? e.prev.hashHex : null,
        status: chain.isActive(e) ? 'active' : e.failed ? 'invalid' : e.valid ? 'valid-fork' : e.haveData ? 'valid-headers' : 'headers-only',
        in_best_chain: chain.isActive(e),
        received_at: ctx.receivedAt(e.hashHex) ?? null,
      }));
  });
  router.get('/api/utxo-set-info', async (): Promise<UtxoSetInfo<bigint>> => {
    const s = await chain.utxoStats();
    return { height: s.height, bestblock: s.bestBlock, txouts: s.txouts, total_amount: s.totalAmount, digest: s.digest };
  });
  router.add(
    'POST',
    '/api/block',
    async (r) => {
      const block = Block.decode(parseHexBody(await r.body(), 'block'));
      const res = await ctx.submitBlock(block);
      if (res.status === 'orphan') throw new HttpError(400, 'prev-blk-not-found', `the parent of ${res.hash} is unknown; the block is held as an orphan until it arrives`);
      return text(res.hash);
    },
    { cors: true },
  );
  return api;
}
