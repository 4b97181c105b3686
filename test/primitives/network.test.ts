// Network facts live once in src/primitives/network.ts. These tests pin them to what
// docs/protocol.md states (message start bytes on the wire, the Noise prologue context)
// and check that every consumer — consensus params, the address HRPs, the wallet's
// default node port — reads the same record rather than a copy.
import { describe, expect, it } from '@jest/globals';
import { NETWORKS } from '../../src/consensus/index.js';
import { HRPS, NETWORK_FACTS, NETWORK_NAMES, bytesToHex, isNetworkName, noisePrologue } from '../../src/primitives/index.js';
import { DEFAULT_API_PORTS } from '../../wallet/client.js';

/** docs/protocol.md, "Framing": the magic as bytes on the wire. */
const WIRE_MAGIC = { regtest: 'fcc2a19e', devnet: 'fbc2a19e', main: 'fac2a19e' } as const;

function wireBytes(magic: number): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, magic, true);
  return bytesToHex(b);
}

describe('network facts', () => {
  it('are the three networks, with the documented wire magic and prologue context', () => {
    expect([...NETWORK_NAMES].sort()).toEqual(['devnet', 'main', 'regtest']);
    for (const n of NETWORK_NAMES) {
      expect(wireBytes(NETWORK_FACTS[n].magic)).toBe(WIRE_MAGIC[n]);
      expect(NETWORK_FACTS[n].prologue).toBe(`cairn/${n}`);
      expect(noisePrologue(n)).toBe(`cairn/${n}`);
      expect(isNetworkName(n)).toBe(true);
    }
    expect(isNetworkName('bitcoin-main')).toBe(false);
    expect(isNetworkName('toString')).toBe(false);
  });

  it('no two networks share a magic, an HRP or a port', () => {
    const all = NETWORK_NAMES.map((n) => NETWORK_FACTS[n]);
    for (const key of ['magic', 'hrp'] as const) expect(new Set(all.map((f) => f[key])).size).toBe(all.length);
    const ports = all.flatMap((f) => [f.defaultP2pPort, f.defaultApiPort]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('consensus params, address HRPs and the wallet read them', () => {
    for (const n of NETWORK_NAMES) {
      const p = NETWORKS[n];
      const f = NETWORK_FACTS[n];
      expect([p.name, p.magic, p.hrp, p.defaultP2pPort, p.defaultApiPort]).toEqual([f.name, f.magic, f.hrp, f.defaultP2pPort, f.defaultApiPort]);
      expect(HRPS[n]).toBe(f.hrp);
      expect(DEFAULT_API_PORTS[n]).toBe(f.defaultApiPort);
    }
  });

  it('are frozen', () => {
    expect(Object.isFrozen(NETWORK_FACTS)).toBe(true);
    for (const n of NETWORK_NAMES) expect(Object.isFrozen(NETWORK_FACTS[n])).toBe(true);
  });
});
