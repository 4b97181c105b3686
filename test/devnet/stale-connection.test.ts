// A kept-alive HTTP connection can be closed by the node just as a client sends its next
// request on it (the node's idle timeout, a client stalled on a loaded machine); undici
// then fails with "fetch failed" although the node is up. The devnet and wallet clients
// ask a GET again once, as browsers do, and never repeat a POST. This server answers the
// first request on each connection and drops the connection on the second.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { NodeClient } from '../../devnet/api.js';
import { EsploraClient } from '../../wallet/client.js';

let server: Server;
let base = '';
let answered = 0;
let dropped = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const s = req.socket as typeof req.socket & { served?: number };
    s.served = (s.served ?? 0) + 1;
    if (s.served > 1) {
      dropped++;
      req.socket.destroy();
      return;
    }
    answered++;
    res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
    res.end(req.url === '/api/blocks/tip/height' ? '42' : JSON.stringify({ network: 'devnet', tip_height: 7 }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('a kept-alive connection closed under a request', () => {
  it('the devnet client asks a GET again on a fresh connection', async () => {
    const c = new NodeClient(base);
    const [a0, d0] = [answered, dropped];
    // every call succeeds, until one has ridden a kept-alive connection that was dropped
    let calls = 0;
    while (dropped === d0 && calls < 10) {
      expect((await c.node()).tip_height).toBe(7);
      calls++;
    }
    expect(dropped - d0).toBe(1);
    expect(answered - a0).toBe(calls);
  });

  it('the devnet client never repeats a POST', async () => {
    const c = new NodeClient(base);
    // POSTs until one rides a kept-alive connection: that one fails, and is not sent again
    let failed: unknown;
    for (let i = 0; i < 10 && !failed; i++) {
      const d0 = dropped;
      failed = await c.request('POST', '/api/tx', 'deadbeef').then(() => undefined, (e: unknown) => e);
      expect(dropped - d0).toBe(failed ? 1 : 0);
    }
    expect(failed).toMatchObject({ code: 'node-unreachable', hint: expect.stringMatching(/cairn-devnet status/) });
  });

  it('the wallet client asks a GET again on a fresh connection', async () => {
    const w = new EsploraClient(base);
    const d0 = dropped;
    let calls = 0;
    while (dropped === d0 && calls < 10) {
      expect(await w.tipHeight()).toBe(42);
      calls++;
    }
    expect(dropped - d0).toBe(1);
  });
});
