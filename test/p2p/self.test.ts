// A node recognizes itself: it never advertises a wildcard address, and never dials a
// URL of its own (any of its addresses with its port, or any URL pinned to its own
// identity), whether the URL comes from its seeds, address gossip or the admin API.
// Before, a devnet node kept dialing its own pinned URL (learned by gossip) and its
// allow-list refused it each time.
import { afterAll, expect, it } from '@jest/globals';
import { SelfDialError } from '../../src/p2p/net.js';
import { WsTransport, type Connection, type Transport } from '../../src/p2p/transport.js';
import { Harness, waitFor } from './netnode.js';

const h = new Harness();
afterAll(() => h.close());

/** A WebSocket transport that records every URL it dials. */
function spying(): { t: Transport; dialed: string[] } {
  const inner = new WsTransport();
  const dialed: string[] = [];
  const t: Transport = {
    listen: (port, host, on) => inner.listen(port, host, on),
    dial: (url: string): Promise<Connection> => {
      dialed.push(url);
      return inner.dial(url);
    },
  };
  return { t, dialed };
}

const ID = 'ab'.repeat(32);

it('on 0.0.0.0 it advertises a real address and never dials its own URLs or identity', async () => {
  const other = await h.node('other');
  const { t, dialed } = spying();
  const port = 1234; // some other machine's port
  const me = await h.node('me', {
    transport: t,
    listen: { host: '0.0.0.0', port: 0 },
    advertiseHost: '127.0.0.1',
    localHosts: ['10.1.2.3'],
    identity: ID,
    seeds: [other.url],
  });
  const url = me.node.listenUrl;
  expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  expect(url).not.toContain('0.0.0.0');
  const myPort = new URL(url).port;
  // its own URL, pinned or not, on loopback, on the wildcard and its other addresses, and
  // any URL pinned to its identity: all of these are itself
  const selves = [url, `${url}#${ID}`, `ws://localhost:${myPort}`, `ws://0.0.0.0:${myPort}`, `ws://10.1.2.3:${myPort}#${ID}`, `ws://[::1]:${myPort}`, `ws://192.0.2.7:${port}#${ID.toUpperCase()}`];
  for (const s of selves) expect([s, me.node.isSelf(s)]).toEqual([s, true]);
  expect(me.node.isSelf(other.url)).toBe(false);
  expect(me.node.isSelf(`ws://127.0.0.1:${Number(myPort) + 1}`)).toBe(false);
  expect(me.node.isSelf(`${url}#${'cd'.repeat(32)}`)).toBe(true); // our own address, whatever identity it is pinned to

  // the admin path refuses, clearly
  await expect(me.node.connect(`${url}#${ID}`)).rejects.toBeInstanceOf(SelfDialError);
  await expect(me.node.connect(`ws://192.0.2.7:${port}#${ID}`)).rejects.toThrow(/is this node itself/);
  // gossip: other tells us our own addresses; we keep dialing only what is not us
  for (const s of selves) (me.node as unknown as { addrman: { add(a: { url: string }, src: string): void } }).addrman.add({ url: s }, '127.0.0.1');
  await waitFor(() => me.node.peers().length === 1, 'connected to the other node');
  await new Promise((r) => setTimeout(r, 1500)); // 15 rounds of the 100 ms outbound loop
  expect(dialed.filter((d) => d !== other.url)).toEqual([]);
});
