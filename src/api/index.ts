// The HTTP API of cairnd: Esplora-compatible public REST routes, Cairn's own node and
// chain routes, Bearer-protected admin routes, Prometheus /metrics, live events on
// /api/ws and the explorer's static files.
// Error contract: every failure is JSON {code, message}; status from one table (rule and
// policy failures, malformed input → 400; unknown → 404; no/wrong token → 401; feature
// not running → 503; anything else → 500, logged). Rejected input changes nothing.
// Invariants: public reads send `Access-Control-Allow-Origin: *`; admin routes never do
// and never answer a CORS preflight. The API only reads subsystems through ApiContext.
// The JSON shapes it serves are in types.ts, the one file clients (wallet, explorer,
// devnet) may import from src/api; they are re-exported here for the node's code.
export { ApiServer } from './server.js';
export type { ApiServerOptions } from './server.js';
export type { ApiContext, P2PControl, PeerView, MinerControl } from './context.js';
export { Metrics } from './metrics.js';
export type { MetricsSources } from './metrics.js';
export { HttpError, Router, createApiServer, errorStatus } from './http.js';
export { difficulty, scriptType } from './esplora.js';
export { bearerGuard } from './admin.js';
export type * from './types.js';
