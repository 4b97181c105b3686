// The tx and address indexes: follows the chain's active path (connect, disconnect, and a
// catch-up or rewind at start-up) and records, per block, where each tx sits, every
// output it created, who spent what, and which scripts each tx touched.
//
// Design: chain events only *wake* the indexer; it then walks from its own indexed tip
// to the chain's tip (rewinding off stale branches first), reading each block through
// Chain.getBlock (whose recent-block cache holds those just connected or disconnected,
// so a keeping-up index reads nothing from disk). So a crash at any point, a lagging
// index, or an index ahead of a chain that lost unflushed blocks all heal the same way.
// Up to `batchBlocks` blocks go into one LevelDB batch; reads inside a batch see its
// pending writes through an overlay.
//
// Why this file is long: it is the index store's one owner — the write path that follows
// the chain and the read API answering from the same keys — and both are short methods;
// the key and value encodings are already in layout.ts and the types in types.ts.
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import { type Block, bytesToHex, equalBytes, hashToHex, type OutPoint } from '../primitives/index.js';
import { isUnspendable } from '../consensus/index.js';
import { levelStats, type Chain, type ChainEntry, type LevelStats } from '../chain/index.js';
import {
  K_META,
  K_TIP,
  P_FUNDED,
  P_HIST,
  SCHEMA_VERSION,
  decodeMeta,
  decodeOutput,
  decodeSpender,
  decodeTip,
  decodeTxLoc,
  encodeMeta,
  encodeOutput,
  encodeSpender,
  encodeTip,
  encodeTxLoc,
  fundedKey,
  histKey,
  outKey,
  readBe32,
  scriptHash,
  shRange,
  spentKey,
  txKey,
  type IndexedOutput,
  type Spender,
  type TxLocation,
} from './layout.js';
import { IndexError, type AddressOutput, type AddressStats, type HistoryItem, type IndexedBlock, type IndexerEvents, type IndexerOptions } from './types.js';

export { IndexError };
export type { AddressOutput, AddressStats, HistoryItem, IndexedBlock, IndexerEvents, IndexerOptions };

type Bytes = Uint8Array;

export class Indexer extends EventEmitter<IndexerEvents> {
  readonly chain: Chain;
  private readonly db: Level<Bytes, Bytes>;
  private readonly batchBlocks: number;
  private tipHash!: Uint8Array;
  private tipHeight = 0;
  private overlay = new Map<string, Bytes | null>();
  private ops: ({ type: 'put'; key: Bytes; value: Bytes } | { type: 'del'; key: Bytes })[] = [];
  private pendingEvents: ['connect' | 'disconnect', IndexedBlock][] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly wake = (_e: ChainEntry, _b: Block): void => {
    this.schedule();
  };

  private constructor(
    db: Level<Bytes, Bytes>,
    private readonly opts: IndexerOptions,
  ) {
    super();
    this.db = db;
    this.chain = opts.chain;
    this.batchBlocks = opts.batchBlocks ?? 100;
  }

