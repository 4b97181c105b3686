// One test per rule: each builds the smallest violation and checks the exact code and
// the flags callers act on (corruption, transient, scope).
import { describe, expect, test } from '@jest/globals';
import { Block, BlockHeader, Tx, opReturnScript, p2trScript, txMerkleRoot, type TxIn, type TxOut } from '../../src/primitives/index.js';
import {
  RULE_CODES,
  RuleError,
  checkBlockContext,
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  checkTxSanity,
  createCoinbase,
  encodeHeightPush,
  isFinalTx,
  medianTimePast,
  nextWorkRequired,
  regtestParams,
  type ConsensusParams,
  type RuleCode,
} from '../../src/consensus/index.js';
import { createBlock, mineHeader } from '../../src/mining/index.js';
import { HeaderList, expectCode } from './helpers.js';

const P = regtestParams;
const KEY = p2trScript(new Uint8Array(32).fill(2));
const SIG = new Uint8Array(64).fill(9);

function input(n: number, over: Partial<TxIn> = {}): TxIn {
  const txid = new Uint8Array(32);
  txid[0] = n + 1;
  return { prevout: { txid, vout: n }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [SIG], ...over };
}

function tx(over: { inputs?: TxIn[]; outputs?: TxOut[]; locktime?: number } = {}): Tx {
  return new Tx({ version: 2, inputs: over.inputs ?? [input(0)], outputs: over.outputs ?? [{ value: 1000n, script: KEY }], locktime: over.locktime ?? 0 });
}

