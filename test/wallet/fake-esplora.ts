// A small in-memory Esplora for wallet tests: a UTXO set, a mempool with BIP125
// replacement, blocks mined on demand (coinbase to a chosen script), and every broadcast
// checked the way a node would: inputs exist and are unspent or replaceable, amounts
// balance, every key-path signature verifies (noble) against the BIP341 sighash.
import { createServer, type Server } from 'node:http';
import type { AddressInfo as NetAddress } from 'node:net';
import {
  HRPS, SIGHASH_DEFAULT, TaprootSighasher, Tx, bytesToHex, hexToBytes, nobleVerifier, scriptToAddress, type TxOut,
} from '../../src/primitives/index.js';

interface Entry {
  tx: Tx;
  height: number | null;
  coinbase: boolean;
  fee: bigint;
}

export class FakeEsplora {
  readonly txs = new Map<string, Entry>();
  /** "txid:vout" → spending txid */
  readonly spentBy = new Map<string, string>();
  tip = 0;
  reward = 5_000_000_000n;
  feeEstimates: Record<string, number> = { '1': 3, '6': 2, '144': 1 };
  requests: string[] = [];
  private server?: Server;
  url = '';

  /** maturity is the node's to say (cairnd: regtest/main 100, devnet 20); the wallet asks */
  constructor(readonly network: 'regtest' | 'devnet' | 'main' = 'regtest', readonly coinbaseMaturity = network === 'devnet' ? 20 : 100) {}