  /** Opens (or creates) the index and catches up with the chain before returning. */
  static async open(opts: IndexerOptions): Promise<Indexer> {
    const db = new Level<Bytes, Bytes>(opts.path, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (e) {
      const detail = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
      if (/lock/i.test(detail)) throw new IndexError('db-locked', `the index database at ${opts.path} is in use by another process`);
      throw new IndexError('db-corrupt', `cannot open the index database at ${opts.path}: ${detail}; delete it to rebuild the index`);
    }
    const ix = new Indexer(db, opts);
    try {
      await ix.load();
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    ix.chain.on('connect', ix.wake);
    ix.chain.on('disconnect', ix.wake);
    ix.schedule();
    await ix.idle();
    return ix;
  }

  private async load(): Promise<void> {
    const { params } = this.chain;
    const meta = await this.db.get(K_META);
    if (!meta) {
      this.tipHash = params.genesisHash;
      this.tipHeight = 0;
      await this.db.batch([
        { type: 'put', key: K_META, value: encodeMeta(params.name, params.genesisHash) },
        { type: 'put', key: K_TIP, value: encodeTip(this.tipHash, 0) },
      ]);
      return;
    }
    const m = decodeMeta(meta);
    if (m.network !== params.name || !equalBytes(m.genesis, params.genesisHash)) {
      throw new IndexError('db-foreign', `the index at ${this.opts.path} belongs to network '${m.network}', not '${params.name}'`);
    }
    if (m.version !== SCHEMA_VERSION) throw new IndexError('db-corrupt', `the index at ${this.opts.path} has schema ${m.version}; delete it to rebuild`);
    const t = await this.db.get(K_TIP);
    if (!t) throw new IndexError('db-corrupt', `the index tip is missing in ${this.opts.path}; delete it to rebuild`);
    const tip = decodeTip(t);
    this.tipHash = tip.hash;
    this.tipHeight = tip.height;
  }

  get tip(): { hash: string; height: number } {
    return { hash: hashToHex(this.tipHash), height: this.tipHeight };
  }

  /** LevelDB's native memory and files for the index store (for /metrics). */
  levelStats(): LevelStats | undefined {
    return levelStats(this.db);
  }

  get synced(): boolean {
    return equalBytes(this.tipHash, this.chain.tip.hash);
  }

  /** Resolves once the index has caught up with the chain tip as of the call. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync()
      .catch((e) => {
        if (!this.closed) this.opts.onError?.(e);
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private async sync(): Promise<void> {
    let inBatch = 0;
    for (;;) {
      if (this.closed) return;
      const chainTip = this.chain.tip;
      if (equalBytes(this.tipHash, chainTip.hash)) break;
      const here = this.chain.getEntry(this.tipHash);
      if (!here || !this.chain.isActive(here)) {
        const block = await this.blockOf(this.tipHash);
        if (!block) throw new IndexError('db-corrupt', `indexed block ${hashToHex(this.tipHash)} is not in the chain database; delete the index to rebuild`);
        await this.disconnectBlock(block);
      } else {
        const next = this.chain.getEntryAt(here.height + 1);
        if (!next) break;
        const block = await this.blockOf(next.hash);
        if (!block) throw new IndexError('db-corrupt', `active block ${next.hashHex} is missing from the chain database`);
        await this.connectBlock(block, next.height);
      }
      if (++inBatch >= this.batchBlocks) {
        await this.commit();
        inBatch = 0;
      }
    }
    await this.commit();
  }

  /** The chain's getBlock answers blocks just connected or disconnected from its recent-block cache. */
  private async blockOf(hash: Uint8Array): Promise<Block | undefined> {
    return this.chain.getBlock(hash);
  }

  private put(key: Bytes, value: Bytes): void {
    this.ops.push({ type: 'put', key, value });
    this.overlay.set(bytesToHex(key), value);
  }

  private del(key: Bytes): void {
    this.ops.push({ type: 'del', key });
    this.overlay.set(bytesToHex(key), null);
  }

  private async read(key: Bytes): Promise<Bytes | undefined> {
    const o = this.overlay.get(bytesToHex(key));
    if (o !== undefined) return o ?? undefined;
    return (await this.db.get(key)) ?? undefined;
  }

  private async commit(): Promise<void> {
    if (this.ops.length === 0) return;
    this.ops.push({ type: 'put', key: K_TIP, value: encodeTip(this.tipHash, this.tipHeight) });
    await this.db.batch(this.ops);
    this.ops = [];
    this.overlay = new Map();
    const events = this.pendingEvents;
    this.pendingEvents = [];
    for (const [kind, b] of events) this.emit(kind, b);
  }

  /** Prevout records of a block's inputs (created earlier, possibly in this same block). */
  private async prevouts(block: Block): Promise<(IndexedOutput | undefined)[][]> {
    const created = new Map<string, IndexedOutput>();
    const out: (IndexedOutput | undefined)[][] = [];
    for (let t = 0; t < block.txs.length; t++) {
      const tx = block.txs[t]!;
      const row: (IndexedOutput | undefined)[] = [];
      if (t > 0) {
        for (const i of tx.inputs) {
          const k = bytesToHex(outKey(i.prevout));
          const local = created.get(k);
          if (local) row.push(local);
          else {
            const v = await this.read(outKey(i.prevout));
            row.push(v ? decodeOutput(v) : undefined);
          }
        }
      }
      out.push(row);
      const txid = tx.txid();
      tx.outputs.forEach((o, vout) => created.set(bytesToHex(outKey({ txid, vout })), { height: 0, value: o.value, coinbase: t === 0, script: o.script }));
    }
    return out;
  }

  private async connectBlock(block: Block, height: number): Promise<void> {
    const hash = block.hash();
    const prevs = await this.prevouts(block);
    const touched = new Map<string, string[]>();
    const touch = (script: Uint8Array, txidHex: string): void => {
      const k = bytesToHex(script);
      const l = touched.get(k);
      if (!l) touched.set(k, [txidHex]);
      else if (l[l.length - 1] !== txidHex) l.push(txidHex);
    };
    block.txs.forEach((tx, pos) => {
      const txid = tx.txid();
      const txidHex = hashToHex(txid);
      this.put(txKey(txid), encodeTxLoc({ blockHash: hash, height, pos }));
      if (pos > 0) {
        tx.inputs.forEach((input, vin) => {
          this.put(spentKey(input.prevout), encodeSpender({ txid, vin, height }));
          const prev = prevs[pos]![vin];
          if (prev) {
            this.put(histKey(scriptHash(prev.script), height, pos, txid), new Uint8Array(0));
            touch(prev.script, txidHex);
          }
        });
      }
      tx.outputs.forEach((o, vout) => {
        // Only outputs that become coins (consensus's rule) are indexed as outputs.
        if (isUnspendable(o.script)) return;
        const p = { txid, vout };
        const sh = scriptHash(o.script);
        this.put(outKey(p), encodeOutput({ height, value: o.value, coinbase: pos === 0, script: o.script }));
        this.put(fundedKey(sh, p), new Uint8Array(0));
        this.put(histKey(sh, height, pos, txid), new Uint8Array(0));
        touch(o.script, txidHex);
      });
    });
    this.tipHash = hash;
    this.tipHeight = height;
    this.pendingEvents.push(['connect', { hash: hashToHex(hash), height, touched }]);
  }

  private async disconnectBlock(block: Block): Promise<void> {
    const hash = block.hash();
    const height = this.tipHeight;
    const prevs = await this.prevouts(block);
    const touched = new Map<string, string[]>();
    for (let pos = block.txs.length - 1; pos >= 0; pos--) {
      const tx = block.txs[pos]!;
      const txid = tx.txid();
      const txidHex = hashToHex(txid);
      this.del(txKey(txid));
      tx.outputs.forEach((o, vout) => {
        if (isUnspendable(o.script)) return;
        const p = { txid, vout };
        const sh = scriptHash(o.script);
        this.del(outKey(p));
        this.del(fundedKey(sh, p));
        this.del(histKey(sh, height, pos, txid));
        touched.set(bytesToHex(o.script), [...(touched.get(bytesToHex(o.script)) ?? []), txidHex]);
      });
      if (pos === 0) continue;
      tx.inputs.forEach((input, vin) => {
        this.del(spentKey(input.prevout));
        const prev = prevs[pos]![vin];
        if (prev) this.del(histKey(scriptHash(prev.script), height, pos, txid));
      });
    }
    this.tipHash = block.header.prevBlock;
    this.tipHeight = height - 1;
    this.pendingEvents.push(['disconnect', { hash: hashToHex(hash), height, touched }]);
  }

  // ------------------------------------------------------------------ queries

  async getTx(txid: Uint8Array): Promise<TxLocation | undefined> {
    const v = await this.db.get(txKey(txid));
    return v ? decodeTxLoc(v) : undefined;
  }

  async getOutput(p: OutPoint): Promise<IndexedOutput | undefined> {
    const v = await this.db.get(outKey(p));
    return v ? decodeOutput(v) : undefined;
  }

  async getOutputs(ps: readonly OutPoint[]): Promise<(IndexedOutput | undefined)[]> {
    if (ps.length === 0) return [];
    const vs = await this.db.getMany(ps.map(outKey));
    return vs.map((v) => (v ? decodeOutput(v) : undefined));
  }

  async getSpender(p: OutPoint): Promise<Spender | undefined> {
    const v = await this.db.get(spentKey(p));
    return v ? decodeSpender(v) : undefined;
  }

  /** Confirmed outputs paying `script`, each with its spender if spent. */
  addressOutputs(script: Uint8Array): Promise<AddressOutput[]> {
    return this.outputsBySh(scriptHash(script));
  }

  /** As addressOutputs, for the script whose Esplora scripthash (sha256) is `sh`. */
  async outputsBySh(sh: Uint8Array): Promise<AddressOutput[]> {
    const ps: OutPoint[] = [];
    for await (const k of this.db.keys(shRange(P_FUNDED, sh))) ps.push({ txid: k.slice(33, 65), vout: readBe32(k, 65) });
    if (ps.length === 0) return [];
    const [outs, spends] = await Promise.all([this.db.getMany(ps.map(outKey)), this.db.getMany(ps.map(spentKey))]);
    const res: AddressOutput[] = [];
    ps.forEach((outpoint, i) => {
      const o = outs[i];
      if (!o) return; // written in a batch being replaced right now; the next read sees it settled
      const s = spends[i];
      res.push({ outpoint, output: decodeOutput(o), spender: s ? decodeSpender(s) : undefined });
    });
    return res;
  }

  addressStats(script: Uint8Array): Promise<AddressStats> {
    return this.statsBySh(scriptHash(script));
  }

  async statsBySh(sh: Uint8Array): Promise<AddressStats> {
    const outs = await this.outputsBySh(sh);
    const s: AddressStats = { funded_txo_count: 0, funded_txo_sum: 0n, spent_txo_count: 0, spent_txo_sum: 0n, tx_count: 0 };
    for (const o of outs) {
      s.funded_txo_count++;
      s.funded_txo_sum += o.output.value;
      if (o.spender) {
        s.spent_txo_count++;
        s.spent_txo_sum += o.output.value;
      }
    }
    for await (const _ of this.db.keys(shRange(P_HIST, sh))) s.tx_count++;
    return s;
  }

  /** Confirmed txs touching `script`, newest first, optionally after (older than) `before`. */
  addressHistory(script: Uint8Array, limit: number, before?: { height: number; pos: number }): Promise<HistoryItem[]> {
    return this.historyBySh(scriptHash(script), limit, before);
  }

  async historyBySh(sh: Uint8Array, limit: number, before?: { height: number; pos: number }): Promise<HistoryItem[]> {
    const range = shRange(P_HIST, sh);
    const lt = before ? histKey(sh, before.height, before.pos, new Uint8Array(32)) : range.lt;
    const out: HistoryItem[] = [];
    for await (const k of this.db.keys({ gte: range.gte, lt, reverse: true, limit })) {
      out.push({ txid: k.slice(41, 73), height: readBe32(k, 33), pos: readBe32(k, 37) });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.chain.off('connect', this.wake);
    this.chain.off('disconnect', this.wake);
    await this.idle();
    this.closed = true;
    await this.db.close();
  }
}
