// A small in-memory stand-in for cairnd's public API (issue #6's Esplora-style contract plus
// Cairn's /api/node, /api/peers, /api/chain/*, /api/ws and POST /api/admin/mine), used to
// drive the explorer in a browser until the real daemon exists. Transactions and headers are
// real Cairn encodings (so txids, sizes, weights and raw hex agree with each other); nothing
// is validated, and signatures are placeholder bytes — this is a fixture, not a node.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo as NetAddress } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { addressToScript, encodeAddress, scriptToAddress } from '../../src/primitives/address.js';
import { bytesToHex, hashToHex, hexToHash } from '../../src/primitives/bytes.js';
import { BlockHeader } from '../../src/primitives/header.js';
import { merkleRoot } from '../../src/primitives/merkle.js';
import { opReturnScript, p2trScript } from '../../src/primitives/script.js';
import { NULL_HASH, Tx } from '../../src/primitives/tx.js';

const COIN = 100_000_000;
const REWARD = 50 * COIN;
const REGTEST_BITS = 0x207fffff;

function det(seed: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).digest());
}

export function fakeAddress(label: string): string {
  return encodeAddress(det(`key:${label}`), 'rcrn');
}

function difficultyOf(bits: number): number {
  const target = (b: number) => (b & 0xffffff) * 2 ** (8 * ((b >>> 24) - 3));
  return target(0x1d00ffff) / target(bits);
}

interface FBlock {
  id: string;
  height: number;
  prev: string | null;
  header: BlockHeader;
  txids: string[];
  size: number;
  weight: number;
  createdMs: number;
}

interface FTx {
  tx: Tx;
  txid: string;
  fee: number;
  firstSeenMs: number;
}

/** One chain (block tree + mempool) that one or several fake nodes serve. */
export class FakeChain {
  readonly blocks = new Map<string, FBlock>();
  readonly best: string[] = [];
  readonly txs = new Map<string, FTx>();
  mempool: string[] = [];
  private counter = 0;
  private clockSec: number;
  readonly listeners = new Set<(msg: unknown) => void>();

  constructor(startSec = Math.floor(Date.now() / 1000) - 6 * 3600) {
    this.clockSec = startSec;
    this.best.push(this.addBlock(null, fakeAddress('genesis'), []).id);
  }

  emit(msg: unknown): void {
    for (const l of this.listeners) l(msg);
  }

  get tip(): FBlock {
    return this.blocks.get(this.best[this.best.length - 1]!)!;
  }

  private addBlock(prev: FBlock | null, payTo: string, txids: string[], extraNonce = 0): FBlock {
    const height = prev ? prev.height + 1 : 0;
    const fees = txids.reduce((a, t) => a + this.txs.get(t)!.fee, 0);
    const heightPush = new Uint8Array([4, height & 0xff, (height >> 8) & 0xff, (height >> 16) & 0xff, extraNonce & 0xff]);
    const coinbase = new Tx({
      version: 2,
      inputs: [{ prevout: { txid: NULL_HASH, vout: 0xffffffff }, scriptSig: heightPush, sequence: 0xffffffff, witness: [new Uint8Array(32)] }],
      outputs: [{ value: BigInt(REWARD + fees), script: p2trScript(keyOf(payTo)) }],
      locktime: 0,
    });
    const cb: FTx = { tx: coinbase, txid: coinbase.txidHex(), fee: 0, firstSeenMs: Date.now() };
    this.txs.set(cb.txid, cb);
    const all = [cb, ...txids.map((t) => this.txs.get(t)!)];
    this.clockSec = Math.max(this.clockSec + 60 + ((this.counter * 37) % 540), height === 0 ? this.clockSec : 0);
    if (this.clockSec > Date.now() / 1000) this.clockSec = Math.floor(Date.now() / 1000);
    const header = new BlockHeader({
      version: 0x20000000,
      prevBlock: prev ? prev.header.hash() : NULL_HASH,
      merkleRoot: merkleRoot(all.map((t) => t.tx.txid())).root,
      time: this.clockSec,
      bits: REGTEST_BITS,
      nonce: this.counter++,
    });
    const size = 80 + 1 + all.reduce((a, t) => a + t.tx.size, 0);
    const weight = 4 * (80 + 1) + all.reduce((a, t) => a + t.tx.weight, 0);
    const b: FBlock = { id: header.hashHex(), height, prev: prev?.id ?? null, header, txids: all.map((t) => t.txid), size, weight, createdMs: Date.now() };
    this.blocks.set(b.id, b);
    return b;
  }

