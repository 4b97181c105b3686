// Every acceptance rule of Mempool.accept with its error code, on a real regtest chain.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { RuleError } from '../../src/consensus/index.js';
import { Mempool, PolicyError, type MempoolEntry } from '../../src/mempool/index.js';
import { Tx, seededRng } from '../../src/primitives/index.js';
import { OTHER_SCRIPT, SCRIPT, coinbaseAt, outputOf, setup, spend, split, type Env, type Spendable } from './helpers.js';

let env: Env;
let nextHeight = 1;
const coin = (): Promise<Spendable> => coinbaseAt(env.chain, nextHeight++);

beforeAll(async () => {
  env = await setup({ blocks: 160, threads: 1 });
});
afterAll(async () => env.close());

async function rejection(p: Promise<unknown>): Promise<{ kind: string; code: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RuleError) return { kind: 'rule', code: e.code };
    if (e instanceof PolicyError) return { kind: 'policy', code: e.code };
    throw e;
  }
  throw new Error('expected a rejection');
}

function tamper(tx: Tx): Tx {
  const sig = Uint8Array.from(tx.inputs[0]!.witness[0]!);
  sig[10]! ^= 1;
  return new Tx({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [sig] }, ...tx.inputs.slice(1)] });
}

describe('accepting', () => {
  test('a valid spend enters with fee and vsize, queryable every way', async () => {
    const added: MempoolEntry[] = [];
    env.mempool.on('added', (e) => added.push(e));
    const c = await coin();
    const tx = split(c, 2, 2000n);
    const r = await env.mempool.accept(tx);
    expect(r).toEqual({ txid: tx.txidHex(), fee: 2000n, vsize: tx.vsize });
    expect(env.mempool.has(tx.txidHex())).toBe(true);
    expect(env.mempool.get(tx.txid())!.fee).toBe(2000n);
    expect(env.mempool.txids()).toContain(tx.txidHex());
    expect(env.mempool.recent(1)[0]!.txidHex).toBe(tx.txidHex());
    expect(env.mempool.spenderOf(c.outpoint)!.txidHex).toBe(tx.txidHex());
    expect(await env.mempool.getCoin(c.outpoint)).toBeUndefined(); // spent by the mempool
    expect((await env.mempool.getCoin({ txid: tx.txid(), vout: 1 }))!.value).toBe(tx.outputs[1]!.value);
    expect(added.map((e) => e.txidHex)).toEqual([tx.txidHex()]);
    const info = env.mempool.info();
    expect(info.count).toBeGreaterThanOrEqual(1);
    expect(info.feeHistogram.reduce((s, [, v]) => s + v, 0)).toBe(info.vsize);
    await expect(rejection(env.mempool.accept(tx))).resolves.toEqual({ kind: 'policy', code: 'txn-already-in-mempool' });
  });

  test.each([
    ['bad signature', 'rule', 'bad-schnorr-sig', async () => tamper(split(await coin(), 1, 1000n))],
    ['outputs above inputs', 'rule', 'bad-txns-in-belowout', async () => {
      const c = await coin();
      return spend([c], [{ value: c.coin.value + 1n, script: SCRIPT }]);
    }],
    ['duplicate inputs', 'rule', 'bad-txns-inputs-duplicate', async () => {
      const c = await coin();
      return spend([c, c], [{ value: 1000n, script: SCRIPT }]);
    }],
    ['immature coinbase', 'rule', 'bad-txns-premature-spend-of-coinbase', async () => split(await coinbaseAt(env.chain, env.chain.height - 50), 1, 1000n)],
    ['zero fee', 'policy', 'min-relay-fee-not-met', async () => split(await coin(), 1, 0n)],
    ['dust output', 'policy', 'dust', async () => {
      const c = await coin();
      return spend([c], [{ value: 100n, script: SCRIPT }, { value: c.coin.value - 10_000n, script: SCRIPT }]);
    }],
    ['version 3', 'policy', 'version', async () => split(await coin(), 1, 1000n, { version: 3 })],
    ['height locktime not reached', 'policy', 'non-final', async () => split(await coin(), 1, 1000n, { locktime: env.chain.height + 1 })],
    ['loose coinbase', 'policy', 'coinbase', async () => (await env.chain.getBlock(env.chain.getEntryAt(3)!.hash))!.txs[0]!],
  ])('%s → %s %s, and nothing changes', async (_name, kind, code, make) => {
    const tx = await make();
    const before = env.mempool.txids();
    await expect(rejection(env.mempool.accept(tx))).resolves.toEqual({ kind, code });
    expect(env.mempool.txids()).toEqual(before);
    expect(env.mempool.hasOrphan(tx.txid())).toBe(false);
  });

  test('locktime at the tip height is final for the next block', async () => {
    const tx = split(await coin(), 1, 1000n, { locktime: env.chain.height });
    await expect(env.mempool.accept(tx)).resolves.toMatchObject({ fee: 1000n });
  });

  test('fee exactly at 1 sat/vB passes, one less fails', async () => {
    const c = await coin();
    const probe = split(c, 1, 1000n);
    const low = split(c, 1, BigInt(probe.vsize - 1));
    await expect(rejection(env.mempool.accept(low))).resolves.toEqual({ kind: 'policy', code: 'min-relay-fee-not-met' });
    const exact = split(c, 1, BigInt(probe.vsize));
    await expect(env.mempool.accept(exact)).resolves.toMatchObject({ fee: BigInt(probe.vsize) });
  });

  test('a confirmed tx is txn-already-known', async () => {
    const tx = split(await coin(), 1, 1000n);
    await env.mempool.accept(tx);
    await env.miner.generate(1);
    expect(env.mempool.has(tx.txid())).toBe(false);
    await expect(rejection(env.mempool.accept(tx))).resolves.toEqual({ kind: 'policy', code: 'txn-already-known' });
  });

  test('spending an output a mempool parent does not have is invalid', async () => {
    const parent = split(await coin(), 1, 1000n);
    await env.mempool.accept(parent);
    const child = spend([{ outpoint: { txid: parent.txid(), vout: 5 }, coin: parent.outputs[0]! }], [{ value: 1000n, script: SCRIPT }]);
    await expect(rejection(env.mempool.accept(child))).resolves.toEqual({ kind: 'rule', code: 'bad-txns-inputs-missingorspent' });
  });
});

