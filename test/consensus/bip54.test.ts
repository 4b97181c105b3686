// BIP54 (consensus cleanup) against the BIP's own test vectors. They are Bitcoin
// mainnet data, so they run under bitcoinMainParams with BIP54 switched on, as the
// reference implementation runs them with the deployment forced active.
import { describe, expect, test } from '@jest/globals';
import { Block, BlockHeader, Tx, hexToBytes, outpointKey, type OutPoint } from '../../src/primitives/index.js';
import {
  RuleError,
  bitcoinMainParams,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  checkTxSanity,
  connectBlockTxs,
  medianTimePast,
  type Coin,
  type ConsensusParams,
} from '../../src/consensus/index.js';
import { HeaderList, fixtureText } from './helpers.js';

const BIP54_MAIN: ConsensusParams = Object.freeze({ ...bitcoinMainParams, bip54: true, bip34Height: 0 });
const FAR_FUTURE = 4_000_000_000;

interface TimestampNode {
  block_headers: string[];
  extensions?: TimestampNode[];
  valid?: boolean;
  comment?: string;
}

interface Outcome {
  comment: string;
  expected: boolean;
  error: RuleError | undefined;
}

/** Depth-first over the vector tree, validating each shared prefix once. */
function walk(node: TimestampNode, list: HeaderList, params: ConsensusParams, out: Outcome[], failed?: RuleError): void {
  const pushed = node.block_headers.length;
  let error = failed;
  for (const hex of node.block_headers) {
    const h = BlockHeader.decode(hexToBytes(hex));
    if (!error) {
      try {
        checkHeaderSanity(h, params);
        if (list.entries.length > 0) checkHeaderContext(h, list.tipHeight, list, params, FAR_FUTURE);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        error = e;
      }
    }
    list.push(h);
  }
  if (node.extensions) for (const child of node.extensions) walk(child, list, params, out, error);
  else out.push({ comment: node.comment!, expected: node.valid!, error });
  list.entries.length -= pushed;
}

describe('BIP54 timestamps.json (timewarp and Murch-Zawy header trees)', () => {
  const tree = JSON.parse(fixtureText('bips/bip54-timestamps.json')) as TimestampNode;

  test('the first header is Bitcoin genesis', () => {
    expect(BlockHeader.decode(hexToBytes(tree.block_headers[0]!)).hash()).toEqual(bitcoinMainParams.genesisHash);
  });

  test('every case matches its expected validity, failing only on the BIP54 codes', () => {
    const out: Outcome[] = [];
    walk(tree, new HeaderList(), BIP54_MAIN, out);
    expect(out.length).toBe(9);
    for (const o of out) {
      expect({ comment: o.comment, valid: o.error === undefined }).toEqual({ comment: o.comment, valid: o.expected });
      if (o.error) expect(['time-timewarp-attack', 'time-negative-interval']).toContain(o.error.code);
    }
    expect(out.some((o) => o.error?.code === 'time-timewarp-attack')).toBe(true);
    expect(out.some((o) => o.error?.code === 'time-negative-interval')).toBe(true);
  });

  test('without BIP54 every case is valid (the rules are a soft fork)', () => {
    const out: Outcome[] = [];
    walk(tree, new HeaderList(), bitcoinMainParams, out);
    for (const o of out) expect({ comment: o.comment, error: o.error?.message }).toEqual({ comment: o.comment, error: undefined });
  });
});

describe('BIP54 txsize.json (64-byte transactions)', () => {
  const cases = JSON.parse(fixtureText('bips/bip54-txsize.json')) as Array<{ tx: string; valid: boolean; comment: string }>;

  test.each(cases.map((c) => [c.comment, c] as const))('%s', (_c, c) => {
    const tx = Tx.decode(hexToBytes(c.tx));
    if (c.valid) {
      expect(() => checkTxSanity(tx, BIP54_MAIN)).not.toThrow();
    } else {
      let err: unknown;
      try {
        checkTxSanity(tx, BIP54_MAIN);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RuleError);
      expect((err as RuleError).code).toBe('bad-txns-size');
      expect((err as RuleError).corruption).toBe(true);
    }
    // Valid before the soft fork.
    expect(() => checkTxSanity(tx, bitcoinMainParams)).not.toThrow();
  });
});

describe('BIP54 coinbases.json (coinbase locktime and sequence)', () => {
  const cases = JSON.parse(fixtureText('bips/bip54-coinbases.json')) as Array<{ block_chain: string[]; valid: boolean; comment: string }>;

  function accept(blocksHex: string[], params: ConsensusParams): RuleError | undefined {
    const blocks = blocksHex.map((h) => Block.decode(hexToBytes(h)));
    expect(blocks[0]!.hash()).toEqual(params.genesisHash);
    const list = new HeaderList();
    list.push(blocks[0]!.header);
    const utxo = new Map<string, Coin>();
    const view = { getCoin: (p: OutPoint) => utxo.get(outpointKey(p)) };
    try {
      for (let h = 1; h < blocks.length; h++) {
        const b = blocks[h]!;
        checkHeaderSanity(b.header, params);
        checkHeaderContext(b.header, h - 1, list, params, FAR_FUTURE);
        checkBlockSanity(b, params);
        checkBlockContext(b, h, medianTimePast(h - 1, list), params);
        const r = connectBlockTxs(b, h, view, params);
        for (const c of r.created) utxo.set(outpointKey(c.outpoint), c.coin);
        list.push(b.header);
      }
    } catch (e) {
      if (e instanceof RuleError) return e;
      throw e;
    }
    return undefined;
  }

  test.each(cases.map((c) => [c.comment, c] as const))('%s', (_c, c) => {
    const err = accept(c.block_chain, BIP54_MAIN);
    expect(err?.message).toBe(c.valid ? undefined : err?.message);
    expect(err === undefined).toBe(c.valid);
    if (err) expect(['bad-cb-locktime', 'bad-cb-sequence', 'bad-txns-nonfinal']).toContain(err.code);
  });
});
