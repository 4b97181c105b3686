// Wallet-like actors: each holds one key (from the world's seed), knows the coins it
// believes it owns, and pays other actors through a node's mempool as a wallet would
// through cairnd's API. Coins come from the premined chain; a payment's change and the
// payee's output are remembered at once (unconfirmed). A coin a node refuses is simply
// forgotten, which is how a wallet drops what a reorg or a lost double spend took away.
import {
  TaprootSighasher,
  Tx,
  p2trScript,
  signKeyPathInputWith,
  taprootTweakPubkey,
  xOnlyPubkey,
  type OutPoint,
  type Rng,
} from '../src/primitives/index.js';

export interface WCoin {
  outpoint: OutPoint;
  value: bigint;
  script: Uint8Array;
  /** a coinbase: spendable from this height on */
  minHeight?: number;
}

/** Flat fee per payment: above the default relay floor for a 1-in 2-out key-path spend. */
export const PAYMENT_FEE = 2_000n;
const DUST = 10_000n;

export class Actor {
  readonly script: Uint8Array;
  coins: WCoin[] = [];

  constructor(
    readonly id: number,
    private readonly secret: Uint8Array,
  ) {
    this.script = p2trScript(taprootTweakPubkey(xOnlyPubkey(secret)).outputKey);
  }

  static fromRng(id: number, rng: Rng): Actor {
    for (;;) {
      const s = rng.bytes(32);
      try {
        return new Actor(id, s);
      } catch {
        // out of range for secp256k1 (vanishingly rare): draw again
      }
    }
  }

  /**
   * A coin worth spending in a block at `height`, taken out of the wallet: the newest
   * (often unconfirmed change, as wallets spend it) or the oldest, one time in two each.
   */
  take(height: number, rng: Rng): WCoin | undefined {
    const ok = (c: WCoin): boolean => c.value > PAYMENT_FEE + 2n * DUST && (c.minHeight ?? 0) <= height;
    let i = -1;
    if (rng.float() < 0.5) {
      for (let j = this.coins.length - 1; j >= 0 && i < 0; j--) if (ok(this.coins[j]!)) i = j;
    } else i = this.coins.findIndex(ok);
    if (i < 0) return undefined;
    return this.coins.splice(i, 1)[0];
  }

  /** A signed payment of part of `coin` to `to`, with change back here. */
  pay(coin: WCoin, to: Uint8Array, rng: Rng): Tx {
    const spendable = coin.value - PAYMENT_FEE;
    const amount = DUST + (spendable - 2n * DUST) * BigInt(1 + rng.int(99)) / 100n;
    const outputs = [{ value: amount, script: to }];
    if (spendable - amount >= DUST) outputs.push({ value: spendable - amount, script: this.script });
    const unsigned = new Tx({
      version: 2,
      inputs: [{ prevout: coin.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
      outputs,
      locktime: 0,
    });
    const hasher = new TaprootSighasher(unsigned, [{ value: coin.value, script: coin.script }]);
    // aux randomness from the world's rng: signatures (and txids' wtxids) replay exactly
    const sig = signKeyPathInputWith(hasher, 0, this.secret, 0, rng.bytes(32));
    return new Tx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig] }] });
  }
}

/** The outputs of `tx` that pay `script`. */
export function outputsTo(tx: Tx, script: Uint8Array): WCoin[] {
  const out: WCoin[] = [];
  const txid = tx.txid();
  tx.outputs.forEach((o, vout) => {
    if (o.script.length === script.length && o.script.every((b, i) => b === script[i])) out.push({ outpoint: { txid, vout }, value: o.value, script: o.script });
  });
  return out;
}