describe('unconfirmed chains', () => {
  test('ancestor and descendant accounting along a chain', async () => {
    const a = split(await coin(), 2, 1000n);
    const b = spend([outputOf(a, 0)], [{ value: a.outputs[0]!.value - 2000n, script: SCRIPT }]);
    const c = spend([outputOf(b, 0)], [{ value: b.outputs[0]!.value - 3000n, script: SCRIPT }]);
    for (const t of [a, b, c]) await env.mempool.accept(t);
    const ea = env.mempool.get(a.txid())!;
    const ec = env.mempool.get(c.txid())!;
    expect(ec.ancestorCount).toBe(3);
    expect(ec.ancestorFee).toBe(6000n);
    expect(ec.ancestorSize).toBe(a.vsize + b.vsize + c.vsize);
    expect(ea.descendantCount).toBe(3);
    expect(ea.descendantFee).toBe(6000n);
    expect([...ea.children].map((e) => e.txidHex)).toEqual([b.txidHex()]);
  });

  test('ancestor count limit → too-long-mempool-chain', async () => {
    const mp = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1), limits: { ancestorCount: 3 } });
    try {
      let prev = split(await coin(), 1, 1000n);
      await mp.accept(prev);
      for (let i = 0; i < 2; i++) {
        const next = spend([outputOf(prev, 0)], [{ value: prev.outputs[0]!.value - 1000n, script: SCRIPT }]);
        await mp.accept(next);
        prev = next;
      }
      const fourth = spend([outputOf(prev, 0)], [{ value: prev.outputs[0]!.value - 1000n, script: SCRIPT }]);
      await expect(rejection(mp.accept(fourth))).resolves.toEqual({ kind: 'policy', code: 'too-long-mempool-chain' });
      expect(mp.size).toBe(3);
    } finally {
      mp.close();
    }
  });

  test('descendant count and size limits → too-long-mempool-chain', async () => {
    const mp = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1), limits: { descendantCount: 3 } });
    const mp2 = new Mempool({ chain: env.chain, verifyPool: env.pool, clock: env.clock, rng: seededRng(1), limits: { descendantSize: 400 } });
    try {
      const parent = split(await coin(), 4, 1000n);
      await mp.accept(parent);
      await mp2.accept(parent);
      const kid = (i: number): Tx => spend([outputOf(parent, i)], [{ value: parent.outputs[i]!.value - 1000n, script: SCRIPT }]);
      await mp.accept(kid(0));
      await mp.accept(kid(1));
      await expect(rejection(mp.accept(kid(2)))).resolves.toEqual({ kind: 'policy', code: 'too-long-mempool-chain' });
      // Size: the parent (~200 vB) plus one ~110 vB child fits in 400, a second does not.
      await mp2.accept(kid(0));
      await expect(rejection(mp2.accept(kid(1)))).resolves.toEqual({ kind: 'policy', code: 'too-long-mempool-chain' });
    } finally {
      mp.close();
      mp2.close();
    }
  });
});

