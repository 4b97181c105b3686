import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { bytesToHex, encodeAddress, hexToBytes, nobleVerifier, p2trScript, taprootTweakPubkey, TaprootSighasher, Tx, SIGHASH_DEFAULT } from '../../src/primitives/index.js';
import { CHANGE, KeyChain, RECEIVE } from '../../wallet/keys.js';
import { buildUnsigned, signTx, type WalletCoin } from '../../wallet/builder.js';
import { seededRng } from '../../src/primitives/rng.js';

// Parse the "Test vectors" <pre> block of BIP86 into named sections of key = value lines.
function loadVectors() {
  const text = readFileSync(new URL('../fixtures/bips/bip-0086.mediawiki', import.meta.url), 'utf8');
  const pre = text.slice(text.indexOf('==Test vectors=='));
  const body = pre.slice(pre.indexOf('<pre>') + 5, pre.indexOf('</pre>'));
  const sections: Record<string, Record<string, string>> = {};
  let cur = 'root';
  sections[cur] = {};
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^\/\/ .*= (m\/[0-9'/]+)$/.exec(line);
    if (m) {
      cur = m[1]!;
      sections[cur] = {};
      continue;
    }
    const kv = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (kv) sections[cur]![kv[1]!] = kv[2]!.trim();
  }
  return sections;
}

const V = loadVectors();
const mnemonic = V.root!.mnemonic!;

describe('BIP86 test vectors', () => {
  it('parsed the vector file (guards against a silently empty test)', () => {
    expect(Object.keys(V)).toEqual(expect.arrayContaining(["m/86'/0'/0'", "m/86'/0'/0'/0/0", "m/86'/0'/0'/0/1", "m/86'/0'/0'/1/0"]));
  });

  it('mnemonic → root and account extended keys', () => {
    const root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, ''));
    expect(root.privateExtendedKey).toBe(V.root!.rootpriv);
    const kc = KeyChain.fromMnemonic(mnemonic, '', 'main');
    expect(kc.path).toBe("m/86'/0'/0'");
    expect(kc.xprv).toBe(V["m/86'/0'/0'"]!.xprv);
    expect(kc.xpub).toBe(V["m/86'/0'/0'"]!.xpub);
    expect(kc.masterFingerprint).toBe(root.fingerprint);
  });

  for (const [path, chain, index] of [["m/86'/0'/0'/0/0", RECEIVE, 0], ["m/86'/0'/0'/0/1", RECEIVE, 1], ["m/86'/0'/0'/1/0", CHANGE, 0]] as const) {
    it(`${path}: internal key, output key, scriptPubKey and address`, () => {
      const v = V[path]!;
      const kc = KeyChain.fromMnemonic(mnemonic, '', 'main');
      const d = kc.derive(chain, index);
      expect(d.path).toBe(path);
      expect(bytesToHex(d.internalKey)).toBe(v.internal_key);
      expect(bytesToHex(d.outputKey)).toBe(v.output_key);
      expect(bytesToHex(d.script)).toBe(v.scriptPubKey);
      // Cairn's main HRP is 'crn'; with Bitcoin's 'bc' the same key gives the vector's address.
      expect(encodeAddress(d.outputKey, 'bc')).toBe(v.address);
      expect(d.address.startsWith('crn1p')).toBe(true);
      // The same keys from the account xpub alone (watch-only) agree.
      const watch = KeyChain.fromExtended(V["m/86'/0'/0'"]!.xpub!, 'main');
      expect(watch.watchOnly).toBe(true);
      expect(bytesToHex(watch.derive(chain, index).script)).toBe(v.scriptPubKey);
      expect(() => watch.secretKey(chain, index)).toThrow(expect.objectContaining({ code: 'watch-only' }));
    });
  }

  it('signatures from the vector keys verify against the vector output keys', () => {
    const kc = KeyChain.fromMnemonic(mnemonic, '', 'main');
    const coins: WalletCoin[] = (["m/86'/0'/0'/0/0", "m/86'/0'/0'/1/0"] as const).map((path, i) => {
      const v = V[path]!;
      return {
        txid: 'ab'.repeat(31) + '0' + i, vout: i, value: 50_000n + BigInt(i), script: hexToBytes(v.scriptPubKey!),
        chain: i === 0 ? RECEIVE : CHANGE, index: 0, address: v.address!, confirmations: 10, coinbase: false,
      };
    });
    const unsigned = buildUnsigned({ inputs: coins, outputs: [{ value: 99_000n, script: p2trScript(taprootTweakPubkey(hexToBytes(V["m/86'/0'/0'/0/1"]!.internal_key!)).outputKey) }], locktime: 7 });
    const signed = signTx(unsigned, coins, kc, seededRng(1));
    const roundTrip = Tx.decode(signed.encode());
    const hasher = new TaprootSighasher(roundTrip, coins.map((c) => ({ value: c.value, script: c.script })));
    roundTrip.inputs.forEach((inp, i) => {
      expect(inp.witness).toHaveLength(1);
      expect(inp.witness[0]).toHaveLength(64);
      const msg = hasher.hash(i, SIGHASH_DEFAULT);
      expect(nobleVerifier.verify(inp.witness[0]!, msg, coins[i]!.script.subarray(2))).toBe(true);
      // A signature for another input's message must not verify (the check can fail).
      expect(nobleVerifier.verify(inp.witness[0]!, hasher.hash(1 - i, SIGHASH_DEFAULT), coins[i]!.script.subarray(2))).toBe(false);
    });
    expect(bytesToHex(coins[0]!.script)).toBe(V["m/86'/0'/0'/0/0"]!.scriptPubKey);
  });

  it('uses coin type 1 and the network HRP on devnet and regtest', () => {
    const dev = KeyChain.fromMnemonic(mnemonic, '', 'devnet');
    const reg = KeyChain.fromMnemonic(mnemonic, '', 'regtest');
    expect(dev.path).toBe("m/86'/1'/0'");
    expect(dev.derive(RECEIVE, 0).address.startsWith('tcrn1p')).toBe(true);
    expect(reg.derive(RECEIVE, 0).address.startsWith('rcrn1p')).toBe(true);
    expect(bytesToHex(dev.derive(RECEIVE, 0).script)).toBe(bytesToHex(reg.derive(RECEIVE, 0).script));
    expect(bytesToHex(dev.derive(RECEIVE, 0).script)).not.toBe(V["m/86'/0'/0'/0/0"]!.scriptPubKey);
    // A BIP39 passphrase gives a different wallet.
    expect(KeyChain.fromMnemonic(mnemonic, 'TREZOR', 'main').xpub).not.toBe(V["m/86'/0'/0'"]!.xpub);
  });

  it('refuses bad mnemonics and non-account xpubs with typed errors', () => {
    expect(() => KeyChain.fromMnemonic(mnemonic.replace(/about$/, 'abandon'), '', 'main')).toThrow(expect.objectContaining({ code: 'bad-mnemonic' }));
    expect(() => KeyChain.fromMnemonic('abandon abandon', '', 'main')).toThrow(expect.objectContaining({ code: 'bad-mnemonic' }));
    expect(() => KeyChain.fromExtended(V.root!.rootpub!, 'main')).toThrow(expect.objectContaining({ code: 'bad-xpub' }));
    expect(() => KeyChain.fromExtended('xpub-nonsense', 'main')).toThrow(expect.objectContaining({ code: 'bad-xpub' }));
  });
});
