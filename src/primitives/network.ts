// Network facts: what tells Cairn's networks apart on the wire and in addresses, in one
// place. Consensus params (src/consensus/params.ts) take their name, magic, HRP and
// default ports from here; the node's Noise prologue, the wallet's default node URL and
// the devnet's address checks read the same records. Rules (difficulty, subsidy, ...)
// are not facts of this kind and stay in the consensus params.

export type NetworkName = 'regtest' | 'devnet' | 'main';

export interface NetworkFacts {
  readonly name: NetworkName;
  /** u32 whose little-endian bytes start every p2p frame (the message start bytes). */
  readonly magic: number;
  /** bech32m human-readable part of addresses. */
  readonly hrp: string;
  readonly defaultP2pPort: number;
  readonly defaultApiPort: number;
  /** the network part of the Noise prologue (docs/protocol.md "Transport encryption") */
  readonly prologue: string;
}

/** Message start bytes as the u32 a little-endian read of them gives. */
export function magicOf(bytes: readonly [number, number, number, number]): number {
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

/** The network part of the Noise prologue: `cairn/<network>`. */
export function noisePrologue(network: string): string {
  return `cairn/${network}`;
}

function facts(name: NetworkName, start: readonly [number, number, number, number], hrp: string, p2p: number, api: number): NetworkFacts {
  return Object.freeze({ name, magic: magicOf(start), hrp, defaultP2pPort: p2p, defaultApiPort: api, prologue: noisePrologue(name) });
}

export const NETWORK_FACTS: { readonly [K in NetworkName]: NetworkFacts } = Object.freeze({
  regtest: facts('regtest', [0xfc, 0xc2, 0xa1, 0x9e], 'rcrn', 18644, 18643),
  devnet: facts('devnet', [0xfb, 0xc2, 0xa1, 0x9e], 'tcrn', 18544, 18543),
  main: facts('main', [0xfa, 0xc2, 0xa1, 0x9e], 'crn', 8544, 8543),
});

export const NETWORK_NAMES: readonly NetworkName[] = Object.freeze(Object.keys(NETWORK_FACTS) as NetworkName[]);

export function isNetworkName(s: string): s is NetworkName {
  return Object.prototype.hasOwnProperty.call(NETWORK_FACTS, s);
}
