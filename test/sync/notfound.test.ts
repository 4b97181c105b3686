// A peer that shows a header chain but answers every getdata with notfound (a header-only
// branch, cheap at low difficulty) is not asked for the same blocks again at once. Found by
// the network simulator's hostile nodes: the node re-requested on every notfound, a
// getdata/notfound ping-pong at network latency for as long as the peer stayed connected.
import { afterAll, expect, it } from '@jest/globals';
import { decodeMessage, encodeMessage, type Message } from '../../src/p2p/messages/index.js';
import { bytesToHex } from '../../src/primitives/index.js';
import { ChainBuilder } from '../support/chainbuilder.js';
import { Harness, params, waitFor } from '../p2p/netnode.js';

const h = new Harness();
afterAll(() => h.close());

it('does not ask a peer again right away for blocks it said it does not have', async () => {
  const builder = new ChainBuilder(params);
  const { blocks } = builder.chain(builder.genesis(), 20);
  const asked = new Map<string, number>();
  let notfounds = 0;
  let pongs = 0;
  const listener = await h.mem.transport('headers-only').listen(0, 'headers-only', (conn) => {
    const send = (m: Message): void => conn.send(encodeMessage(params.magic, m));
    conn.onMessage((d) => {
      const m = decodeMessage(params.magic, d);
      if (m.cmd === 'version') {
        send({ ...m, nonce: 778n, userAgent: '/headers-only/', listenUrl: '', bestHeight: 20 });
        send({ cmd: 'verack' });
      } else if (m.cmd === 'getheaders') {
        send({ cmd: 'headers', headers: blocks.map((b) => b.header) });
      } else if (m.cmd === 'getdata') {
        for (const it of m.items) asked.set(bytesToHex(it.hash), (asked.get(bytesToHex(it.hash)) ?? 0) + 1);
        // notfound, then a ping: the node handles messages in order, so its pong comes
        // after any getdata the notfound made it send
        send({ cmd: 'notfound', items: m.items });
        notfounds++;
        send({ cmd: 'ping', nonce: BigInt(notfounds) });
      } else if (m.cmd === 'ping') {
        send({ cmd: 'pong', nonce: m.nonce });
      } else if (m.cmd === 'pong' && m.nonce <= 1000n) {
        pongs++;
      }
    });
  });
  const victim = await h.node('notfound-victim', { kind: 'mem', seeds: [listener.url!] });
  // every block of the branch asked for (its request slots free up on each notfound) and
  // every ping after a notfound answered: by then any re-request would have arrived
  await waitFor(() => asked.size === 20 && pongs === notfounds, 'all 20 blocks asked for and every notfound followed by its pong');
  expect(Math.max(...asked.values())).toBe(1);
  expect(victim.chain.height).toBe(0);
  await listener.close();
});