  get hrp(): string {
    return HRPS[this.network];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.requests.push(`${req.method} ${req.url}`);
        try {
          const [status, out, type] = this.route(req.method ?? 'GET', req.url ?? '/', body);
          res.writeHead(status, { 'content-type': type });
          res.end(out);
        } catch (e) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String((e as Error).stack));
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as NetAddress).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  prevout(txid: string, vout: number): TxOut | undefined {
    return this.txs.get(txid)?.tx.outputs[vout];
  }

  mine(n: number, script?: Uint8Array): void {
    for (let k = 0; k < n; k++) {
      this.tip++;
      for (const e of this.txs.values()) if (e.height === null) e.height = this.tip;
      if (script) {
        const h = this.tip;
        const cb = new Tx({
          version: 1,
          inputs: [{ prevout: { txid: new Uint8Array(32), vout: 0xffffffff }, scriptSig: Uint8Array.of(4, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0), sequence: 0xffffffff, witness: [] }],
          outputs: [{ value: this.reward, script }],
          locktime: 0,
        });
        this.txs.set(cb.txidHex(), { tx: cb, height: h, coinbase: true, fee: 0n });
      }
    }
  }

  mempool(): string[] {
    return [...this.txs.entries()].filter(([, e]) => e.height === null).map(([id]) => id);
  }

  /** Validate and accept (or reject with a reason) a raw transaction. */
  submit(hex: string): [number, string] {
    let tx: Tx;
    try {
      tx = Tx.decode(hexToBytes(hex.trim()));
    } catch (e) {
      return [400, JSON.stringify({ code: 'decode', message: (e as Error).message })];
    }
    const txid = tx.txidHex();
    if (this.txs.has(txid)) return [400, JSON.stringify({ code: 'txn-already-known', message: 'already known' })];
    const prevouts: TxOut[] = [];
    const conflicts = new Set<string>();
    for (const i of tx.inputs) {
      const pid = bytesToHex(i.prevout.txid.slice().reverse());
      const parent = this.txs.get(pid);
      const out = parent?.tx.outputs[i.prevout.vout];
      if (!parent || !out) return [400, JSON.stringify({ code: 'missing-inputs', message: `unknown input ${pid}:${i.prevout.vout}` })];
      if (parent.coinbase && this.tip + 1 - parent.height! < this.coinbaseMaturity) return [400, JSON.stringify({ code: 'premature-spend-of-coinbase', message: 'immature' })];
      const by = this.spentBy.get(`${pid}:${i.prevout.vout}`);
      if (by) {
        const other = this.txs.get(by)!;
        if (other.height !== null) return [400, JSON.stringify({ code: 'missing-inputs', message: 'input already spent in a block' })];
        if (!other.tx.inputs.some((x) => x.sequence < 0xfffffffe)) return [400, JSON.stringify({ code: 'txn-mempool-conflict', message: 'conflict does not signal RBF' })];
        conflicts.add(by);
      }
      prevouts.push(out);
    }
    const inSum = prevouts.reduce((a, o) => a + o.value, 0n);
    const outSum = tx.outputs.reduce((a, o) => a + o.value, 0n);
    if (outSum > inSum) return [400, JSON.stringify({ code: 'bad-txns-in-belowout', message: 'outputs exceed inputs' })];
    for (const o of tx.outputs) if (o.value < 330n) return [400, JSON.stringify({ code: 'dust', message: 'dust output' })];
    const hasher = new TaprootSighasher(tx, prevouts);
    for (let i = 0; i < tx.inputs.length; i++) {
      const w = tx.inputs[i]!.witness;
      if (w.length !== 1 || w[0]!.length !== 64) return [400, JSON.stringify({ code: 'bad-witness', message: `input ${i}` })];
      if (!nobleVerifier.verify(w[0]!, hasher.hash(i, SIGHASH_DEFAULT), prevouts[i]!.script.subarray(2))) {
        return [400, JSON.stringify({ code: 'bad-signature', message: `input ${i} signature does not verify` })];
      }
    }
    const fee = inSum - outSum;
    for (const c of conflicts) {
      const old = this.txs.get(c)!;
      if (fee < old.fee + BigInt(tx.vsize)) return [400, JSON.stringify({ code: 'insufficient-fee', message: 'replacement fee too low' })];
    }
    for (const c of conflicts) {
      const old = this.txs.get(c)!;
      for (const i of old.tx.inputs) this.spentBy.delete(`${bytesToHex(i.prevout.txid.slice().reverse())}:${i.prevout.vout}`);
      this.txs.delete(c);
    }
    for (const i of tx.inputs) this.spentBy.set(`${bytesToHex(i.prevout.txid.slice().reverse())}:${i.prevout.vout}`, txid);
    this.txs.set(txid, { tx, height: null, coinbase: false, fee });
    return [200, txid];
  }

  private status(e: Entry) {
    return e.height === null ? { confirmed: false } : { confirmed: true, block_height: e.height, block_hash: 'ab'.repeat(32), block_time: 1_700_000_000 + e.height };
  }

  private txJson(id: string, e: Entry) {
    return {
      txid: id, version: e.tx.version, locktime: e.tx.locktime, size: e.tx.size, weight: e.tx.weight,
      fee: Number(e.fee), status: this.status(e),
      vin: e.tx.inputs.map((i) => {
        const pid = bytesToHex(i.prevout.txid.slice().reverse());
        const p = e.coinbase ? undefined : this.prevout(pid, i.prevout.vout);
        return {
          txid: pid, vout: i.prevout.vout, is_coinbase: e.coinbase, sequence: i.sequence,
          prevout: p ? { scriptpubkey: bytesToHex(p.script), scriptpubkey_address: scriptToAddress(p.script, this.hrp), value: Number(p.value) } : null,
        };
      }),
      vout: e.tx.outputs.map((o) => ({ scriptpubkey: bytesToHex(o.script), scriptpubkey_address: scriptToAddress(o.script, this.hrp) ?? undefined, value: Number(o.value) })),
    };
  }

  private addrTxs(addr: string): [string, Entry][] {
    const out: [string, Entry][] = [];
    for (const [id, e] of this.txs) {
      const pays = e.tx.outputs.some((o) => scriptToAddress(o.script, this.hrp) === addr);
      const spends = !e.coinbase && e.tx.inputs.some((i) => {
        const p = this.prevout(bytesToHex(i.prevout.txid.slice().reverse()), i.prevout.vout);
        return p && scriptToAddress(p.script, this.hrp) === addr;
      });
      if (pays || spends) out.push([id, e]);
    }
    return out.sort((a, b) => (b[1].height ?? 1e9) - (a[1].height ?? 1e9));
  }

  private stats(addr: string, confirmed: boolean) {
    let fc = 0, fs = 0n, sc = 0, ss = 0n, tc = 0;
    for (const [id, e] of this.addrTxs(addr)) {
      if ((e.height !== null) !== confirmed) continue;
      tc++;
      e.tx.outputs.forEach((o) => {
        if (scriptToAddress(o.script, this.hrp) === addr) { fc++; fs += o.value; }
      });
      if (!e.coinbase) {
        for (const i of e.tx.inputs) {
          const p = this.prevout(bytesToHex(i.prevout.txid.slice().reverse()), i.prevout.vout);
          if (p && scriptToAddress(p.script, this.hrp) === addr) { sc++; ss += p.value; }
        }
      }
      void id;
    }
    return { funded_txo_count: fc, funded_txo_sum: Number(fs), spent_txo_count: sc, spent_txo_sum: Number(ss), tx_count: tc };
  }

  private route(method: string, url: string, body: string): [number, string, string] {
    const J = (x: unknown): [number, string, string] => [200, JSON.stringify(x), 'application/json'];
    const T = (x: string, s = 200): [number, string, string] => [s, x, 'text/plain'];
    const path = url.split('?')[0]!;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/api/tx') {
      const [s, out] = this.submit(body);
      return [s, out, s === 200 ? 'text/plain' : 'application/json'];
    }
    if (path === '/api/node') return J({ network: this.network, version: 'fake', coinbase_maturity: this.coinbaseMaturity });
    if (path === '/api/blocks/tip/height') return T(String(this.tip));
    if (path === '/api/fee-estimates') return J(this.feeEstimates);
    if ((m = /^\/api\/address\/([^/]+)$/.exec(path))) {
      const a = decodeURIComponent(m[1]!);
      return J({ address: a, chain_stats: this.stats(a, true), mempool_stats: this.stats(a, false) });
    }
    if ((m = /^\/api\/address\/([^/]+)\/utxo$/.exec(path))) {
      const a = decodeURIComponent(m[1]!);
      const out: unknown[] = [];
      for (const [id, e] of this.txs) {
        e.tx.outputs.forEach((o, vout) => {
          if (scriptToAddress(o.script, this.hrp) === a && !this.spentBy.has(`${id}:${vout}`)) {
            out.push({ txid: id, vout, value: Number(o.value), status: this.status(e) });
          }
        });
      }
      return J(out);
    }
    if ((m = /^\/api\/address\/([^/]+)\/txs(?:\/chain\/([0-9a-f]{64}))?$/.exec(path))) {
      const all = this.addrTxs(decodeURIComponent(m[1]!));
      const mem = all.filter(([, e]) => e.height === null);
      let conf = all.filter(([, e]) => e.height !== null);
      if (m[2]) {
        const at = conf.findIndex(([id]) => id === m![2]);
        conf = at < 0 ? [] : conf.slice(at + 1);
        return J(conf.slice(0, 25).map(([id, e]) => this.txJson(id, e)));
      }
      return J([...mem.slice(0, 50), ...conf.slice(0, 25)].map(([id, e]) => this.txJson(id, e)));
    }
    if ((m = /^\/api\/tx\/([0-9a-f]{64})(\/status|\/hex)?$/.exec(path))) {
      const e = this.txs.get(m[1]!);
      if (!e) return T('Transaction not found', 404);
      if (m[2] === '/status') return J(this.status(e));
      if (m[2] === '/hex') return T(e.tx.toHex());
      return J(this.txJson(m[1]!, e));
    }
    return T('not found', 404);
  }
}

