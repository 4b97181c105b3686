// Admin authentication: a Bearer token equal to the cookie file's contents. The compare
// hashes both sides first so timingSafeEqual sees equal lengths and the time taken says
// nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import { addressToScript } from '../primitives/index.js';
import { HttpError, badRequest, type Request, type Router } from './http.js';
import type { ApiContext, P2PControl } from './context.js';

export function bearerGuard(token: string): (req: Request) => void {
  const want = createHash('sha256').update(token).digest();
  return (req) => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (!m) throw new HttpError(401, 'unauthorized', 'admin endpoints need "Authorization: Bearer <token>" (the token is in <datadir>/.cookie)');
    const got = createHash('sha256').update(m[1]!).digest();
    if (!timingSafeEqual(got, want)) throw new HttpError(401, 'unauthorized', 'wrong admin token (read it again from <datadir>/.cookie: it changes at every start)');
  };
}

const asInt = (v: unknown, what: string, min: number, max: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badRequest('bad-param', `${what} must be an integer in ${min}..${max}`);
  return v;
};

const asString = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 500) throw badRequest('bad-param', `${what} must be a non-empty string`);
  return v;
};

const needP2p = (ctx: ApiContext): P2PControl => {
  if (!ctx.p2p) throw new HttpError(503, 'p2p-disabled', 'peer-to-peer networking is not running on this node');
  return ctx.p2p;
};

/** Admin routes: all behind the Bearer guard, none with CORS headers. */
export function registerAdmin(router: Router, ctx: ApiContext, token: string): void {
  const guard = bearerGuard(token);
  const opts = { guard };
  const body = async (r: Request): Promise<Record<string, unknown>> => {
    const j = await r.json();
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw badRequest('bad-json', 'the body must be a JSON object');
    return j as Record<string, unknown>;
  };
  router.add('POST', '/api/admin/mine', async (r) => {
    const b = await body(r);
    const n = asInt(b.blocks ?? 1, 'blocks', 1, 1000);
    const script = addressToScript(asString(b.address, 'address'), ctx.params.hrp);
    if (!ctx.miner) throw new HttpError(503, 'miner-disabled', 'this node has no miner');
    const hashes = await ctx.miner.generate(n, script);
    await ctx.indexer.idle();
    return hashes;
  }, opts);
  router.add('POST', '/api/admin/miner', async (r) => {
    const b = await body(r);
    if (typeof b.enabled !== 'boolean') throw badRequest('bad-param', 'enabled must be true or false');
    if (!ctx.miner) throw new HttpError(503, 'miner-disabled', 'this node has no miner');
    const script = b.address !== undefined ? addressToScript(asString(b.address, 'address'), ctx.params.hrp) : undefined;
    const threads = b.threads !== undefined ? asInt(b.threads, 'threads', 1, 64) : undefined;
    ctx.miner.setMining({ enabled: b.enabled, ...(script ? { script } : {}), ...(threads ? { threads } : {}) });
    return { mining: ctx.miner.mining };
  }, opts);
  router.add('POST', '/api/admin/peers', async (r) => {
    const url = asString((await body(r)).url, 'url');
    try {
      await needP2p(ctx).connect(url);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'self') throw badRequest('self', `${(e as Error).message}: a node never dials itself`);
      throw e;
    }
    return { connected: url };
  }, opts);
  router.add('DELETE', '/api/admin/peers/:id', async (r) => {
    const ok = await needP2p(ctx).disconnect(r.params.id!);
    if (!ok) throw new HttpError(404, 'not-found', `no peer with id ${r.params.id}`);
    return { disconnected: r.params.id };
  }, opts);
  router.add('POST', '/api/admin/ban', async (r) => {
    const b = await body(r);
    if ((b.host === undefined) === (b.identity === undefined)) throw badRequest('bad-param', 'give either "host" (an address) or "identity" (a node identity key), not both');
    const seconds = asInt(b.seconds ?? 86400, 'seconds', 1, 10 * 365 * 86400);
    if (b.identity !== undefined) {
      // An identity outlives addresses: a banned node that moves or comes back through
      // another host is still refused, at the handshake, before it can send anything.
      const id = asString(b.identity, 'identity').trim().toLowerCase();
      if (!/^0[23][0-9a-f]{64}$/.test(id)) throw badRequest('bad-param', 'identity must be 66 hex digits (a compressed public key, as /api/node shows it)');
      const p2p = needP2p(ctx);
      if (!p2p.identity) throw new HttpError(503, 'no-identity', 'this node runs without transport encryption (--no-secure): peers have no identities to ban');
      await p2p.ban(`id:${id}`, seconds);
      return { banned: id, seconds };
    }
    const host = asString(b.host, 'host');
    await needP2p(ctx).ban(host, seconds);
    return { banned: host, seconds };
  }, opts);
  router.add('POST', '/api/admin/partition', async (r) => {
    const peers = (await body(r)).peers;
    if (!Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) throw badRequest('bad-param', 'peers must be an array of URLs or hosts');
    const p2p = needP2p(ctx);
    if (!p2p.setPartition) throw new HttpError(503, 'unsupported', 'this p2p node has no fault injection');
    p2p.setPartition(peers as string[]);
    return { partitioned: peers };
  }, opts);
  router.add('POST', '/api/admin/heal', () => {
    const p2p = needP2p(ctx);
    if (!p2p.heal) throw new HttpError(503, 'unsupported', 'this p2p node has no fault injection');
    p2p.heal();
    return { healed: true };
  }, opts);
  router.add('POST', '/api/admin/latency', async (r) => {
    const ms = asInt((await body(r)).ms, 'ms', 0, 60_000);
    const p2p = needP2p(ctx);
    if (!p2p.setLatency) throw new HttpError(503, 'unsupported', 'this p2p node has no fault injection');
    p2p.setLatency(ms);
    return { latency_ms: ms };
  }, opts);
  router.add('POST', '/api/admin/mempool/save', async () => {
    if (!ctx.saveMempool) throw new HttpError(503, 'unsupported', 'this node does not persist its mempool');
    return ctx.saveMempool();
  }, opts);
  router.add('POST', '/api/admin/shutdown', () => {
    // after the response is flushed
    setImmediate(() => ctx.shutdown());
    return { stopping: true };
  }, opts);
}