describe('replace-by-fee', () => {
  test('a conflict paying no more is refused; the original stays', async () => {
    const c = await coin();
    const orig = split(c, 2, 2000n);
    await env.mempool.accept(orig);
    const same = split(c, 2, 2000n, { locktime: 1 }); // same size and fee, different txid
    await expect(rejection(env.mempool.accept(same))).resolves.toEqual({ kind: 'policy', code: 'insufficient-fee' });
    // Higher fee rate (smaller tx) but lower absolute fee than the original.
    const smaller = split(c, 1, 1900n);
    expect(smaller.vsize).toBeLessThan(orig.vsize);
    await expect(rejection(env.mempool.accept(smaller))).resolves.toEqual({ kind: 'policy', code: 'insufficient-fee' });
    // Enough absolute fee but not the incremental relay fee on top.
    const rest = c.coin.value - (2000n + BigInt(orig.vsize) - 1n);
    const thin = spend([c], [{ value: rest / 2n, script: SCRIPT }, { value: rest - rest / 2n, script: OTHER_SCRIPT }]);
    expect(thin.vsize).toBe(orig.vsize);
    await expect(rejection(env.mempool.accept(thin))).resolves.toEqual({ kind: 'policy', code: 'insufficient-fee' });
    expect(env.mempool.has(orig.txid())).toBe(true);
  });

  test('a better-paying conflict evicts the original and its descendants', async () => {
    const c = await coin();
    const orig = split(c, 2, 2000n);
    const child = spend([outputOf(orig, 0)], [{ value: orig.outputs[0]!.value - 1000n, script: SCRIPT }]);
    await env.mempool.accept(orig);
    await env.mempool.accept(child);
    const removed: [string, string][] = [];
    const onRemoved = (t: string, r: string): void => void removed.push([t, r]);
    env.mempool.on('removed', onRemoved);
    const repl = split(c, 1, 2000n + 1000n + 500n);
    await env.mempool.accept(repl);
    env.mempool.off('removed', onRemoved);
    expect(env.mempool.has(repl.txid())).toBe(true);
    expect(env.mempool.has(orig.txid())).toBe(false);
    expect(env.mempool.has(child.txid())).toBe(false);
    expect(removed.sort()).toEqual([[orig.txidHex(), 'replaced'], [child.txidHex(), 'replaced']].sort());
    expect(env.mempool.spenderOf(c.outpoint)!.txidHex).toBe(repl.txidHex());
  });

  test('a replacement may not add new unconfirmed inputs', async () => {
    const c = await coin();
    const orig = split(c, 1, 2000n);
    const other = split(await coin(), 1, 2000n);
    await env.mempool.accept(orig);
    await env.mempool.accept(other);
    const repl = spend([c, outputOf(other, 0)], [{ value: c.coin.value + other.outputs[0]!.value - 50_000n, script: SCRIPT }]);
    await expect(rejection(env.mempool.accept(repl))).resolves.toEqual({ kind: 'policy', code: 'replacement-adds-unconfirmed' });
  });

  test('a replacement may not spend what it replaces', async () => {
    const c = await coin();
    const orig = split(c, 2, 2000n);
    await env.mempool.accept(orig);
    const repl = spend([c, outputOf(orig, 1)], [{ value: c.coin.value - 50_000n, script: SCRIPT }]);
    await expect(rejection(env.mempool.accept(repl))).resolves.toEqual({ kind: 'policy', code: 'bad-txns-spends-conflicting-tx' });
  });

  test('a replacement evicting more than 100 txs is refused', async () => {
    const roots: Spendable[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await coin();
      roots.push(c);
      let prev = split(c, 1, 1000n);
      await env.mempool.accept(prev);
      for (let j = 0; j < 20; j++) {
        const next = spend([outputOf(prev, 0)], [{ value: prev.outputs[0]!.value - 1000n, script: SCRIPT }]);
        await env.mempool.accept(next);
        prev = next;
      }
    }
    const repl = spend(roots, [{ value: roots.reduce((s, r) => s + r.coin.value, 0n) - 10_000_000n, script: SCRIPT }]);
    await expect(rejection(env.mempool.accept(repl))).resolves.toEqual({ kind: 'policy', code: 'too-many-replacements' });
  });
});

