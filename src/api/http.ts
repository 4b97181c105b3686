// A tiny router over node:http(s): exact segments and ':name' captures, one handler per
// method and pattern. Errors become JSON {code, message} with a status from one table,
// so every route reports failures the same way and nothing but a bug yields a 500.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { RuleError } from '../consensus/index.js';
import { ChainError } from '../chain/index.js';
import { PolicyError } from '../mempool/index.js';
import { AddressError, DecodeError } from '../primitives/index.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not-found', `${what} not found`);
export const badRequest = (code: string, message: string): HttpError => new HttpError(400, code, message);

/** Chain errors that describe the submitted data rather than the node. */
const CHAIN_CLIENT_CODES = new Set(['duplicate', 'duplicate-invalid', 'prev-blk-not-found', 'bad-prevblk']);

/** The status table: rule and policy failures and malformed input are the client's (400). */
export function errorStatus(e: unknown): { status: number; code: string; message: string } {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof RuleError) return { status: 400, code: e.code, message: e.message };
  if (e instanceof PolicyError) return { status: 400, code: e.code, message: e.message };
  if (e instanceof DecodeError) return { status: 400, code: `decode-${e.code}`, message: e.message };
  if (e instanceof AddressError) return { status: 400, code: `address-${e.code}`, message: e.message };
  if (e instanceof ChainError && CHAIN_CLIENT_CODES.has(e.code)) return { status: 400, code: e.code, message: e.message };
  return { status: 500, code: 'internal', message: 'internal error (see the node log)' };
}

export interface Reply {
  status?: number;
  /** string → text/plain, Uint8Array → application/octet-stream, anything else → JSON */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** the raw body, at most `maxBody` bytes (413 beyond) */
  body(): Promise<Buffer>;
  json(): Promise<unknown>;
}

export interface RouteOptions {
  /** send Access-Control-Allow-Origin: * (read-only public routes) */
  cors?: boolean;
  /** runs first; throws HttpError to refuse (admin auth) */
  guard?: (req: Request) => void;
}

type Handler = (req: Request) => Promise<Reply | unknown> | Reply | unknown;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
  opts: RouteOptions;
}

export const MAX_BODY = 8 * 1024 * 1024;

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, opts: RouteOptions = {}): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler, opts });
    return this;
  }

  get(p: string, h: Handler, o: RouteOptions = { cors: true }): this {
    return this.add('GET', p, h, o);
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    const segs = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i]!;
        let s: string;
        try {
          s = decodeURIComponent(segs[i]!);
        } catch {
          ok = false;
          break;
        }
        if (p.startsWith(':')) params[p.slice(1)] = s;
        else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        methodMismatch = true;
        continue;
      }
      return { route: r, params };
    }
    return methodMismatch ? 'method' : undefined;
  }
}

export interface ServerOptions {
  router: Router;
  /** requests the router does not know (static files); return false to fall through to 404 */
  fallback?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  tls?: { cert: string | Buffer; key: string | Buffer };
  onError: (e: unknown, req: IncomingMessage) => void;
  onRequest?: (method: string, route: string, status: number) => void;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new HttpError(413, 'body-too-large', `request body above ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, contentType: string | undefined, headers: Record<string, string>, head: boolean): void {
  let data: Buffer;
  let type: string;
  if (typeof body === 'string') {
    data = Buffer.from(body, 'utf8');
    type = contentType ?? 'text/plain; charset=utf-8';
  } else if (body instanceof Uint8Array) {
    data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    type = contentType ?? 'application/octet-stream';
  } else {
    data = Buffer.from(JSON.stringify(body, jsonReplacer), 'utf8');
    type = contentType ?? 'application/json';
  }
  res.writeHead(status, { 'content-type': type, 'content-length': String(data.length), ...headers });
  res.end(head ? undefined : data);
}

/** Amounts are bigint internally; JSON carries them as numbers (≤ 21e14 < 2^53). */
export function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

function isReply(x: unknown): x is Reply {
  return typeof x === 'object' && x !== null && 'body' in x && Object.keys(x).every((k) => ['status', 'body', 'contentType', 'headers'].includes(k));
}

export function createApiServer(opts: ServerOptions): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const m = opts.router.match(method === 'OPTIONS' ? 'GET' : method, url.pathname);
    const cors = m !== undefined && m !== 'method' && m.route.opts.cors === true;
    const corsHeaders: Record<string, string> = cors ? { 'access-control-allow-origin': '*' } : {};
    let routeName = 'other';
    try {
      if (method === 'OPTIONS') {
        // Preflight only for public reads; admin routes never answer one, so no page on
        // another origin can send them a token.
        if (!cors) throw new HttpError(403, 'forbidden', 'no cross-origin access to this path');
        res.writeHead(204, { ...corsHeaders, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type' });
        res.end();
        return;
      }
      if (m === undefined) {
        if (opts.fallback && !url.pathname.startsWith('/api/') && (method === 'GET' || method === 'HEAD') && (await opts.fallback(req, res))) return;
        throw new HttpError(404, 'not-found', `no such endpoint: ${method} ${url.pathname}`);
      }
      if (m === 'method') throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${url.pathname}`);
      routeName = '/' + m.route.parts.join('/');
      let bodyP: Promise<Buffer> | undefined;
      const request: Request = {
        method,
        path: url.pathname,
        params: m.params,
        query: url.searchParams,
        headers: req.headers,
        body: () => (bodyP ??= readBody(req, MAX_BODY)),
        json: async () => {
          const b = await request.body();
          try {
            return JSON.parse(b.toString('utf8') || '{}');
          } catch {
            throw badRequest('bad-json', 'the request body is not valid JSON');
          }
        },
      };
      m.route.opts.guard?.(request);
      const out = await m.route.handler(request);
      const reply: Reply = isReply(out) ? out : { body: out };
      const status = reply.status ?? 200;
      send(res, status, reply.body, reply.contentType, { ...corsHeaders, ...reply.headers }, method === 'HEAD');
      opts.onRequest?.(method, routeName, status);
    } catch (e) {
      const { status, code, message } = errorStatus(e);
      if (status === 500) opts.onError(e, req);
      const extra: Record<string, string> = { ...corsHeaders };
      if (status === 401) extra['www-authenticate'] = 'Bearer realm="cairnd"';
      if (!res.headersSent) send(res, status, { code, message }, undefined, extra, method === 'HEAD');
      else res.destroy();
      opts.onRequest?.(method, routeName, status);
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
