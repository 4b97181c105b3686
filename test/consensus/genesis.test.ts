import { describe, expect, test } from '@jest/globals';
import { classifyScript, hashToHex } from '../../src/primitives/index.js';
import {
  NETWORKS,
  bitcoinMainParams,
  checkBlockSanity,
  checkProofOfWork,
  connectBlockTxs,
  getParams,
  type ConsensusParams,
} from '../../src/consensus/index.js';

const PINNED: Record<string, string> = {
  regtest: '275cd4330ef90631332e1292661c2f28eb8b2e092cefb22b4a91c5227621a498',
  devnet: '00003d94c1abc0aaf864ff37c9c098615c741b7a40272a05b2991304a80663f4',
  main: '00000269ba1edff3539515eb65f2e778611846ef77a73b9f54fad1dc717b5848',
  'bitcoin-main': '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
};

const ALL: ConsensusParams[] = [...Object.values(NETWORKS), bitcoinMainParams];

describe('genesis blocks', () => {
  test.each(ALL.map((p) => [p.name, p] as const))('%s: pinned hash, valid block, proof of work at powLimit', (name, p) => {
    expect(hashToHex(p.genesisHash)).toBe(PINNED[name]);
    expect(p.genesis.hash()).toEqual(p.genesisHash);
    expect(p.genesis.header.bits).toBe(p.powLimitBits);
    expect(checkProofOfWork(p.genesisHash, p.genesis.header.bits, p)).toBe(true);
    expect(() => checkBlockSanity(p.genesis, p)).not.toThrow();
  });

  test.each(Object.values(NETWORKS).map((p) => [p.name, p] as const))('%s: coinbase-only, BIP34 height 0, creates no spendable coin', (_n, p) => {
    const g = p.genesis;
    expect(g.txs.length).toBe(1);
    expect(g.txs[0]!.isCoinbase()).toBe(true);
    expect(g.txs[0]!.inputs[0]!.scriptSig[0]).toBe(0x00); // OP_0 = height 0
    expect(g.txs[0]!.outputs.map((o) => classifyScript(o.script).type)).toEqual(['op_return']);
    const r = connectBlockTxs(g, 0, { getCoin: () => undefined }, p);
    expect(r.created).toEqual([]);
  });
});

describe('network params', () => {
  const nets = Object.values(NETWORKS);

  test('magics, HRPs, ports and genesis hashes are distinct across networks', () => {
    const distinct = (xs: unknown[]) => expect(new Set(xs).size).toBe(xs.length);
    distinct(ALL.map((p) => p.magic));
    distinct(ALL.map((p) => p.hrp));
    distinct(nets.flatMap((p) => [p.defaultP2pPort, p.defaultApiPort]));
    distinct(ALL.map((p) => hashToHex(p.genesisHash)));
    expect(nets.map((p) => p.hrp).sort()).toEqual(['crn', 'rcrn', 'tcrn']);
    for (const p of ALL) expect(p.magic >>> 0).toBe(p.magic);
  });

  test('Cairn networks: BIP54 and Cairn rules from genesis; 50-coin subsidy; maturity 100 (devnet 20)', () => {
    for (const p of nets) {
      expect(p.bip54).toBe(true);
      expect(p.cairnRules).toBe(true);
      expect(p.subsidy).toBe(50n * 100_000_000n);
      expect(p.coinbaseMaturity).toBe(p.name === 'devnet' ? 20 : 100);
      expect(p.maxBlockWeight).toBe(4_000_000);
    }
    expect(NETWORKS.regtest.halvingInterval).toBe(150);
    expect(NETWORKS.main.halvingInterval).toBe(210_000);
    expect(NETWORKS.devnet.targetSpacing).toBe(10);
    expect(NETWORKS.main.difficulty).toEqual({ kind: 'bitcoin', interval: 2016, timespan: 1_209_600, bip94: true });
    expect(bitcoinMainParams.bip54).toBe(false);
    expect(bitcoinMainParams.cairnRules).toBe(false);
  });

  test('params are frozen data; getParams names the valid networks', () => {
    for (const p of ALL) {
      expect(Object.isFrozen(p)).toBe(true);
      expect(Object.isFrozen(p.difficulty)).toBe(true);
    }
    expect(getParams('devnet')).toBe(NETWORKS.devnet);
    expect(() => getParams('testnet')).toThrow(/unknown network 'testnet' \(valid: regtest, devnet, main\)/);
  });
});