describe('local submissions are never orphans', () => {
  test('a child before its parent is refused with bad-txns-inputs-missingorspent, and nothing changes', async () => {
    const parent = split(await coin(), 1, 1000n);
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 1000n, script: OTHER_SCRIPT }]);
    const before = env.mempool.txids();
    const orphansBefore = env.mempool.orphanCount;
    await expect(rejection(env.mempool.accept(child))).resolves.toEqual({ kind: 'rule', code: 'bad-txns-inputs-missingorspent' });
    expect(env.mempool.txids()).toEqual(before);
    expect(env.mempool.orphanCount).toBe(orphansBefore);
    expect(env.mempool.hasOrphan(child.txid())).toBe(false);
    // Once the parent is in, the same child is accepted.
    await env.mempool.accept(parent);
    await expect(env.mempool.accept(child)).resolves.toMatchObject({ txid: child.txidHex() });
    expect(env.mempool.has(child.txid())).toBe(true);
  });

  test('a spend of a coin already spent in a block is refused, not held', async () => {
    const c = await coin();
    const confirmed = split(c, 1, 1000n);
    await env.mempool.accept(confirmed);
    await env.miner.generate(1);
    expect(env.mempool.has(confirmed.txid())).toBe(false);
    const again = split(c, 1, 2000n); // same coin, different tx
    await expect(rejection(env.mempool.accept(again))).resolves.toEqual({ kind: 'rule', code: 'bad-txns-inputs-missingorspent' });
    expect(env.mempool.has(again.txid())).toBe(false);
    expect(env.mempool.hasOrphan(again.txid())).toBe(false);
  });
});