describe('header rules', () => {
  // Bitcoin-style retarget every 16 blocks on regtest's trivial PoW, so the BIP54 period
  // rules can be exercised with a few dozen cheap headers.
  const T: ConsensusParams = Object.freeze({ ...P, difficulty: Object.freeze({ kind: 'bitcoin' as const, interval: 16, timespan: 16 * 600, bip94: true }) });
  const g = T.genesis.header;

  function extend(list: HeaderList, time: number, bits?: number): BlockHeader {
    const prev = list.entries[list.tipHeight]!;
    return mineHeader(
      new BlockHeader({ version: 4, prevBlock: prev.hash, merkleRoot: new Uint8Array(32), time, bits: bits ?? nextWorkRequired(list.tipHeight, list, time, T), nonce: 0 }),
      T,
    );
  }

  function build(times: number[]): HeaderList {
    const list = new HeaderList();
    list.push(g);
    for (const t of times) {
      const h = extend(list, t);
      checkHeaderContext(h, list.tipHeight, list, T, 4e9);
      list.push(h);
    }
    return list;
  }

  test('high-hash and bad-diffbits (sanity)', () => {
    const h = extend(build([]), g.time + 600);
    checkHeaderSanity(h, T);
    // Find a nonce that fails regtest's 1-in-2 target.
    let bad = h;
    for (let n = 0; ; n++) {
      bad = h.with({ nonce: n });
      try {
        checkHeaderSanity(bad, T);
      } catch {
        break;
      }
    }
    const e = expectCode(() => checkHeaderSanity(bad, T), 'high-hash');
    expect([e.scope, e.corruption, RULE_CODES[e.code].banScore]).toEqual(['header', false, 100]);
    expectCode(() => checkHeaderSanity(h.with({ bits: 0x2100ffff }), T), 'bad-diffbits'); // above powLimit
    expectCode(() => checkHeaderSanity(h.with({ bits: 0 }), T), 'bad-diffbits');
    expectCode(() => checkHeaderSanity(h.with({ bits: 0x03800001 }), T), 'bad-diffbits'); // negative
  });

  test('bad-diffbits (context): nBits other than the required ones', () => {
    const list = build([g.time + 600]);
    const h = extend(list, g.time + 1200, 0x207ffffe);
    expectCode(() => checkHeaderContext(h, list.tipHeight, list, T, 4e9), 'bad-diffbits');
  });

  test('time-too-old: not after the median of the last 11', () => {
    const times = Array.from({ length: 11 }, (_, i) => g.time + 600 * (i + 1));
    const list = build(times);
    const mtp = medianTimePast(list.tipHeight, list);
    expectCode(() => checkHeaderContext(extend(list, mtp), list.tipHeight, list, T, 4e9), 'time-too-old');
    expect(() => checkHeaderContext(extend(list, mtp + 1), list.tipHeight, list, T, 4e9)).not.toThrow();
  });

  test('time-too-new: more than maxFutureBlockTime ahead of the given clock; transient', () => {
    const list = build([]);
    const now = g.time + 10_000;
    const e = expectCode(() => checkHeaderContext(extend(list, now + 7201), 0, list, T, now), 'time-too-new');
    expect(e.transient).toBe(true);
    expect(RULE_CODES['time-too-new'].banScore).toBe(0);
    expect(() => checkHeaderContext(extend(list, now + 7200), 0, list, T, now)).not.toThrow();
  });

  test('time-timewarp-attack: first block of a period more than 2h before its parent', () => {
    // Blocks 11-15 far ahead keep the median low, so only the BIP54 rule can object.
    const times = Array.from({ length: 15 }, (_, i) => (i < 10 ? g.time + i + 1 : g.time + 100_000));
    const list = build(times);
    const prev = list.entries[15]!.time;
    expectCode(() => checkHeaderContext(extend(list, prev - 7201), 15, list, T, 4e9), 'time-timewarp-attack');
    expect(() => checkHeaderContext(extend(list, prev - 7200), 15, list, T, 4e9)).not.toThrow();
    // Not a period boundary (height 15): the same gap is fine.
    const l14 = build(times.slice(0, 14));
    expect(() => checkHeaderContext(extend(l14, l14.entries[14]!.time - 7201), 14, l14, T, 4e9)).not.toThrow();
    // Without BIP54 the boundary block is fine too.
    const noBip54 = Object.freeze({ ...T, bip54: false });
    expect(() => checkHeaderContext(extend(list, prev - 7201), 15, list, noBip54, 4e9)).not.toThrow();
  });

  test('time-negative-interval: last block of a period before the first', () => {
    const times = Array.from({ length: 30 }, (_, i) => {
      const h = i + 1;
      return h <= 16 ? g.time + 600 * h : g.time + 9000 + h; // 17..30 just below block 16
    });
    const list = build(times);
    const first = list.entries[16]!.time;
    const e = expectCode(() => checkHeaderContext(extend(list, first - 1), 30, list, T, 4e9), 'time-negative-interval');
    expect(e.scope).toBe('header');
    expect(() => checkHeaderContext(extend(list, first), 30, list, T, 4e9)).not.toThrow();
  });
});

