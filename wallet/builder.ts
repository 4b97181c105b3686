// Building and signing wallet transactions: version 2, every input signals replaceability
// (nSequence 0xfffffffd), locktime = tip height against fee sniping, and key-path BIP86
// signatures with SIGHASH_DEFAULT (64-byte witness, so the weight estimate is exact).
import { hexToHash } from '../src/primitives/bytes.js';
import type { Rng } from '../src/primitives/rng.js';
import { TaprootSighasher, SIGHASH_DEFAULT } from '../src/primitives/sighash.js';
import { signKeyPathInputWith } from '../src/primitives/sign.js';
import { Tx, type TxOut } from '../src/primitives/tx.js';
import type { ChainKind, KeyChain } from './keys.js';

export const TX_VERSION = 2;
export const RBF_SEQUENCE = 0xfffffffd;

/** A coin the wallet can spend: where it is, what it holds, and which key owns it. */
export interface WalletCoin {
  /** display (byte-reversed) hex */
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
  readonly script: Uint8Array;
  readonly chain: ChainKind;
  readonly index: number;
  readonly address: string;
  readonly confirmations: number;
  readonly coinbase: boolean;
}

export interface BuildParams {
  readonly inputs: readonly WalletCoin[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
}

export function buildUnsigned(p: BuildParams): Tx {
  return new Tx({
    version: TX_VERSION,
    inputs: p.inputs.map((c) => ({
      prevout: { txid: hexToHash(c.txid), vout: c.vout },
      scriptSig: new Uint8Array(0),
      sequence: RBF_SEQUENCE,
      witness: [],
    })),
    outputs: p.outputs,
    locktime: p.locktime,
  });
}

export function prevoutsOf(coins: readonly WalletCoin[]): TxOut[] {
  return coins.map((c) => ({ value: c.value, script: c.script }));
}

/** Sign every input with its BIP86 key; returns a new Tx with witnesses. */
export function signTx(tx: Tx, coins: readonly WalletCoin[], keys: KeyChain, rng: Rng): Tx {
  const hasher = new TaprootSighasher(tx, prevoutsOf(coins));
  const inputs = tx.inputs.map((input, i) => {
    const c = coins[i]!;
    const sig = signKeyPathInputWith(hasher, i, keys.secretKey(c.chain, c.index), SIGHASH_DEFAULT, rng.bytes(32));
    return { ...input, witness: [sig] };
  });
  return new Tx({ version: tx.version, inputs, outputs: tx.outputs, locktime: tx.locktime });
}

/** Put change at a random position so it can't be told from the payment by place. */
export function insertChange(outputs: readonly TxOut[], change: TxOut | null, rng: Rng): { outputs: TxOut[]; changeIndex: number } {
  if (!change) return { outputs: [...outputs], changeIndex: -1 };
  const pos = rng.int(outputs.length + 1);
  const out = [...outputs];
  out.splice(pos, 0, change);
  return { outputs: out, changeIndex: pos };
}
