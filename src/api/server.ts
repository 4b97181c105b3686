// Assembles the API: public Esplora routes, admin routes, /metrics, /api/ws and the
// explorer's static files on one HTTP(S) server.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiServer, Router } from './http.js';
import { registerEsplora } from './esplora.js';
import { registerAdmin } from './admin.js';
import { registerProjection } from './projection.js';
import { BUILD_COMMAND, hasExplorerBuild, missingExplorerHandler, staticHandler } from './static.js';
import { LiveEvents } from './ws.js';
import type { ApiContext } from './context.js';

export interface ApiServerOptions {
  ctx: ApiContext;
  host: string;
  /** 0 picks a free port; see `port` after start */
  port: number;
  /** admin Bearer token (the cookie file's contents) */
  token: string;
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** the explorer build to serve at '/'; without a build there, '/' says how to make one */
  explorerDir?: string | undefined;
}

export class ApiServer {
  private constructor(
    readonly server: Server,
    readonly live: LiveEvents,
    readonly port: number,
    readonly tls: boolean,
  ) {}

  static async start(o: ApiServerOptions): Promise<ApiServer> {
    const { ctx } = o;
    const router = new Router();
    registerEsplora(router, ctx);
    registerProjection(router, ctx);
    registerAdmin(router, ctx, o.token);
    // Not public data-by-default: scrapers are configured, browsers need no CORS here.
    router.get('/metrics', async () => ({ body: await ctx.metrics.text(), contentType: ctx.metrics.contentType }), {});
    let fallback: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<boolean>) | undefined;
    if (o.explorerDir && hasExplorerBuild(o.explorerDir)) fallback = staticHandler(o.explorerDir);
    else if (o.explorerDir) {
      fallback = missingExplorerHandler(o.explorerDir);
      ctx.log.warn({ explorer_dir: o.explorerDir }, `explorer not built: '/' explains how; run \`${BUILD_COMMAND}\``);
    }
    const server = createApiServer({
      router,
      ...(fallback ? { fallback } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      onError: (e, req) => ctx.log.error({ err: e, method: req.method, url: req.url }, 'API request failed'),
      onRequest: (method, route, status) => ctx.metrics.httpRequests.inc({ method, route, status: String(status) }),
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen(o.port, o.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const live = new LiveEvents(server, ctx);
    return new ApiServer(server, live, (server.address() as AddressInfo).port, o.tls !== undefined);
  }

  async close(): Promise<void> {
    await this.live.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
