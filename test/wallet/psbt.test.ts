import { describe, expect, it } from '@jest/globals';
import { Transaction } from '@scure/btc-signer';
import { bytesToHex, hexToBytes, p2trScript, seededRng, SIGHASH_DEFAULT, TaprootSighasher, nobleVerifier } from '../../src/primitives/index.js';
import { buildUnsigned, type WalletCoin } from '../../wallet/builder.js';
import { KeyChain, RECEIVE, CHANGE } from '../../wallet/keys.js';
import { decodePsbt, encodePsbt, extractTx, finalizePsbt, psbtFromBase64, psbtToBase64 } from '../../wallet/psbt.js';
import { Wallet, type Draft } from '../../wallet/wallet.js';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function draft(w: Wallet): Draft {
  const d0 = w.keys.derive(RECEIVE, 0);
  const d1 = w.keys.derive(RECEIVE, 1);
  const coins: WalletCoin[] = [d0, d1].map((d, i) => ({
    txid: String(i + 1).repeat(64), vout: i, value: 100_000n, script: d.script, chain: d.chain, index: d.index,
    address: d.address, confirmations: 200, coinbase: false,
  }));
  const change = w.keys.derive(CHANGE, 0);
  const outputs = [{ value: 150_000n, script: p2trScript(new Uint8Array(32).fill(9)) }, { value: 49_000n, script: change.script }];
  const tx = buildUnsigned({ inputs: coins, outputs, locktime: 500 });
  return { tx, signed: false, coins, payments: [], change: { address: change.address, value: 49_000n, index: 0, derived: change }, fee: 1000n, feeRate: 1000n };
}

describe('PSBT (BIP174/BIP371)', () => {
  const seed = Wallet.fromKeys(KeyChain.fromMnemonic(MNEMONIC, '', 'regtest'));
  const watch = Wallet.fromKeys(KeyChain.fromExtended(seed.keys.xpub, 'regtest', 0, seed.keys.masterFingerprint));

  it('round-trips, keeps unknown fields, and reads back in an independent implementation', () => {
    const p = watch.draftToPsbt(draft(watch));
    p.inputs[0]!.unknown.push({ key: Uint8Array.of(0x40, 1, 2), value: Uint8Array.of(3) });
    p.globalUnknown.push({ key: Uint8Array.of(0x41, 9), value: Uint8Array.of(8, 7) });
    const bytes = encodePsbt(p);
    const back = decodePsbt(bytes);
    expect(bytesToHex(encodePsbt(back))).toBe(bytesToHex(bytes));
    expect(back.inputs[0]!.unknown).toHaveLength(1);
    expect(back.outputs[1]!.tapBip32Derivation[0]!.path).toEqual(seed.keys.pathComponents(CHANGE, 0));
    const t = Transaction.fromPSBT(bytes, { allowUnknown: true } as never);
    expect(t.inputsLength).toBe(2);
    expect(bytesToHex(t.getInput(1).tapInternalKey!)).toBe(bytesToHex(seed.keys.derive(RECEIVE, 1).internalKey));
    expect(t.getInput(0).tapBip32Derivation![0]![1].der.path).toEqual(seed.keys.pathComponents(RECEIVE, 0));
  });

  it('the seed wallet signs, finalize + extract gives a valid tx; watch-only cannot sign', () => {
    const p = psbtFromBase64(psbtToBase64(watch.draftToPsbt(draft(watch))));
    expect(() => watch.signPsbt(p, seededRng(1))).toThrow(expect.objectContaining({ code: 'watch-only' }));
    expect(() => finalizePsbt(p)).toThrow(expect.objectContaining({ code: 'bad-psbt' }));
    expect(seed.signPsbt(p, seededRng(2))).toBe(2);
    expect(seed.signPsbt(p, seededRng(3))).toBe(0); // already signed
    const tx = extractTx(finalizePsbt(p));
    const prevouts = p.inputs.map((i) => i.witnessUtxo!);
    const h = new TaprootSighasher(tx, prevouts);
    tx.inputs.forEach((inp, i) => expect(nobleVerifier.verify(inp.witness[0]!, h.hash(i, SIGHASH_DEFAULT), prevouts[i]!.script.subarray(2))).toBe(true));
    // A different seed finds nothing of its own to sign.
    const stranger = Wallet.fromKeys(KeyChain.fromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow', '', 'regtest'));
    expect(stranger.signPsbt(psbtFromBase64(psbtToBase64(watch.draftToPsbt(draft(watch)))), seededRng(4))).toBe(0);
  });

  it('refuses malformed PSBTs with bad-psbt', () => {
    const good = encodePsbt(watch.draftToPsbt(draft(watch)));
    for (const bad of [new Uint8Array(0), hexToBytes('70736274ff'), good.subarray(0, good.length - 1), Uint8Array.of(...good, 0), hexToBytes('70736274fe00')]) {
      expect(() => decodePsbt(bad)).toThrow(expect.objectContaining({ code: 'bad-psbt' }));
    }
    expect(() => psbtFromBase64('!!!')).toThrow(expect.objectContaining({ code: 'bad-psbt' }));
  });
});