  /** Mines n blocks on the tip, the first taking the whole mempool; emits block and mempool events. */
  mine(n: number, payTo: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const b = this.addBlock(this.tip, payTo, this.mempool);
      this.mempool = [];
      this.best.push(b.id);
      out.push(b.id);
      this.emit({ type: 'block', block: this.blockJson(b) });
    }
    this.emit({ type: 'mempool', mempool: this.mempoolJson() });
    return out;
  }

  /** Replaces the last `depth` best blocks with depth+1 empty ones; their txs return to the mempool. */
  reorg(depth: number, payTo: string): void {
    const oldTip = this.tip.id;
    const fork = this.blocks.get(this.best[this.best.length - 1 - depth]!)!;
    const dropped = this.best.splice(fork.height + 1);
    const back = dropped.flatMap((h) => this.blocks.get(h)!.txids.slice(1));
    let prev = fork;
    for (let i = 0; i <= depth; i++) {
      prev = this.addBlock(prev, payTo, [], 1 + i);
      this.best.push(prev.id);
    }
    this.mempool = [...back, ...this.mempool];
    this.emit({ type: 'reorg', old_tip: oldTip, new_tip: this.tip.id, depth });
    this.emit({ type: 'block', block: this.blockJson(this.tip) });
    this.emit({ type: 'mempool', mempool: this.mempoolJson() });
  }

  /** Pays `value` from one of `from`'s unspent outputs to `to`, change back to `from`. */
  pay(from: string, to: string, value: number, feeRate = 2): string {
    const utxo = this.utxos(from).find((u) => u.value >= value + 1000);
    if (!utxo) throw new Error(`fake: ${from} has no output of ${value}`);
    const build = (fee: number) =>
      new Tx({
        version: 2,
        inputs: [{ prevout: { txid: hexToHash(utxo.txid), vout: utxo.vout }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(64).fill(7)] }],
        outputs: [
          { value: BigInt(value), script: p2trScript(keyOf(to)) },
          { value: BigInt(utxo.value - value - fee), script: p2trScript(keyOf(from)) },
          { value: 0n, script: opReturnScript(new TextEncoder().encode(`cairn ${this.counter++}`)) },
        ],
        locktime: this.tip.height,
      });
    const fee = Math.ceil(build(0).vsize * feeRate);
    const tx = build(fee);
    const f: FTx = { tx, txid: tx.txidHex(), fee, firstSeenMs: Date.now() };
    this.txs.set(f.txid, f);
    this.mempool.push(f.txid);
    this.emit({ type: 'tx', tx: this.recentJson(f) });
    this.emit({ type: 'mempool', mempool: this.mempoolJson() });
    return f.txid;
  }

  // ---- queries -------------------------------------------------------------------------

  private confirmedIn(): Map<string, FBlock> {
    const m = new Map<string, FBlock>();
    for (const h of this.best) {
      const b = this.blocks.get(h)!;
      for (const t of b.txids) m.set(t, b);
    }
    return m;
  }

  /** Every tx in the best chain or mempool, oldest first. */
  private liveTxs(): FTx[] {
    return [...this.best.flatMap((h) => this.blocks.get(h)!.txids), ...this.mempool].map((t) => this.txs.get(t)!);
  }

  private outAddr(f: FTx, vout: number): string | null {
    return scriptToAddress(f.tx.outputs[vout]!.script, 'rcrn');
  }

  statusJson(txid: string): object {
    const b = this.confirmedIn().get(txid);
    return b ? { confirmed: true, block_height: b.height, block_hash: b.id, block_time: b.header.time } : { confirmed: false };
  }

  outJson(f: FTx, vout: number): object {
    const o = f.tx.outputs[vout]!;
    const addr = this.outAddr(f, vout);
    return { scriptpubkey: bytesToHex(o.script), scriptpubkey_type: addr ? 'v1_p2tr' : 'op_return', ...(addr ? { scriptpubkey_address: addr } : {}), value: Number(o.value) };
  }

  txJson(txid: string): object | null {
    const f = this.txs.get(txid);
    if (!f) return null;
    const cb = f.tx.isCoinbase();
    return {
      txid,
      version: f.tx.version,
      locktime: f.tx.locktime,
      size: f.tx.size,
      weight: f.tx.weight,
      fee: f.fee,
      vin: f.tx.inputs.map((i) => {
        const ptxid = hashToHex(i.prevout.txid);
        const prev = cb ? undefined : this.txs.get(ptxid);
        return {
          txid: ptxid,
          vout: i.prevout.vout,
          prevout: prev ? this.outJson(prev, i.prevout.vout) : null,
          witness: i.witness.map(bytesToHex),
          sequence: i.sequence,
          is_coinbase: cb,
        };
      }),
      vout: f.tx.outputs.map((_, n) => this.outJson(f, n)),
      status: this.statusJson(txid),
    };
  }

  outspends(txid: string): object[] {
    const f = this.txs.get(txid)!;
    return f.tx.outputs.map((_, n) => {
      for (const s of this.liveTxs())
        for (const [vin, i] of s.tx.inputs.entries())
          if (!s.tx.isCoinbase() && hashToHex(i.prevout.txid) === txid && i.prevout.vout === n) return { spent: true, txid: s.txid, vin, status: this.statusJson(s.txid) };
      return { spent: false };
    });
  }

  blockJson(b: FBlock): object {
    const fees = b.txids.slice(1).map((t) => this.txs.get(t)!);
    const rates = fees.map((f) => f.fee / f.tx.vsize);
    return {
      id: b.id,
      height: b.height,
      version: b.header.version,
      timestamp: b.header.time,
      mediantime: this.medianTime(b),
      tx_count: b.txids.length,
      size: b.size,
      weight: b.weight,
      merkle_root: hashToHex(b.header.merkleRoot),
      previousblockhash: b.prev,
      nonce: b.header.nonce,
      bits: b.header.bits,
      difficulty: difficultyOf(b.header.bits),
      extras: {
        fee_range: rates.length ? [Math.min(...rates), Math.max(...rates)] : [0, 0],
        total_fees: fees.reduce((a, f) => a + f.fee, 0),
        reward: REWARD,
      },
    };
  }

  private medianTime(b: FBlock): number {
    const times: number[] = [];
    let cur: FBlock | undefined = b;
    while (cur && times.length < 11) {
      times.push(cur.header.time);
      cur = cur.prev ? this.blocks.get(cur.prev) : undefined;
    }
    times.sort((x, y) => x - y);
    return times[Math.floor(times.length / 2)]!;
  }

  inBest(hash: string): boolean {
    const b = this.blocks.get(hash);
    return !!b && this.best[b.height] === hash;
  }

  mempoolJson(): { count: number; vsize: number; total_fee: number; fee_histogram: Array<[number, number]> } {
    const txs = this.mempool.map((t) => this.txs.get(t)!);
    const buckets = new Map<number, number>();
    for (const f of txs) {
      const r = Math.round((f.fee / f.tx.vsize) * 10) / 10;
      buckets.set(r, (buckets.get(r) ?? 0) + f.tx.vsize);
    }
    return {
      count: txs.length,
      vsize: txs.reduce((a, f) => a + f.tx.vsize, 0),
      total_fee: txs.reduce((a, f) => a + f.fee, 0),
      fee_histogram: [...buckets.entries()].sort((a, b) => b[0] - a[0]),
    };
  }

  recentJson(f: FTx): object {
    return { txid: f.txid, fee: f.fee, vsize: f.tx.vsize, value: Number(f.tx.outputs.reduce((a, o) => a + o.value, 0n)) };
  }

  utxos(address: string): Array<{ txid: string; vout: number; value: number; status: object }> {
    const spent = new Set<string>();
    const live = this.liveTxs();
    for (const f of live) if (!f.tx.isCoinbase()) for (const i of f.tx.inputs) spent.add(`${hashToHex(i.prevout.txid)}:${i.prevout.vout}`);
    const out = [];
    for (const f of live)
      for (let n = 0; n < f.tx.outputs.length; n++)
        if (this.outAddr(f, n) === address && !spent.has(`${f.txid}:${n}`)) out.push({ txid: f.txid, vout: n, value: Number(f.tx.outputs[n]!.value), status: this.statusJson(f.txid) });
    return out;
  }

  addressTxs(address: string): FTx[] {
    const touches = (f: FTx) =>
      f.tx.outputs.some((_, n) => this.outAddr(f, n) === address) ||
      (!f.tx.isCoinbase() && f.tx.inputs.some((i) => {
        const p = this.txs.get(hashToHex(i.prevout.txid));
        return !!p && this.outAddr(p, i.prevout.vout) === address;
      }));
    return this.liveTxs().filter(touches).reverse();
  }

  addressJson(address: string): object {
    const conf = this.confirmedIn();
    const stats = (confirmed: boolean) => {
      const s = { funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 0 };
      for (const f of this.addressTxs(address)) {
        if (conf.has(f.txid) !== confirmed) continue;
        s.tx_count++;
        f.tx.outputs.forEach((o, n) => {
          if (this.outAddr(f, n) === address) {
            s.funded_txo_count++;
            s.funded_txo_sum += Number(o.value);
          }
        });
        if (!f.tx.isCoinbase())
          for (const i of f.tx.inputs) {
            const p = this.txs.get(hashToHex(i.prevout.txid));
            if (p && this.outAddr(p, i.prevout.vout) === address) {
              s.spent_txo_count++;
              s.spent_txo_sum += Number(p.tx.outputs[i.prevout.vout]!.value);
            }
          }
      }
      return s;
    };
    return { address, chain_stats: stats(true), mempool_stats: stats(false) };
  }
}