describe('block rules (sanity)', () => {
  const H = 300;
  const cbOpts = { script: KEY, value: 1000n };
  const mk = (txs: Tx[]) => createBlock({ params: P, prev: new Uint8Array(32), height: H, time: 1_800_000_000, bits: P.powLimitBits, txs, coinbase: cbOpts, mine: true });
  /** Same header (re-mined), new tx list: models a peer altering uncommitted data. */
  const withTxs = (b: Block, txs: Tx[], root = b.header.merkleRoot) => new Block(mineHeader(b.header.with({ merkleRoot: root }), P), txs);
  const rootOf = (txs: Tx[]) => txMerkleRoot(txs).root;

  test('a well-formed block passes', () => {
    expect(() => checkBlockSanity(mk([tx(), tx({ inputs: [input(1)] })]), P)).not.toThrow();
  });

  test('bad-txnmrklroot (corruption)', () => {
    const b = mk([tx()]);
    const e = expectCode(() => checkBlockSanity(withTxs(b, [b.txs[0]!, tx({ inputs: [input(5)] })]), P), 'bad-txnmrklroot');
    expect([e.corruption, RULE_CODES[e.code].banScore]).toEqual([true, 0]);
  });

  test('bad-txns-duplicate: CVE-2012-2459 mutation (corruption)', () => {
    const t1 = tx();
    const t2 = tx({ inputs: [input(1)] });
    const b = mk([t1, t2]);
    const mutated = new Block(b.header, [...b.txs, b.txs[2]!]);
    expect(rootOf([...mutated.txs])).toEqual(b.header.merkleRoot);
    expect(expectCode(() => checkBlockSanity(mutated, P), 'bad-txns-duplicate').corruption).toBe(true);
  });

  test('bad-txns-size: a 64-byte transaction in a block (corruption)', () => {
    const t = tx({ outputs: [{ value: 0n, script: Uint8Array.of(0x6a, 0x02, 0xab, 0xcd) }] });
    expect(t.baseSize).toBe(64);
    const e = expectCode(() => checkBlockSanity(mk([t]), P), 'bad-txns-size');
    expect([e.corruption, e.txIndex]).toEqual([true, 1]);
    expectCode(() => checkTxSanity(t, P), 'bad-txns-size');
  });

  test('bad-blk-length: no transactions', () => {
    const b = mk([]);
    expectCode(() => checkBlockSanity(withTxs(b, [], new Uint8Array(32)), P), 'bad-blk-length');
  });

  test('bad-cb-missing and bad-cb-multiple', () => {
    const t = tx();
    expectCode(() => checkBlockSanity(withTxs(mk([]), [t], rootOf([t])), P), 'bad-cb-missing');
    const cb2 = createCoinbase({ height: H + 1, params: P, script: KEY, value: 1n });
    const b = mk([]);
    const txs = [b.txs[0]!, cb2];
    expect(expectCode(() => checkBlockSanity(withTxs(b, txs, rootOf(txs)), P), 'bad-cb-multiple').txIndex).toBe(1);
  });

  test('bad-witness-nonce-size, bad-witness-merkle-match, unexpected-witness (all corruption)', () => {
    const b = mk([tx()]);
    const cb = b.txs[0]!;
    const cbBadNonce = new Tx({ ...cb, inputs: [{ ...cb.inputs[0]!, witness: [new Uint8Array(32), new Uint8Array(1)] }] });
    expect(expectCode(() => checkBlockSanity(new Block(b.header, [cbBadNonce, b.txs[1]!]), P), 'bad-witness-nonce-size').corruption).toBe(true);
    // Same txid, different witness: the header still matches, the commitment does not.
    const t = b.txs[1]!;
    const altered = new Tx({ ...t, inputs: [{ ...t.inputs[0]!, witness: [new Uint8Array(64).fill(1)] }] });
    expect(altered.txid()).toEqual(t.txid());
    expect(expectCode(() => checkBlockSanity(new Block(b.header, [cb, altered]), P), 'bad-witness-merkle-match').corruption).toBe(true);
    // No commitment at all, but a witness: stripped coinbase.
    const plainCb = createCoinbase({ height: H, params: P, ...cbOpts });
    const txs = [plainCb, t];
    const e = expectCode(() => checkBlockSanity(withTxs(b, txs, rootOf(txs)), P), 'unexpected-witness');
    expect([e.corruption, e.txIndex]).toEqual([true, 1]);
  });

  test('bad-blk-weight: within the stripped-size limit, over the weight limit', () => {
    const bigScript = new Uint8Array(900_000);
    bigScript[0] = 0x6a;
    const t = tx({ inputs: [input(0, { witness: [new Uint8Array(500_000)] })], outputs: [{ value: 0n, script: bigScript }] });
    const b = mk([t]);
    expect(b.strippedSize * 4).toBeLessThanOrEqual(P.maxBlockWeight);
    const e = expectCode(() => checkBlockSanity(b, P), 'bad-blk-weight');
    expect(e.corruption).toBe(false);
  });

  test('a transaction failing sanity makes the block fail with its index', () => {
    const t = tx({ outputs: [{ value: 1n, script: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) }] });
    const e = expectCode(() => checkBlockSanity(mk([tx(), t]), P), 'bad-txns-output-template');
    expect(e.txIndex).toBe(2);
  });
});

