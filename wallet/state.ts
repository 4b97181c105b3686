// What the wallet remembers between runs, all of it inside the encrypted file: the keys
// (account xprv, or only the xpub for watch-only), how far each chain has been handed
// out, labels, and the transactions this wallet built (so `bump` can rebuild them).
// Everything else (coins, confirmations) is asked of the node on each run.
import { WalletError } from './errors.js';
import { isNetwork, type Network } from './keys.js';

export const STATE_VERSION = 1;

export interface SentTx {
  readonly hex: string;
  /** base units, decimal string (JSON has no bigint) */
  readonly fee: string;
  readonly createdAt: number;
  readonly replaces?: string;
  replacedBy?: string;
  /** the node refused it on re-broadcast (its inputs were spent elsewhere): it will never confirm */
  conflicted?: { code: string; message: string; at: number };
  /** height of its block once at least SETTLED_DEPTH (6) deep: no longer checked on sync */
  confirmedHeight?: number;
}

export interface WalletData {
  version: number;
  network: Network;
  account: number;
  /** account xprv; absent for watch-only */
  xprv?: string;
  xpub: string;
  masterFingerprint: number;
  /** next unissued index on the receive (0) and change (1) chains */
  next: [number, number];
  labels: Record<string, string>;
  txs: Record<string, SentTx>;
}

export function encodeState(d: WalletData): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(d));
}

export function decodeState(bytes: Uint8Array): WalletData {
  let d: WalletData;
  try {
    d = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as WalletData;
  } catch {
    throw new WalletError('bad-wallet-file', 'wallet contents are not valid JSON');
  }
  const nat = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (
    !d || typeof d !== 'object' || d.version !== STATE_VERSION || !isNetwork(d.network) || !nat(d.account) ||
    typeof d.xpub !== 'string' || (d.xprv !== undefined && typeof d.xprv !== 'string') || !nat(d.masterFingerprint) ||
    !Array.isArray(d.next) || d.next.length !== 2 || !d.next.every(nat) ||
    !d.labels || typeof d.labels !== 'object' || !d.txs || typeof d.txs !== 'object'
  ) {
    throw new WalletError('bad-wallet-file', 'wallet contents are damaged or from an unsupported version');
  }
  return d;
}
