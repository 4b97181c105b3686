// Which outputs become coins: the one rule the block connect and disconnect, the chain's
// UTXO set and the mempool's view of unconfirmed outputs all follow. An OP_RETURN output
// or one whose script is over MAX_SCRIPT_SIZE can never be spent (Core's
// CScript::IsUnspendable), so it never enters a coin set; every other output does.
import { isOpReturn, type TxOut } from '../primitives/index.js';
import type { Coin } from './tx.js';

/** Core's MAX_SCRIPT_SIZE: longer output scripts are unspendable and never become coins. */
export const MAX_SCRIPT_SIZE = 10_000;

/** Whether an output with this script can never be spent (so never becomes a coin). */
export function isUnspendable(script: Uint8Array): boolean {
  return isOpReturn(script) || script.length > MAX_SCRIPT_SIZE;
}

/**
 * The coin `out` becomes when its transaction is confirmed at `height` (or, for the
 * mempool, placed at its pseudo-height), or undefined when there is no such output or it
 * is unspendable.
 */
export function outputCoin(out: TxOut | undefined, height: number, coinbase: boolean): Coin | undefined {
  if (!out || isUnspendable(out.script)) return undefined;
  return { value: out.value, script: out.script, height, coinbase };
}
