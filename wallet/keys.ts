// Keys: BIP39 mnemonic → BIP32 → BIP86 (m/86'/coin'/account'/change/index), single-key
// taproot outputs with no script tree. Coin type is 0 on main and 1 on devnet/regtest,
// as on Bitcoin's testnets. Extended keys use Bitcoin's xprv/xpub version bytes on every
// network (the wallet file records the network separately). A watch-only chain holds
// only the account xpub: it derives addresses but every signing call refuses.
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HRPS, encodeAddress } from '../src/primitives/address.js';
import { p2trScript } from '../src/primitives/script.js';
import { taprootTweakPubkey } from '../src/primitives/schnorr.js';
import type { Rng } from '../src/primitives/rng.js';
import { WalletError } from './errors.js';

export type Network = keyof typeof HRPS;
export const NETWORKS: readonly Network[] = ['regtest', 'devnet', 'main'];
export const RECEIVE = 0;
export const CHANGE = 1;
export type ChainKind = typeof RECEIVE | typeof CHANGE;
const H = 0x80000000;

export function isNetwork(x: unknown): x is Network {
  return typeof x === 'string' && (NETWORKS as readonly string[]).includes(x);
}

export function coinType(network: Network): number {
  return network === 'main' ? 0 : 1;
}

export function hrpOf(network: Network): string {
  return HRPS[network];
}

export function accountPath(network: Network, account: number): string {
  return `m/86'/${coinType(network)}'/${account}'`;
}

export function generateMnemonic(words: 12 | 24, rng: Rng): string {
  if (words !== 12 && words !== 24) throw new WalletError('bad-input', 'a mnemonic has 12 or 24 words');
  return entropyToMnemonic(rng.bytes(words === 12 ? 16 : 32), wordlist);
}

export function normalizeMnemonic(m: string): string {
  return m.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
}

export function checkMnemonic(m: string): string {
  const norm = normalizeMnemonic(m);
  const n = norm.split(' ').length;
  if ((n !== 12 && n !== 24) || !validateMnemonic(norm, wordlist)) {
    throw new WalletError('bad-mnemonic', `not a valid BIP39 mnemonic (${n} words; checksum or word list mismatch)`, 'check the spelling and order of the 12 or 24 words');
  }
  return norm;
}

export interface DerivedAddress {
  readonly chain: ChainKind;
  readonly index: number;
  /** full path from the master key */
  readonly path: string;
  readonly internalKey: Uint8Array;
  readonly outputKey: Uint8Array;
  readonly script: Uint8Array;
  readonly address: string;
}

/** The account-level key chain every wallet operation derives from. */
export class KeyChain {
  private readonly cache = new Map<string, DerivedAddress>();

  private constructor(
    readonly network: Network,
    readonly account: number,
    /** master key fingerprint for PSBT derivation records; 0 when unknown (watch-only) */
    readonly masterFingerprint: number,
    private readonly accountKey: HDKey,
  ) {}

  static fromMnemonic(mnemonic: string, passphrase: string, network: Network, account = 0): KeyChain {
    const seed = mnemonicToSeedSync(checkMnemonic(mnemonic), passphrase);
    return KeyChain.fromSeed(seed, network, account);
  }

  static fromSeed(seed: Uint8Array, network: Network, account = 0): KeyChain {
    const root = HDKey.fromMasterSeed(seed);
    return new KeyChain(network, account, root.fingerprint, root.derive(accountPath(network, account)));
  }

  /** From a stored account xprv or xpub (an xpub makes a watch-only chain). */
  static fromExtended(key: string, network: Network, account = 0, masterFingerprint = 0): KeyChain {
    let hd: HDKey;
    try {
      hd = HDKey.fromExtendedKey(key.trim());
    } catch (e) {
      throw new WalletError('bad-xpub', `not a valid extended key: ${(e as Error).message}`, 'give the account-level xpub (m/86\'/coin\'/account\')');
    }
    if (hd.depth !== 3) {
      throw new WalletError('bad-xpub', `extended key has depth ${hd.depth}; expected an account key at depth 3 (m/86'/coin'/account')`);
    }
    return new KeyChain(network, account, masterFingerprint, hd);
  }

  get watchOnly(): boolean {
    return !this.accountKey.privateKey;
  }

  get xpub(): string {
    return this.accountKey.publicExtendedKey;
  }

  /** The account xprv; only for writing into the encrypted wallet file. */
  get xprv(): string {
    if (this.watchOnly) throw new WalletError('watch-only', 'this wallet holds no private keys');
    return this.accountKey.privateExtendedKey;
  }

  get path(): string {
    return accountPath(this.network, this.account);
  }

  /** Path components from the master key, hardened indexes with the 0x80000000 bit. */
  pathComponents(chain: ChainKind, index: number): number[] {
    return [86 + H, coinType(this.network) + H, this.account + H, chain, index];
  }

  derive(chain: ChainKind, index: number): DerivedAddress {
    const k = `${chain}/${index}`;
    const hit = this.cache.get(k);
    if (hit) return hit;
    if (!Number.isInteger(index) || index < 0 || index >= H) throw new RangeError('keys: index out of range');
    const child = this.accountKey.deriveChild(chain).deriveChild(index);
    const internalKey = child.publicKey!.subarray(1);
    const { outputKey } = taprootTweakPubkey(internalKey);
    const d: DerivedAddress = {
      chain, index, path: `${this.path}/${chain}/${index}`, internalKey, outputKey,
      script: p2trScript(outputKey), address: encodeAddress(outputKey, hrpOf(this.network)),
    };
    this.cache.set(k, d);
    return d;
  }

  /** The untweaked secret key for an address (signKeyPathInput applies the BIP86 tweak). */
  secretKey(chain: ChainKind, index: number): Uint8Array {
    if (this.watchOnly) {
      throw new WalletError('watch-only', 'this is a watch-only wallet and cannot sign', 'create a PSBT with `psbt create` and sign it with the wallet that holds the seed');
    }
    return this.accountKey.deriveChild(chain).deriveChild(index).privateKey!;
  }
}
