// Stall detection: a peer that shows the headers but never delivers blocks loses its
// assignments to an honest peer and is disconnected; sync completes regardless.
import { afterAll, expect, it } from '@jest/globals';
import { decodeMessage, encodeMessage, type Message } from '../../src/p2p/messages/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { Harness, params, waitFor } from '../p2p/netnode.js';

const h = new Harness();
afterAll(() => h.close());

it('reassigns a staller\'s blocks to another peer and drops the staller', async () => {
  const builder = new ChainBuilder(params);
  const { blocks } = builder.chain(builder.genesis(), 150);
  const honest = await h.node('stall-honest', { kind: 'mem', blocks });
  let getdata = 0;
  let closed: string | undefined;
  const listener = await h.mem.transport('staller').listen(0, 'staller', (conn) => {
    const send = (m: Message): void => conn.send(encodeMessage(params.magic, m));
    conn.onClose((r) => (closed = r));
    conn.onMessage((d) => {
      const m = decodeMessage(params.magic, d);
      if (m.cmd === 'version') {
        send({ ...m, nonce: 777n, userAgent: '/staller/', listenUrl: '', bestHeight: 150 });
        send({ cmd: 'verack' });
      } else if (m.cmd === 'getheaders') {
        send({ cmd: 'headers', headers: blocks.map((b) => b.header) });
      } else if (m.cmd === 'getdata') {
        getdata += m.items.length; // and never answer
      } else if (m.cmd === 'ping') {
        send({ cmd: 'pong', nonce: m.nonce });
      }
    });
  });
  const victim = await h.node('stall-victim', {
    kind: 'mem',
    seeds: [listener.url!, honest.url],
    sync: { stallTimeoutMs: 200, maxStalls: 1 },
  });
  await waitFor(() => victim.chain.height === 150, 'sync despite the staller');
  await waitFor(() => closed !== undefined, 'staller dropped');
  expect(closed).toMatch(/stalling block download/);
  expect(getdata).toBeGreaterThan(0);
  expect(victim.chain.tip.hashHex).toBe(honest.chain.tip.hashHex);
  await listener.close();
});