describe('block rules (context)', () => {
  const H = 300;
  const mk = (cb: Tx, txs: Tx[] = []) => new Block(mineHeader(new BlockHeader({ version: 4, prevBlock: new Uint8Array(32), merkleRoot: txMerkleRoot([cb, ...txs]).root, time: 1_800_000_000, bits: P.powLimitBits, nonce: 0 }), P), [cb, ...txs]);
  const cb = createCoinbase({ height: H, params: P, script: KEY, value: 1n });

  test('a coinbase from createCoinbase passes; BIP34 push forms', () => {
    expect(() => checkBlockContext(mk(cb), H, 0, P)).not.toThrow();
    expect(cb.locktime).toBe(H - 1);
    expect(encodeHeightPush(0)).toEqual(Uint8Array.of(0x00));
    expect(encodeHeightPush(16)).toEqual(Uint8Array.of(0x60));
    expect(encodeHeightPush(17)).toEqual(Uint8Array.of(0x01, 0x11));
    expect(encodeHeightPush(128)).toEqual(Uint8Array.of(0x02, 0x80, 0x00));
    expect(encodeHeightPush(300)).toEqual(Uint8Array.of(0x02, 0x2c, 0x01));
  });

  test('bad-cb-height', () => {
    const other = createCoinbase({ height: H + 1, params: P, script: KEY, value: 1n });
    const fixed = new Tx({ ...other, locktime: H - 1 });
    expectCode(() => checkBlockContext(mk(fixed), H, 0, P), 'bad-cb-height');
  });

  test('bad-cb-locktime and bad-cb-sequence (BIP54)', () => {
    expectCode(() => checkBlockContext(mk(new Tx({ ...cb, locktime: H - 2 })), H, 0, P), 'bad-cb-locktime');
    const finalSeq = new Tx({ ...cb, inputs: [{ ...cb.inputs[0]!, sequence: 0xffffffff }] });
    expectCode(() => checkBlockContext(mk(finalSeq), H, 0, P), 'bad-cb-sequence');
  });

  test('bad-txns-nonfinal: height and time locks (BIP113 cutoff)', () => {
    expectCode(() => checkBlockContext(mk(cb, [tx({ locktime: H })]), H, 0, P), 'bad-txns-nonfinal');
    expect(() => checkBlockContext(mk(cb, [tx({ locktime: H - 1 })]), H, 0, P)).not.toThrow();
    const timeLocked = tx({ locktime: 1_700_000_000 });
    expect(isFinalTx(timeLocked, H, 1_700_000_000)).toBe(false);
    expect(isFinalTx(timeLocked, H, 1_700_000_001)).toBe(true);
    // A final sequence on every input disables the lock.
    expect(isFinalTx(tx({ locktime: H, inputs: [input(0, { sequence: 0xffffffff })] }), H, 0)).toBe(true);
  });
});