/** The 32-byte output key inside a regtest P2TR address (throws on anything else). */
function keyOf(address: string): Uint8Array {
  return addressToScript(address, 'rcrn').slice(2);
}

export interface FakeNodeOptions {
  chain: FakeChain;
  staticDir: string;
  token: string;
  /** this node's place in a fake devnet: its received_at lag and identity */
  index?: number;
  siblings?: () => string[];
  peers?: () => Array<{ identity: string; addr: string }>;
}

export class FakeNode {
  readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  readonly identity: string;
  baseUrl = '';
  private readonly startedMs = Date.now();
  private readonly forward = (msg: unknown) => {
    const s = JSON.stringify(msg);
    for (const ws of this.sockets) ws.send(s);
  };

  constructor(private readonly opts: FakeNodeOptions) {
    this.identity = bytesToHex(det(`identity:${opts.index ?? 0}`));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, sock, head) => {
      if (req.url !== '/api/ws') return sock.destroy();
      this.wss.handleUpgrade(req, sock, head, (ws) => {
        this.sockets.add(ws);
        ws.on('close', () => this.sockets.delete(ws));
        ws.on('message', () => undefined);
      });
    });
    opts.chain.listeners.add(this.forward);
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as NetAddress).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    this.opts.chain.listeners.delete(this.forward);
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (!path.startsWith('/api/')) return this.serveStatic(path, res);
    const c = this.opts.chain;
    const json = (v: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(v));
    };
    const text = (v: string, status = 200) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end(v);
    };
    const notFound = (what: string) => text(`${what} not found`, 404);
    if (req.method === 'POST' && path === '/api/admin/mine') {
      if (req.headers.authorization !== `Bearer ${this.opts.token}`) return text('unauthorized', 401);
      let body = '';
      for await (const chunk of req) body += chunk;
      const { blocks, address } = JSON.parse(body) as { blocks: number; address: string };
      return json(c.mine(blocks, address));
    }
    if (req.method !== 'GET') return text('method not allowed', 405);
    let m: RegExpExecArray | null;
    if (path === '/api/blocks/tip/height') return text(String(c.tip.height));
    if (path === '/api/blocks/tip/hash') return text(c.tip.id);
    if ((m = /^\/api\/block-height\/(\d+)$/.exec(path))) {
      const h = c.best[Number(m[1])];
      return h ? text(h) : notFound('block');
    }
    if ((m = /^\/api\/blocks(?:\/(\d+))?$/.exec(path))) {
      const start = m[1] === undefined ? c.tip.height : Math.min(Number(m[1]), c.tip.height);
      const out = [];
      for (let h = start; h >= 0 && out.length < 10; h--) out.push(c.blockJson(c.blocks.get(c.best[h]!)!));
      return json(out);
    }
    if ((m = /^\/api\/block\/([0-9a-f]{64})(\/.*)?$/.exec(path))) {
      const b = c.blocks.get(m[1]!);
      if (!b) return notFound('block');
      const rest = m[2] ?? '';
      if (rest === '') return json(c.blockJson(b));
      if (rest === '/status') {
        const inBest = c.inBest(b.id);
        return json({ in_best_chain: inBest, height: b.height, next_best: inBest ? (c.best[b.height + 1] ?? null) : null });
      }
      if (rest === '/txids') return json(b.txids);
      if (rest === '/header') return text(bytesToHex(b.header.encode()));
      const t = /^\/txs(?:\/(\d+))?$/.exec(rest);
      if (t) return json(b.txids.slice(Number(t[1] ?? 0), Number(t[1] ?? 0) + 25).map((id) => c.txJson(id)));
      return notFound('path');
    }
    if ((m = /^\/api\/tx\/([0-9a-f]{64})(\/.*)?$/.exec(path))) {
      const tx = c.txJson(m[1]!);
      if (!tx) return notFound('transaction');
      const rest = m[2] ?? '';
      if (rest === '') return json(tx);
      if (rest === '/status') return json(c.statusJson(m[1]!));
      if (rest === '/hex') return text(bytesToHex(c.txs.get(m[1]!)!.tx.encode()));
      if (rest === '/outspends') return json(c.outspends(m[1]!));
      return notFound('path');
    }
    if ((m = /^\/api\/address\/([^/]+)(\/.*)?$/.exec(path))) {
      const addr = m[1]!;
      try {
        keyOf(addr);
      } catch {
        return text('invalid address', 400);
      }
      const rest = m[2] ?? '';
      if (rest === '') return json(c.addressJson(addr));
      if (rest === '/utxo') return json(c.utxos(addr));
      const all = c.addressTxs(addr);
      if (rest === '/txs') return json(all.slice(0, 25).map((f) => c.txJson(f.txid)));
      const p = /^\/txs\/chain\/([0-9a-f]{64})$/.exec(rest);
      if (p) {
        const i = all.findIndex((f) => f.txid === p[1]);
        return json(i < 0 ? [] : all.slice(i + 1, i + 26).map((f) => c.txJson(f.txid)));
      }
      return notFound('path');
    }
    if (path === '/api/mempool') return json(c.mempoolJson());
    if (path === '/api/mempool/txids') return json(c.mempool);
    if (path === '/api/mempool/recent') return json([...c.mempool].reverse().slice(0, 10).map((t) => c.recentJson(c.txs.get(t)!)));
    if (path === '/api/fee-estimates') return json({ '1': 2, '6': 1 });
    if (path === '/api/node')
      return json({
        network: 'regtest',
        version: '0.1.0-fake',
        tip_height: c.tip.height,
        tip_hash: c.tip.id,
        sync: { state: 'synced', progress: 1, headers_height: c.tip.height, blocks_height: c.tip.height },
        peers: this.peerList().length,
        mempool_count: c.mempool.length,
        uptime: Math.floor((Date.now() - this.startedMs) / 1000),
        identity: this.identity,
        ...(this.opts.siblings ? { siblings: this.opts.siblings() } : {}),
      });
    if (path === '/api/peers') return json(this.peerList());
    if (path === '/api/chain/tips') {
      const childless = [...c.blocks.values()].filter((b) => ![...c.blocks.values()].some((x) => x.prev === b.id));
      return json(
        childless.map((b) => {
          let len = 0;
          let cur: FBlock | undefined = b;
          while (cur && !c.inBest(cur.id)) {
            len++;
            cur = cur.prev ? c.blocks.get(cur.prev) : undefined;
          }
          return { height: b.height, hash: b.id, branchlen: len, status: len === 0 ? 'active' : 'valid-fork' };
        }),
      );
    }
    if (path === '/api/chain/blocks') {
      const from = Number(url.searchParams.get('from') ?? '0');
      const lag = (this.opts.index ?? 0) * 40;
      return json(
        [...c.blocks.values()]
          .filter((b) => b.height >= from)
          .sort((a, b) => a.height - b.height)
          .map((b) => ({ hash: b.id, height: b.height, prev: b.prev ?? '0'.repeat(64), status: 'valid', in_best_chain: c.inBest(b.id), received_at: b.createdMs + lag })),
      );
    }
    if (path === '/api/utxo-set-info') return json({ height: c.tip.height, best_block: c.tip.id });
    return notFound('endpoint');
  }

  private peerList(): object[] {
    return (this.opts.peers?.() ?? []).map((p, i) => ({
      id: i,
      addr: p.addr,
      direction: i % 2 ? 'inbound' : 'outbound',
      version: 1,
      user_agent: '/cairn:0.1.0-fake/',
      height: this.opts.chain.tip.height,
      ping_ms: 0.4 + i,
      ban_score: 0,
      bytes_in: 12_345 * (i + 1),
      bytes_out: 23_456 * (i + 1),
      identity: p.identity,
    }));
  }

  private async serveStatic(path: string, res: ServerResponse): Promise<void> {
    const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
    const rel = normalize(path).replace(/^(\.\.[/\\])+/, '');
    let file = join(this.opts.staticDir, rel);
    let body: Buffer;
    try {
      if (path === '/' || !extname(path)) throw new Error('spa');
      body = await readFile(file);
    } catch {
      if (extname(path) && path !== '/') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      file = join(this.opts.staticDir, 'index.html');
      body = await readFile(file);
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  }
}