describe('orphans (peers only)', () => {
  test('a child before its parent is held, then accepted when the parent arrives', async () => {
    const parent = split(await coin(), 1, 1000n);
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 1000n, script: OTHER_SCRIPT }]);
    await expect(env.mempool.accept(child, { relay: true })).resolves.toMatchObject({ orphan: true, txid: child.txidHex() });
    expect(env.mempool.hasOrphan(child.txidHex())).toBe(true);
    expect(env.mempool.has(child.txid())).toBe(false);
    await env.mempool.accept(parent);
    await env.mempool.idle();
    expect(env.mempool.has(child.txid())).toBe(true);
    expect(env.mempool.hasOrphan(child.txidHex())).toBe(false);
  });

  test('a block spending what an orphan spends drops the orphan; other orphans stay', async () => {
    const c = await coin();
    const other = await coin();
    const unknownParent = (fill: number, value: bigint): Spendable => ({ outpoint: { txid: new Uint8Array(32).fill(fill), vout: 0 }, coin: { ...c.coin, value } });
    // Both orphans wait for a parent nobody has; one also spends the chain coin `c`.
    const doomed = spend([c, unknownParent(0xa1, 5000n)], [{ value: c.coin.value, script: SCRIPT }]);
    const kept = spend([other, unknownParent(0xa2, 5000n)], [{ value: other.coin.value, script: SCRIPT }]);
    for (const o of [doomed, kept]) await expect(env.mempool.accept(o, { relay: true })).resolves.toMatchObject({ orphan: true });
    await env.mempool.accept(split(c, 1, 1000n)); // the spend of `c` that confirms
    await env.miner.generate(1);
    await env.mempool.idle();
    expect(env.mempool.hasOrphan(doomed.txidHex())).toBe(false);
    expect(env.mempool.hasOrphan(kept.txidHex())).toBe(true);
  });

  test('the orphan pool is bounded by count', async () => {
    const mp = new Mempool({
      chain: env.chain,
      verifyPool: env.pool,
      clock: env.clock,
      rng: seededRng(3),
      limits: { orphans: { maxCount: 5, maxBytes: 1_000_000, expiryMs: 60_000 } },
    });
    try {
      const c = await coin();
      for (let i = 0; i < 12; i++) {
        const fakeParent = { outpoint: { txid: new Uint8Array(32).fill(i + 1), vout: 0 }, coin: c.coin };
        await expect(mp.accept(spend([fakeParent], [{ value: 10_000n, script: SCRIPT }]), { relay: true })).resolves.toMatchObject({ orphan: true });
        expect(mp.orphanCount).toBe(Math.min(i + 1, 5));
      }
      env.clock.advance(61_000);
      mp.expire();
      expect(mp.orphanCount).toBe(0);
    } finally {
      mp.close();
    }
  });

  test('a child of a rejected parent is refused rather than held', async () => {
    const parent = tamper(split(await coin(), 1, 1000n));
    await expect(rejection(env.mempool.accept(parent))).resolves.toEqual({ kind: 'rule', code: 'bad-schnorr-sig' });
    const child = spend([outputOf(parent, 0)], [{ value: parent.outputs[0]!.value - 1000n, script: SCRIPT }]);
    await expect(rejection(env.mempool.accept(child, { relay: true }))).resolves.toEqual({ kind: 'policy', code: 'missing-inputs' });
  });
});

describe('batches', () => {
  test('a burst verifies together; one bad signature fails alone', async () => {
    const txs: Tx[] = [];
    for (let i = 0; i < 12; i++) txs.push(split(await coin(), 2, 1500n));
    const child = spend([outputOf(txs[3]!, 0)], [{ value: txs[3]!.outputs[0]!.value - 2000n, script: SCRIPT }]);
    const bad = tamper(split(await coin(), 1, 1000n));
    const all = [...txs.slice(0, 6), bad, child, ...txs.slice(6)];
    const results = await Promise.allSettled(all.map((t) => env.mempool.accept(t)));
    results.forEach((r, i) => {
      if (all[i] === bad) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RuleError);
        expect(((r as PromiseRejectedResult).reason as RuleError).code).toBe('bad-schnorr-sig');
      } else {
        expect(r.status).toBe('fulfilled');
        expect((r as PromiseFulfilledResult<{ orphan?: boolean }>).value.orphan).toBeUndefined();
        expect(env.mempool.has(all[i]!.txid())).toBe(true);
      }
    });
  });
});
