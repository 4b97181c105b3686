// Live events on /api/ws: `block` (each block connected), `reorg` (old tip, new tip,
// depth, sent before the blocks of the new branch), `tx` (entered the mempool),
// `mempool` (summary, at most once per second) and `address` (a subscribed address was
// paid or spent from, in the mempool or a block).
// Client messages: {"subscribe":"address","address":A} / {"unsubscribe":"address","address":A}.
// A client that does not read (its socket buffer above MAX_BUFFERED) is disconnected
// rather than letting the node's memory grow for it.
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { type Block, addressToScript, bytesToHex } from '../primitives/index.js';
import type { ChainEntry, TipChange } from '../chain/index.js';
import type { MempoolEntry } from '../mempool/index.js';
import type { IndexedBlock } from '../index/index.js';
import { jsonReplacer } from './http.js';
import type { ApiContext } from './context.js';
import { blockHeaderJson } from './esplora.js';
import type { BlockHeaderInfo, WsMessage } from './types.js';

export const MAX_BUFFERED = 1 << 20;
export const MAX_SUBSCRIPTIONS = 100;

interface Client {
  ws: WebSocket;
  /** script hex → address */
  subs: Map<string, string>;
}

export class LiveEvents {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private connected: [ChainEntry, Block][] = [];
  private mempoolTimer: object | null = null;
  private readonly off: (() => void)[] = [];

  constructor(
    server: Server,
    private readonly ctx: ApiContext,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
    const onUpgrade = (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== '/api/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    };
    server.on('upgrade', onUpgrade);
    this.off.push(() => server.off('upgrade', onUpgrade));

    const { chain, mempool, indexer } = ctx;
    const onConnect = (e: ChainEntry, b: Block): void => {
      this.connected.push([e, b]);
    };
    const onTip = (c: TipChange): void => this.onTip(c);
    const onAdded = (e: MempoolEntry): void => this.onTx(e);
    const onRemoved = (): void => this.scheduleMempool();
    const onIndexed = (b: IndexedBlock): void => this.onIndexed(b, true);
    chain.on('connect', onConnect);
    chain.on('tip', onTip);
    mempool.on('added', onAdded);
    mempool.on('removed', onRemoved);
    indexer.on('connect', onIndexed);
    this.off.push(
      () => chain.off('connect', onConnect),
      () => chain.off('tip', onTip),
      () => mempool.off('added', onAdded),
      () => mempool.off('removed', onRemoved),
      () => indexer.off('connect', onIndexed),
    );
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private accept(ws: WebSocket): void {
    const c: Client = { ws, subs: new Map() };
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      let msg: { subscribe?: unknown; unsubscribe?: unknown; address?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return this.send(c, { type: 'error', code: 'bad-json', message: 'messages must be JSON' });
      }
      const kind = msg.subscribe ?? msg.unsubscribe;
      if (kind !== 'address' || typeof msg.address !== 'string') {
        return this.send(c, { type: 'error', code: 'bad-request', message: 'expected {"subscribe":"address","address":"..."} or {"unsubscribe":...}' });
      }
      let script: Uint8Array;
      try {
        script = this.addrScript(msg.address);
      } catch (e) {
        return this.send(c, { type: 'error', code: 'bad-address', message: (e as Error).message });
      }
      const key = bytesToHex(script);
      if (msg.subscribe) {
        if (c.subs.size >= MAX_SUBSCRIPTIONS && !c.subs.has(key)) {
          return this.send(c, { type: 'error', code: 'too-many-subscriptions', message: `at most ${MAX_SUBSCRIPTIONS} addresses per connection` });
        }
        c.subs.set(key, msg.address);
        this.send(c, { type: 'subscribed', address: msg.address });
      } else {
        c.subs.delete(key);
        this.send(c, { type: 'unsubscribed', address: msg.address });
      }
    });
    this.send(c, { type: 'hello', network: this.ctx.params.name, tip_height: this.ctx.chain.height, tip_hash: this.ctx.chain.tip.hashHex });
  }

  private addrScript(a: string): Uint8Array {
    return addressToScript(a, this.ctx.params.hrp);
  }

  private send(c: Client, msg: WsMessage<bigint>): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED) {
      c.ws.close(1013, 'too slow: events are not being read');
      this.clients.delete(c);
      return;
    }
    c.ws.send(JSON.stringify(msg, jsonReplacer));
  }

  private broadcast(msg: WsMessage<bigint>): void {
    if (this.clients.size === 0) return;
    for (const c of this.clients) this.send(c, msg);
  }

  private onTip(c: TipChange): void {
    const connected = this.connected;
    this.connected = [];
    if (c.reorgDepth > 0) {
      this.ctx.metrics.reorgs.inc();
      this.ctx.metrics.reorgDepth.observe(c.reorgDepth);
      this.broadcast({ type: 'reorg', old_tip: c.previous.hashHex, new_tip: c.tip.hashHex, depth: c.reorgDepth, old_height: c.previous.height, new_height: c.tip.height });
    }
    for (const [e, b] of connected) {
      if (!this.ctx.chain.isActive(e)) continue;
      this.broadcast({ type: 'block', block: this.blockInfo(e, b) });
    }
    this.scheduleMempool();
  }

  private blockInfo(e: ChainEntry, b: Block): BlockHeaderInfo {
    return blockHeaderJson(e, b, this.ctx.chain.medianTimePast(e), this.ctx.params.powLimit);
  }

  private onTx(e: MempoolEntry): void {
    this.broadcast({ type: 'tx', tx: { txid: e.txidHex, fee: e.fee, vsize: e.vsize, value: e.tx.outputs.reduce((s, o) => s + o.value, 0n) } });
    this.scheduleMempool();
    if (![...this.clients].some((c) => c.subs.size > 0)) return;
    const scripts = new Set(e.tx.outputs.map((o) => bytesToHex(o.script)));
    void this.ctx.indexer.getOutputs(e.tx.inputs.map((i) => i.prevout)).then((prevs) => {
      for (const p of prevs) if (p) scripts.add(bytesToHex(p.script));
      for (const i of e.tx.inputs) {
        const parent = this.ctx.mempool.get(i.prevout.txid)?.tx.outputs[i.prevout.vout];
        if (parent) scripts.add(bytesToHex(parent.script));
      }
      for (const c of this.clients) {
        for (const s of scripts) {
          const address = c.subs.get(s);
          if (address) this.send(c, { type: 'address', address, txid: e.txidHex, confirmed: false });
        }
      }
    }, () => undefined);
  }

  private onIndexed(b: IndexedBlock, confirmed: boolean): void {
    for (const c of this.clients) {
      for (const [script, address] of c.subs) {
        for (const txid of b.touched.get(script) ?? []) this.send(c, { type: 'address', address, txid, confirmed, block_height: b.height, block_hash: b.hash });
      }
    }
  }

  private scheduleMempool(): void {
    if (this.mempoolTimer || this.clients.size === 0) return;
    this.mempoolTimer = this.ctx.clock.setTimeout(() => {
      this.mempoolTimer = null;
      const i = this.ctx.mempool.info();
      this.broadcast({ type: 'mempool', mempool: { count: i.count, vsize: i.vsize, total_fee: i.totalFee, fee_histogram: i.feeHistogram } });
    }, 1000);
  }

  async close(): Promise<void> {
    for (const f of this.off) f();
    if (this.mempoolTimer) this.ctx.clock.clearTimeout(this.mempoolTimer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
