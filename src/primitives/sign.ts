// Key-path signing of one input: tweak the internal key (BIP86 unless a merkle root is
// given), hash with BIP341, sign with BIP340, and encode the single witness item.
// Refuses (SignError) to sign an input whose prevout does not pay to the key being used,
// so a wallet bug surfaces here rather than as a transaction the network rejects.
import { equalBytes } from './bytes.js';
import { isP2TR } from './script.js';
import { signSchnorr, taprootTweakSecret, xOnlyPubkey } from './schnorr.js';
import { SIGHASH_DEFAULT, TaprootSighasher } from './sighash.js';
import type { Tx, TxOut } from './tx.js';

export type SignErrorCode = 'not-p2tr' | 'key-mismatch';

export class SignError extends Error {
  readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string) {
    super(message);
    this.name = 'SignError';
    this.code = code;
  }
}

/** Witness item for a key-path spend: 64-byte signature, plus the hash type byte unless DEFAULT. */
export function signKeyPathInput(
  tx: Tx,
  inputIndex: number,
  prevouts: readonly TxOut[],
  internalSecretKey: Uint8Array,
  hashType: number = SIGHASH_DEFAULT,
  auxRand?: Uint8Array,
  merkleRoot?: Uint8Array,
): Uint8Array {
  return signKeyPathInputWith(new TaprootSighasher(tx, prevouts), inputIndex, internalSecretKey, hashType, auxRand, merkleRoot);
}

/** Same, reusing one sighasher so signing every input of a tx stays linear. */
export function signKeyPathInputWith(
  sighasher: TaprootSighasher,
  inputIndex: number,
  internalSecretKey: Uint8Array,
  hashType: number = SIGHASH_DEFAULT,
  auxRand?: Uint8Array,
  merkleRoot?: Uint8Array,
): Uint8Array {
  // sigMsg validates hashType and inputIndex first, so bad arguments fail before key work.
  const msg = sighasher.hash(inputIndex, hashType);
  const prev = sighasher.prevouts[inputIndex]!;
  if (!isP2TR(prev.script)) throw new SignError('not-p2tr', `sign: input ${inputIndex} does not spend a P2TR output`);
  const tweaked = taprootTweakSecret(internalSecretKey, merkleRoot);
  if (!equalBytes(xOnlyPubkey(tweaked), prev.script.subarray(2))) {
    throw new SignError('key-mismatch', `sign: input ${inputIndex} pays to a different key`);
  }
  const sig = signSchnorr(msg, tweaked, auxRand);
  if (hashType === SIGHASH_DEFAULT) return sig;
  const out = new Uint8Array(65);
  out.set(sig);
  out[64] = hashType;
  return out;
}
