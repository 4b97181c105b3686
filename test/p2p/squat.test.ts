// Listen-URL squatting (issue #16 item 3, docs/protocol.md "Resource limits"): on
// encrypted connections "already connected" compares Noise identities, and a claimed
// version.listenUrl is only a hint. Two honest nodes H and V over SecureTransport on
// 127.0.0.1; H goes away, a peer with another identity connects to V claiming H's listen
// URL and stays, then H comes back on the same port. Whichever side dials, H and V must
// be connected again within seconds while the squatter is still there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Peer } from '../../src/p2p/peer.js';
import { MAX_MESSAGE_SIZE } from '../../src/p2p/messages/index.js';
import { SECURE_OVERHEAD, SecureTransport, identityFromSecret, type IdentityKey } from '../../src/p2p/secure/index.js';
import { WsTransport } from '../../src/p2p/transport.js';
import { cryptoRng, systemClock } from '../../src/primitives/index.js';
import { Harness, params, waitFor, type TestNode } from './netnode.js';

const H = identityFromSecret(new Uint8Array(32).fill(0x11));
const V = identityFromSecret(new Uint8Array(32).fill(0x22));
const S = identityFromSecret(new Uint8Array(32).fill(0x33));

let h: Harness;
beforeAll(() => {
  h = new Harness();
});
afterAll(async () => {
  await h.close();
});

const secure = (id: IdentityKey): SecureTransport =>
  new SecureTransport(new WsTransport({ maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD }), { identity: id, rng: cryptoRng, context: `cairn/${params.name}` });

/** `dials`: whether this node makes outbound connections (seeds, connect()) or only takes inbound ones. */
function node(name: string, id: IdentityKey, dials: boolean, o: { port?: number; dir?: string; seeds?: string[] } = {}): Promise<TestNode> {
  return h.node(name, {
    transport: secure(id),
    identity: id.id,
    outboundTarget: dials ? 8 : 0,
    listen: { host: '127.0.0.1', port: o.port ?? 0 },
    ...(o.dir ? { dir: o.dir } : {}),
    ...(o.seeds ? { seeds: o.seeds } : {}),
  });
}

/** The honest peer as V sees it: ready and authenticated as H. */
const hAt = (v: TestNode) => v.node.peers().filter((p) => p.identity === H.id);

/** A peer with identity S that tells `victim` it listens at `claimedUrl`, and stays. */
async function squat(victim: TestNode, claimedUrl: string): Promise<Peer> {
  const conn = await secure(S).dial(victim.url);
  const p = new Peer({
    conn,
    magic: params.magic,
    genesis: params.genesisHash,
    clock: systemClock,
    rng: cryptoRng,
    ownNonces: new Set(),
    local: () => ({ services: 1n, bestHeight: 0, userAgent: '/squatter/', listenUrl: claimedUrl, relay: true }),
  });
  p.start();
  await waitFor(() => p.state === 'ready' && victim.node.peers().some((q) => q.identity === S.id && q.listen_url === claimedUrl), 'the squatter admitted with the claimed URL');
  return p;
}

describe('a peer claiming an honest node’s listen URL', () => {
  for (const dialer of ['V', 'H'] as const) {
    it(`does not keep the honest node out when ${dialer === 'V' ? 'the victim dials it' : 'it dials the victim'}`, async () => {
      // Ports first: each seeds the other's URL as needed.
      // Only one side dials, so each direction is proven on its own: the victim's dial
      // loop must not count the squatter's claim as H, and its inbound duplicate check
      // must not take H for the squatter.
      const v = await node(`v-${dialer}`, V, dialer === 'V');
      const first = await node(`h-${dialer}`, H, dialer === 'H', dialer === 'H' ? { seeds: [v.url] } : {});
      const hUrl = first.url;
      const port = Number(new URL(hUrl).port);
      if (dialer === 'V') await v.node.connect(hUrl);
      await waitFor(() => hAt(v).length === 1, 'H and V connected');

      await first.stop(); // the disconnect the squatter waits for
      await waitFor(() => hAt(v).length === 0, 'V notices H gone');
      const squatter = await squat(v, hUrl);
      try {
        const back = await node(`h-${dialer}`, H, dialer === 'H', { port, dir: first.dir, ...(dialer === 'H' ? { seeds: [v.url] } : {}) });
        expect(back.url).toBe(hUrl);
        const t0 = Date.now();
        await waitFor(() => hAt(v).length === 1 && back.node.peers().some((p) => p.identity === V.id), 'H reconnected to V despite the squatter', 10_000);
        const took = Date.now() - t0;
        // Both still in: the squatter was not needed out of the way for H to get in.
        expect(squatter.state).toBe('ready');
        expect(v.node.peers().filter((p) => p.identity === S.id).map((p) => p.listen_url)).toEqual([hUrl]);
        expect(hAt(v)).toHaveLength(1);
        expect(took).toBeLessThan(10_000);
      } finally {
        squatter.close('test over');
      }
    }, 60_000);
  }
});