describe('transaction rules (sanity)', () => {
  const cases: Array<[RuleCode, () => Tx]> = [
    ['bad-txns-vin-empty', () => tx({ inputs: [] })],
    ['bad-txns-vout-empty', () => tx({ outputs: [] })],
    ['bad-txns-oversize', () => tx({ outputs: [{ value: 0n, script: new Uint8Array(1_000_001).fill(0x6a) }] })],
    ['bad-txns-vout-negative', () => tx({ outputs: [{ value: -1n, script: KEY }] })],
    ['bad-txns-vout-toolarge', () => tx({ outputs: [{ value: P.maxMoney + 1n, script: KEY }] })],
    [
      'bad-txns-txouttotal-toolarge',
      () => tx({ outputs: [{ value: P.maxMoney, script: KEY }, { value: 1n, script: KEY }] }),
    ],
    ['bad-txns-inputs-duplicate', () => tx({ inputs: [input(0), input(0)] })],
    ['bad-txns-prevout-null', () => tx({ inputs: [input(0), input(0, { prevout: { txid: new Uint8Array(32), vout: 0xffffffff } })] })],
    ['bad-cb-length', () => tx({ inputs: [input(0, { prevout: { txid: new Uint8Array(32), vout: 0xffffffff }, scriptSig: Uint8Array.of(0x51), witness: [] })] })],
    ['bad-txns-output-template', () => tx({ outputs: [{ value: 1n, script: Uint8Array.of(0x51, 0x20, ...new Uint8Array(31)) }] })],
    ['bad-txns-scriptsig-nonempty', () => tx({ inputs: [input(0, { scriptSig: Uint8Array.of(0x00) })] })],
    ['bad-witness-shape', () => tx({ inputs: [input(0, { witness: [] })] })],
    ['bad-witness-shape', () => tx({ inputs: [input(0, { witness: [SIG, Uint8Array.of(0x50)] })] })], // annex
    ['bad-witness-shape', () => tx({ inputs: [input(0, { witness: [SIG.subarray(0, 63)] })] })],
    ['bad-witness-shape', () => tx({ inputs: [input(0, { witness: [Uint8Array.of(...SIG, 0x00)] })] })], // explicit DEFAULT
    ['bad-witness-shape', () => tx({ inputs: [input(0, { witness: [Uint8Array.of(...SIG, 0x04)] })] })], // undefined type
    ['bad-txns-size', () => tx({ outputs: [{ value: 0n, script: Uint8Array.of(0x6a, 0x02, 0xab, 0xcd) }] })],
  ];

  test.each(cases.map(([code, make], i) => [`${code} #${i}`, code, make] as const))('%s', (_n, code, make) => {
    const e = expectCode(() => checkTxSanity(make(), P), code);
    expect(e.scope).toBe(RULE_CODES[code].scope);
  });

  test('valid: P2TR and OP_RETURN outputs, 64- and 65-byte signatures, a coinbase', () => {
    expect(() => checkTxSanity(tx({ outputs: [{ value: 5n, script: KEY }, { value: 0n, script: opReturnScript(Uint8Array.of(1)) }] }), P)).not.toThrow();
    expect(() => checkTxSanity(tx({ inputs: [input(0, { witness: [Uint8Array.of(...SIG, 0x83)] })] }), P)).not.toThrow();
    expect(() => checkTxSanity(createCoinbase({ height: 1, params: P, script: KEY, value: 1n }), P)).not.toThrow();
  });

  test('without cairnRules (bitcoin-main) templates and witness shape are not consensus', () => {
    const loose: ConsensusParams = Object.freeze({ ...P, cairnRules: false });
    expect(() => checkTxSanity(tx({ inputs: [input(0, { scriptSig: Uint8Array.of(0x00), witness: [] })], outputs: [{ value: 1n, script: Uint8Array.of(0x51) }] }), loose)).not.toThrow();
  });
});

describe('RULE_CODES', () => {
  test('every code is documented; corruption and transient failures carry no ban', () => {
    const entries = Object.entries(RULE_CODES);
    expect(entries.length).toBeGreaterThan(40);
    for (const [code, info] of entries) {
      expect(info.description.length).toBeGreaterThan(10);
      expect(['header', 'block', 'tx']).toContain(info.scope);
      if (info.corruption || info.transient) expect({ code, ban: info.banScore }).toEqual({ code, ban: 0 });
      else expect({ code, ban: info.banScore }).toEqual({ code, ban: 100 });
    }
  });

  test('RuleError takes its flags from the table and names the failing tx/input', () => {
    const e = new RuleError('bad-schnorr-sig', undefined, { txIndex: 3, inputIndex: 1 });
    expect(e.message).toBe('bad-schnorr-sig: ' + RULE_CODES['bad-schnorr-sig'].description + ' (tx 3 input 1)');
    expect([e.code, e.scope, e.corruption, e.transient]).toEqual(['bad-schnorr-sig', 'tx', false, false]);
    const moved = new RuleError('bad-witness-shape', 'x', { inputIndex: 2 }).atTx(4);
    expect([moved.txIndex, moved.inputIndex, moved.detail]).toEqual([4, 2, 'x']);
    expect(new RuleError('unexpected-witness').corruption).toBe(true);
  });
});
