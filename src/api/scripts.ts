// Esplora's per-script routes, served twice as electrs does: under /api/address/:address
// and under /api/scripthash/:hash, where the hash is sha256(scriptPubKey) in hex as
// computed (Esplora's scripthash; Electrum's is the same bytes reversed). Both read the
// address index, which is keyed by that hash, plus the mempool.
import { bytesToHex, hashToHex, hexToBytes, sha256 } from '../primitives/index.js';
import { badRequest, type Request, type Router } from './http.js';
import type { EsploraApi } from './esplora.js';
import type { AddressInfo, AddressStats, ScripthashInfo, TxStatus, Utxo } from './types.js';

// electrs's CHAIN_TXS_PER_PAGE and MAX_MEMPOOL_TXS
const TXS_PER_PAGE = 25;
const UNCONFIRMED: TxStatus = { confirmed: false };
const MEMPOOL_TXS_IN_HISTORY = 50;

export function parseScripthash(s: string): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(s)) throw badRequest('bad-hex', `scripthash must be hex: ${JSON.stringify(s.slice(0, 80))}`);
  if (s.length !== 64) throw badRequest('bad-length', `scripthash must be 64 hex characters (sha256 of the scriptPubKey), got ${s.length}`);
  return hexToBytes(s);
}

export function registerScriptRoutes(router: Router, api: EsploraApi): void {
  const { chain, indexer } = api.ctx;
  const kinds = [
    { prefix: '/api/address/:address', field: 'address', sh: (r: Request) => sha256(api.parseAddress(r.params.address!)) },
    { prefix: '/api/scripthash/:hash', field: 'scripthash', sh: (r: Request) => parseScripthash(r.params.hash!) },
  ];
  for (const k of kinds) {
    router.get(k.prefix, async (r) => {
      const sh = k.sh(r);
      const chainStats = await indexer.statsBySh(sh);
      const m = await api.mempoolTouching(sh);
      const chain_stats: AddressStats<bigint> = chainStats;
      const mempool_stats: AddressStats<bigint> = {
        funded_txo_count: m.funded.length,
        funded_txo_sum: m.funded.reduce((s, f) => s + f.value, 0n),
        spent_txo_count: m.spent.length,
        spent_txo_sum: m.spent.reduce((s, f) => s + f.value, 0n),
        tx_count: m.entries.length,
      };
      return r.params.address !== undefined
        ? ({ address: r.params.address, chain_stats, mempool_stats } satisfies AddressInfo<bigint>)
        : ({ scripthash: r.params.hash!, chain_stats, mempool_stats } satisfies ScripthashInfo<bigint>);
    });
    router.get(`${k.prefix}/txs`, async (r) => {
      const sh = k.sh(r);
      const m = await api.mempoolTouching(sh);
      const pending = m.entries.slice(0, MEMPOOL_TXS_IN_HISTORY).map((e) => ({ tx: e.tx, status: UNCONFIRMED }));
      const confirmed = await api.confirmedHistory(sh, TXS_PER_PAGE);
      return api.txsJson([...pending, ...confirmed]);
    });
    router.get(`${k.prefix}/txs/chain`, async (r) => api.txsJson(await api.confirmedHistory(k.sh(r), TXS_PER_PAGE)));
    router.get(`${k.prefix}/txs/chain/:last`, async (r) => api.txsJson(await api.confirmedHistory(k.sh(r), TXS_PER_PAGE, r.params.last!)));
    router.get(`${k.prefix}/txs/mempool`, async (r) => {
      const m = await api.mempoolTouching(k.sh(r));
      return api.txsJson(m.entries.slice(0, MEMPOOL_TXS_IN_HISTORY).map((e) => ({ tx: e.tx, status: UNCONFIRMED })));
    });
    router.get(`${k.prefix}/utxo`, async (r) => {
      const sh = k.sh(r);
      const outs = await indexer.outputsBySh(sh);
      const m = await api.mempoolTouching(sh);
      const key = (p: { txid: Uint8Array; vout: number }): string => `${bytesToHex(p.txid)}:${p.vout}`;
      const spentInMempool = new Set(m.spent.map((s) => key(s.outpoint)));
      const res: Utxo<bigint>[] = [];
      for (const o of outs) {
        if (o.spender || spentInMempool.has(key(o.outpoint))) continue;
        res.push({ txid: hashToHex(o.outpoint.txid), vout: o.outpoint.vout, status: api.statusOf(chain.getEntryAt(o.output.height)), value: o.output.value });
      }
      for (const f of m.funded) {
        if (spentInMempool.has(key(f.outpoint))) continue;
        res.push({ txid: f.entry.txidHex, vout: f.outpoint.vout, status: UNCONFIRMED, value: f.value });
      }
      return res;
    });
  }
}
