// Shared by the generated block tests and the property test: the model's UTXO digest with
// the chain's MuHash primitive, and a direct comparison of the two coin sets.
import type { Chain } from '../../src/chain/index.js';
import { MuHash3072 } from '../../src/chain/index.js';
import { coinDigestElement } from '../../src/chain/layout.js';
import { hashToHex } from '../../src/primitives/index.js';
import type { Model, ModelCoin } from '../support/model.js';

export function digestOf(coins: Iterable<ModelCoin>): { digest: string; txouts: number; totalAmount: bigint } {
  const m = new MuHash3072();
  let txouts = 0;
  let totalAmount = 0n;
  for (const { outpoint, coin } of coins) {
    m.insert(coinDigestElement(outpoint, coin));
    txouts++;
    totalAmount += coin.value;
  }
  return { digest: hashToHex(m.finalize()), txouts, totalAmount };
}

/** Caches the model's digest per tip (the coin set is a function of the tip). */
export class ModelDigest {
  private readonly cache = new Map<string, ReturnType<typeof digestOf>>();
  constructor(private readonly model: Model) {}
  get(): ReturnType<typeof digestOf> & { tip: string; height: number } {
    const tip = this.model.tip();
    let d = this.cache.get(tip.hex);
    if (!d) {
      d = digestOf(this.model.coins().values());
      this.cache.set(tip.hex, d);
    }
    return { ...d, tip: tip.hex, height: tip.height };
  }
}

/** Differences between the chain's coins and the model's, read coin by coin (empty if equal). */
export async function coinSetDiff(chain: Chain, coins: Map<string, ModelCoin>): Promise<string[]> {
  const diff: string[] = [];
  for (const [k, { outpoint, coin }] of coins) {
    const c = await chain.getCoin(outpoint);
    if (!c) diff.push(`missing ${k}`);
    else if (c.value !== coin.value || c.height !== coin.height || c.coinbase !== coin.coinbase || Buffer.compare(c.script, coin.script) !== 0) diff.push(`differs ${k}`);
  }
  const { txouts } = chain.utxoTotals();
  if (txouts !== coins.size) diff.push(`chain has ${txouts} coins, model ${coins.size}`);
  return diff;
}
