// `create` and `restore`: a new wallet file from fresh or given words (or a watch-only
// xpub). The file is created exclusively (never overwrites) and only once all else worked.
import { existsSync, readFileSync } from 'node:fs';
import { Option } from 'commander';
import { WalletError } from '../errors.js';
import { KeyChain, generateMnemonic, type Network } from '../keys.js';
import { Wallet } from '../wallet.js';
import { balanceText, parseIntOpt, parseLogN, type CommandContext, type Session } from '../session.js';

export function registerSetup(ctx: CommandContext): void {
  const { program, io, session: S } = ctx;
  const kdfOpt = () => new Option('--kdf-log-n <n>', 'scrypt cost as log2(N) (default 15; lower only for tests)').hideHelp();

  program
    .command('create')
    .description('create a new wallet; prints the mnemonic once and the first address')
    .addOption(new Option('--words <n>', 'mnemonic length').choices(['12', '24']).default('24'))
    .option('--xpub <xpub>', 'make a watch-only wallet from an account xpub (m/86\'/coin\'/account\')')
    .option('--fingerprint <hex>', 'master key fingerprint for the xpub (for PSBT derivation paths)')
    .option('--account <n>', 'BIP86 account number', '0')
    .option('--bip39-passphrase-file <file>', 'optional BIP39 passphrase ("25th word") from a file')
    .addOption(kdfOpt())
    .action(async (o) => {
      const s = S();
      const network = await networkFor(s);
      const account = parseIntOpt('account', o.account, 0);
      const logN = parseLogN(o.kdfLogN);
      if (existsSync(s.walletPath())) throw new WalletError('wallet-exists', `a wallet file already exists at ${s.walletPath()}`, 'choose another --wallet path');
      await s.newPassphrase();
      let mnemonic: string | undefined;
      let keys: KeyChain;
      if (o.xpub) {
        const fp = o.fingerprint ? parseFingerprint(o.fingerprint) : 0;
        keys = KeyChain.fromExtended(o.xpub, network, account, fp);
        if (!keys.watchOnly) throw new WalletError('bad-xpub', 'give an xpub, not an xprv, for a watch-only wallet');
      } else {
        mnemonic = generateMnemonic(Number(o.words) as 12 | 24, io.rng);
        keys = KeyChain.fromMnemonic(mnemonic, bip39Passphrase(s, o.bip39PassphraseFile), network, account);
      }
      const w = Wallet.fromKeys(keys);
      const first = w.newAddress();
      await s.create(w, logN);
      const human = mnemonic
        ? `Created ${network} wallet at ${s.walletPath()}\n\nWrite down these ${mnemonic.split(' ').length} words; they are shown only once and restore the wallet:\n\n  ${mnemonic}\n\nFirst address: ${first.address}`
        : `Created watch-only ${network} wallet at ${s.walletPath()}\nFirst address: ${first.address}`;
      s.print(human, { network, wallet: s.walletPath(), watchOnly: keys.watchOnly, ...(mnemonic ? { mnemonic } : {}), address: first.address, xpub: keys.xpub });
    });

  program
    .command('restore')
    .description('restore a wallet from its mnemonic and rescan the chain (gap limit 20)')
    .option('--mnemonic-file <file>', 'read the mnemonic from FILE (else env CAIRN_WALLET_MNEMONIC, else a prompt or stdin)')
    .option('--account <n>', 'BIP86 account number', '0')
    .option('--bip39-passphrase-file <file>', 'BIP39 passphrase used when the wallet was created')
    .option('--gap <n>', 'stop after this many unused addresses in a row', '20')
    .addOption(kdfOpt())
    .action(async (o) => {
      const s = S();
      if (existsSync(s.walletPath())) throw new WalletError('wallet-exists', `a wallet file already exists at ${s.walletPath()}`, 'choose another --wallet path');
      const mnemonic = await readMnemonic(s, o.mnemonicFile);
      await s.newPassphrase(); // before the scan, which can take a while
      const client = s.client();
      const network = s.givenNetwork() ?? (await client.network());
      const keys = KeyChain.fromMnemonic(mnemonic, bip39Passphrase(s, o.bip39PassphraseFile), network, parseIntOpt('account', o.account, 0));
      const w = Wallet.fromKeys(keys);
      await w.checkNode(client);
      const snap = await w.sync(client, parseIntOpt('gap', o.gap, 20, 1));
      const bal = w.balance(snap);
      await s.create(w, parseLogN(o.kdfLogN));
      const used = snap.addresses.filter((a) => a.txCount > 0).length;
      s.print(
        `Restored ${network} wallet at ${s.walletPath()}: ${used} used address${used === 1 ? '' : 'es'}\n${balanceText(bal)}`,
        { network, wallet: s.walletPath(), usedAddresses: used, next: { receive: w.data.next[0], change: w.data.next[1] }, ...bal },
      );
    });
}

function parseFingerprint(hex: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new WalletError('bad-input', '--fingerprint is 8 hex digits');
  return parseInt(hex, 16) >>> 0;
}

function bip39Passphrase(s: Session, file: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
    } catch (e) {
      throw new WalletError('bad-input', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return s.io.env.CAIRN_BIP39_PASSPHRASE ?? '';
}

async function readMnemonic(s: Session, file: string | undefined): Promise<string> {
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new WalletError('bad-input', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (s.io.env.CAIRN_WALLET_MNEMONIC) return s.io.env.CAIRN_WALLET_MNEMONIC;
  if (s.io.interactive) return s.io.promptHidden('Mnemonic (12 or 24 words): ');
  return s.io.readStdin();
}

/** The network a new wallet is for: --network/CAIRN_NETWORK, else the node's. */
async function networkFor(s: Session): Promise<Network> {
  return s.givenNetwork() ?? s.client().network();
}
