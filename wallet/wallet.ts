// The wallet proper: keys + remembered state + what the node says now. Methods that read
// the chain take an EsploraClient; nothing here touches the file system (cli.ts decides
// when to save, and saves only after a command succeeded). Changes to `data` made by a
// command that later fails are simply never written.
//
// Why this file is long: one Wallet class whose methods share its key and coin state
// (addresses, the node's view of the coins, pending spends); selection, the builder and
// PSBT are already modules of their own.
import { AddressError, HRPS, addressToScript, scriptToAddress } from '../src/primitives/address.js';
import { bytesToHex, hashToHex, hexToBytes } from '../src/primitives/bytes.js';
import type { Rng } from '../src/primitives/rng.js';
import { SIGHASH_DEFAULT, TaprootSighasher } from '../src/primitives/sighash.js';
import { signKeyPathInputWith } from '../src/primitives/sign.js';
import { Tx, type TxOut } from '../src/primitives/tx.js';
import { DUST_LIMIT, feeForWeight, feeRateFromEstimate, formatFeeRate } from './amount.js';
import { buildUnsigned, insertChange, signTx, type WalletCoin } from './builder.js';
import { EsploraClient, checkTxid, type AddressInfo, type EsploraTx } from './client.js';
import { P2TR_INPUT_WEIGHT, P2TR_OUTPUT_WEIGHT, selectCoins, txWeight } from './coinselect.js';
import { WalletError } from './errors.js';
import { newPsbt, type Psbt, type TapDerivation } from './psbt.js';
import { CHANGE, KeyChain, RECEIVE, type ChainKind, type DerivedAddress, type Network } from './keys.js';
import { STATE_VERSION, type WalletData } from './state.js';

export const GAP_LIMIT = 20;
/** Minimum fee-rate increase a replacement must pay for its own size (BIP125 rule 4), per kvB. */
export const INCREMENTAL_RELAY_FEE = 1000n;
const CONCURRENCY = 8;

export interface AddressRow extends DerivedAddress {
  readonly txCount: number;
  readonly label?: string;
  /** confirmed + unconfirmed balance from the node's address stats */
  readonly balance: bigint;
}

export interface Snapshot {
  readonly tip: number;
  readonly addresses: AddressRow[];
  readonly coins: WalletCoin[];
}

export interface Balance {
  readonly confirmed: bigint;
  readonly unconfirmed: bigint;
  readonly immature: bigint;
}

export interface Payment {
  readonly address: string;
  readonly value: bigint;
}

export interface SendOptions {
  /** base units per 1000 vB */
  readonly feeRate: bigint;
  readonly subtractFee?: boolean;
  readonly rng: Rng;
}

export interface Draft {
  /** signed unless the wallet is watch-only */
  readonly tx: Tx;
  readonly signed: boolean;
  readonly coins: WalletCoin[];
  readonly payments: { address: string; value: bigint }[];
  readonly change: { address: string; value: bigint; index: number; derived: DerivedAddress } | null;
  readonly fee: bigint;
  readonly feeRate: bigint;
  readonly replaces?: string;
}

/** What a sync did about the wallet's own unconfirmed sends the node had lost. */
export interface RebroadcastNote {
  readonly txid: string;
  /**
   * rebroadcast: the node no longer knew it (e.g. restarted without its mempool) and took
   * it again; conflicted: the node refused it because its inputs are spent or gone (it can
   * never confirm; marked so); refused: refused for another reason, tried again next sync
   */
  readonly action: 'rebroadcast' | 'conflicted' | 'refused';
  readonly code?: string;
  readonly message?: string;
}

/** Own txs confirmed this deep are not asked about again (Core's wallet rebroadcasts depth 0 only). */
export const SETTLED_DEPTH = 6;

export interface HistoryEntry {
  readonly txid: string;
  /** net effect on the wallet: received − spent, negative for sends (fee included) */
  readonly amount: bigint;
  readonly fee: bigint | null;
  readonly confirmations: number;
  readonly height: number | null;
  readonly time: number | null;
  /** a wallet send the node refused on re-broadcast: it will never confirm */
  readonly conflicted?: true;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const statsBalance = (a: AddressInfo) =>
  BigInt(a.chain_stats.funded_txo_sum) - BigInt(a.chain_stats.spent_txo_sum) +
  BigInt(a.mempool_stats.funded_txo_sum) - BigInt(a.mempool_stats.spent_txo_sum);

export class Wallet {
  /**
   * The node's coinbase maturity (regtest/main 100, devnet 20), learned by checkNode();
   * taken from the node, not a table here, so a network's rule lives in one place.
   */
  private maturity: number | undefined;

  constructor(readonly data: WalletData, readonly keys: KeyChain) {}

  static fromKeys(keys: KeyChain): Wallet {
    const data: WalletData = {
      version: STATE_VERSION, network: keys.network, account: keys.account,
      ...(keys.watchOnly ? {} : { xprv: keys.xprv }), xpub: keys.xpub,
      masterFingerprint: keys.masterFingerprint, next: [0, 0], labels: {}, txs: {},
    };
    return new Wallet(data, keys);
  }

  static fromData(data: WalletData): Wallet {
    const keys = KeyChain.fromExtended(data.xprv ?? data.xpub, data.network, data.account, data.masterFingerprint);
    if (keys.xpub !== data.xpub) throw new WalletError('bad-wallet-file', 'wallet file keys do not match (xprv and xpub disagree)');
    return new Wallet(data, keys);
  }

  get network(): Network {
    return this.data.network;
  }

  get hrp(): string {
    return HRPS[this.network];
  }

  get watchOnly(): boolean {
    return this.keys.watchOnly;
  }

  /** Hand out the next receive address (recorded so it's watched from now on). */
  newAddress(label?: string): DerivedAddress {
    const d = this.keys.derive(RECEIVE, this.data.next[RECEIVE]);
    this.data.next[RECEIVE]++;
    if (label) this.data.labels[d.address] = label;
    return d;
  }

  private nextChange(): DerivedAddress {
    const d = this.keys.derive(CHANGE, this.data.next[CHANGE]);
    this.data.next[CHANGE]++;
    return d;
  }

  /** Parse an address for this wallet's network; the wrong HRP is its own error. */
  scriptFor(addr: string): Uint8Array {
    try {
      return addressToScript(addr.trim(), this.hrp);
    } catch (e) {
      if (e instanceof AddressError && e.code === 'wrong-network') {
        throw new WalletError('wrong-network', `address ${addr} belongs to another network (this wallet is on ${this.network}, addresses start with ${this.hrp}1)`);
      }
      if (e instanceof AddressError) throw new WalletError('bad-address', `invalid address "${addr}": ${e.message}`, 'check the address for typos');
      throw new WalletError('bad-address', `invalid address "${addr}"`, 'check the address for typos');
    }
  }

  /** Refuse to talk to a node on another network: coins there are not this wallet's. */
  async checkNode(client: EsploraClient): Promise<void> {
    const info = await client.nodeInfo();
    if (info.network !== this.network) {
      throw new WalletError('wrong-network', `node at ${client.baseUrl} is on ${info.network} but this wallet is for ${this.network}`, 'point --node at a node of the wallet\'s network');
    }
    this.maturity = info.coinbaseMaturity;
  }

  /** Consensus coinbase maturity as the node reported it (checkNode must have run). */
  get coinbaseMaturity(): number {
    if (this.maturity === undefined) throw new Error('wallet: coinbase maturity unknown; call checkNode() before reading the chain');
    return this.maturity;
  }

  /**
   * Walk both chains with the gap limit: every issued address, plus addresses until
   * `gap` consecutive ones have no history. Issued indexes move forward to cover what was
   * found used (a restored wallet learns its history this way).
   */
  async sync(client: EsploraClient, gap = GAP_LIMIT, opts: { coinbaseOfAll?: boolean } = {}): Promise<Snapshot> {
    const tip = await client.tipHeight();
    const rows: AddressRow[] = [];
    for (const chain of [RECEIVE, CHANGE] as ChainKind[]) {
      let lastUsed = -1;
      let i = 0;
      while (i < Math.max(this.data.next[chain], lastUsed + 1 + gap)) {
        const batch = Array.from({ length: gap }, (_, k) => this.keys.derive(chain, i + k));
        const infos = await mapLimit(batch, CONCURRENCY, (d) => client.address(d.address));
        batch.forEach((d, k) => {
          const info = infos[k]!;
          const txCount = info.chain_stats.tx_count + info.mempool_stats.tx_count;
          if (txCount > 0) lastUsed = d.index;
          const label = this.data.labels[d.address];
          rows.push({ ...d, txCount, balance: statsBalance(info), ...(label ? { label } : {}) });
        });
        i += gap;
      }
      if (lastUsed + 1 > this.data.next[chain]) this.data.next[chain] = lastUsed + 1;
    }
    const used = rows.filter((r) => r.txCount > 0);
    const utxoLists = await mapLimit(used, CONCURRENCY, (r) => client.utxos(r.address));
    const coins: WalletCoin[] = [];
    const maybeCoinbase = new Set<string>();
    used.forEach((r, k) => {
      for (const u of utxoLists[k]!) {
        if (!Number.isSafeInteger(u.value) || u.value < 0) throw new WalletError('node-error', `node sent an invalid utxo value for ${u.txid}:${u.vout}`);
        const confirmations = u.status.confirmed && u.status.block_height !== undefined ? tip - u.status.block_height + 1 : 0;
        if (confirmations > 0 && (opts.coinbaseOfAll || confirmations <= this.coinbaseMaturity)) maybeCoinbase.add(u.txid);
        coins.push({
          txid: checkTxid(u.txid), vout: u.vout, value: BigInt(u.value), script: r.script, chain: r.chain,
          index: r.index, address: r.address, confirmations, coinbase: false,
        });
      }
    });
    // Esplora's utxo list doesn't say "coinbase"; balances only need to ask about young
    // confirmed coins (a mature coinbase spends like any coin), listings ask about all.
    const young = [...maybeCoinbase];
    const txs = await mapLimit(young, CONCURRENCY, (t) => client.tx(t));
    const isCb = new Set(young.filter((_, k) => txs[k]!.vin[0]?.is_coinbase === true));
    const withCb = coins.map((c) => (isCb.has(c.txid) ? { ...c, coinbase: true } : c));
    withCb.sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
    return { tip, addresses: rows.filter((r) => r.txCount > 0 || r.index < this.data.next[r.chain]), coins: withCb };
  }

  /**
   * Bitcoin Core's wallet rule: a coinbase counts as mature at depth maturity + 1,
   * one block later than consensus allows, so a one-block reorg can't undo a spend of it.
   */
  isImmature(c: WalletCoin): boolean {
    return c.coinbase && c.confirmations <= this.coinbaseMaturity;
  }

  /** Confirmed mature coins, plus unconfirmed change of our own live transactions. */
  isSpendable(c: WalletCoin): boolean {
    if (c.confirmations > 0) return !this.isImmature(c);
    const own = this.data.txs[c.txid];
    return own !== undefined && own.replacedBy === undefined && own.conflicted === undefined;
  }

  balance(s: Snapshot): Balance {
    let confirmed = 0n, unconfirmed = 0n, immature = 0n;
    for (const c of s.coins) {
      if (c.confirmations === 0) unconfirmed += c.value;
      else if (this.isImmature(c)) immature += c.value;
      else confirmed += c.value;
    }
    return { confirmed, unconfirmed, immature };
  }

  /** Build (and sign, unless watch-only) a payment. Nothing is broadcast or recorded. */
  draftSend(s: Snapshot, payments: readonly Payment[], opts: SendOptions): Draft {
    const outs = payments.map((p) => ({ address: p.address.trim(), script: this.scriptFor(p.address), value: p.value }));
    for (const o of outs) {
      if (o.value < DUST_LIMIT) {
        throw new WalletError('dust', `amount ${o.value} base units to ${o.address} is below the dust limit of ${DUST_LIMIT}`, `send at least ${DUST_LIMIT} base units (0.0000033)`);
      }
    }
    const spendable = s.coins.filter((c) => this.isSpendable(c));
    const sel = selectCoins(spendable, outs.map((o) => ({ value: o.value, weight: (8 + 1 + o.script.length) * 4 })), {
      feeRate: opts.feeRate, subtractFee: opts.subtractFee ?? false,
    });
    const payOuts: TxOut[] = outs.map((o, i) => ({ value: sel.payments[i]!, script: o.script }));
    let change: Draft['change'] = null;
    let changeOut: TxOut | null = null;
    if (sel.change > 0n) {
      const d = this.nextChange();
      change = { address: d.address, value: sel.change, index: d.index, derived: d };
      changeOut = { value: sel.change, script: d.script };
    }
    const { outputs } = insertChange(payOuts, changeOut, opts.rng);
    const unsigned = buildUnsigned({ inputs: sel.inputs, outputs, locktime: s.tip });
    const tx = this.watchOnly ? unsigned : signTx(unsigned, sel.inputs, this.keys, opts.rng);
    if (!this.watchOnly && tx.weight !== sel.weight) {
      throw new Error(`wallet: signed weight ${tx.weight} differs from the estimate ${sel.weight}`);
    }
    return {
      tx, signed: !this.watchOnly, coins: sel.inputs,
      payments: outs.map((o, i) => ({ address: o.address, value: sel.payments[i]! })),
      change, fee: sel.fee, feeRate: opts.feeRate,
    };
  }

  /** Record a broadcast tx so bump/history/spendable-change know it. */
  recordSent(d: Draft, now: number): void {
    const txid = d.tx.txidHex();
    this.data.txs[txid] = { hex: d.tx.toHex(), fee: d.fee.toString(), createdAt: now, ...(d.replaces ? { replaces: d.replaces } : {}) };
    if (d.replaces && this.data.txs[d.replaces]) this.data.txs[d.replaces]!.replacedBy = txid;
  }

  /**
   * Makes sure the node still knows every send of this wallet that is not settled: each
   * one it answers 404 for (a restart without its mempool file, an eviction) is posted
   * again with the raw tx stored at send time, oldest first so parents go before children.
   * A refusal for missing or spent inputs marks the send conflicted (a conflicting tx
   * confirmed: it can never confirm); other refusals are reported and retried next time.
   */
  async rebroadcast(client: EsploraClient, now: number): Promise<RebroadcastNote[]> {
    const live = Object.entries(this.data.txs)
      .filter(([, t]) => t.replacedBy === undefined && t.conflicted === undefined && t.confirmedHeight === undefined)
      .sort(([, a], [, b]) => a.createdAt - b.createdAt);
    if (live.length === 0) return [];
    const tip = await client.tipHeight();
    // Ask about all of them at once; post the lost ones one by one, parents first.
    const statuses = await mapLimit(live, CONCURRENCY, ([txid]) => client.txStatusIfKnown(txid));
    const notes: RebroadcastNote[] = [];
    for (const [k, [txid, t]] of live.entries()) {
      const st = statuses[k];
      if (st) {
        // Remembered only once settled, so a read-only command rarely changes the file.
        if (st.confirmed && st.block_height !== undefined && tip - st.block_height + 1 >= SETTLED_DEPTH) t.confirmedHeight = st.block_height;
        continue;
      }
      const r = await client.submit(t.hex);
      if (r.ok || r.code === 'txn-already-in-mempool' || r.code === 'txn-already-known') {
        notes.push({ txid, action: 'rebroadcast' });
      } else if (r.code === 'bad-txns-inputs-missingorspent' || r.code === 'missing-inputs') {
        t.conflicted = { code: r.code, message: r.message, at: now };
        notes.push({ txid, action: 'conflicted', code: r.code, message: r.message });
      } else {
        notes.push({ txid, action: 'refused', code: r.code, message: r.message });
      }
    }
    return notes;
  }

  /**
   * Replace-by-fee: same inputs and payments at a higher rate; the fee comes out of the
   * change output, else more confirmed coins are added. BIP125: the new fee must exceed
   * the old by at least the incremental relay fee for the new size.
   */
  async draftBump(client: EsploraClient, s: Snapshot, txid: string, feeRate: bigint, rng: Rng): Promise<Draft> {
    txid = checkTxid(txid);
    const status = await client.txStatus(txid);
    if (status.confirmed) throw new WalletError('not-replaceable', `transaction ${txid} is already confirmed`);
    const hex = this.data.txs[txid]?.hex ?? (await client.txHex(txid));
    const old = Tx.decode(hexToBytes(hex));
    if (!old.inputs.some((i) => i.sequence < 0xfffffffe)) {
      throw new WalletError('not-replaceable', `transaction ${txid} does not signal replaceability (BIP125)`);
    }
    const byScript = new Map<string, AddressRow>();
    for (const r of s.addresses) byScript.set(bytesToHex(r.script), r);
    const coins: WalletCoin[] = [];
    let inTotal = 0n;
    for (const input of old.inputs) {
      const ptxid = hashToHex(input.prevout.txid);
      const parent = await client.tx(ptxid);
      const out = parent.vout[input.prevout.vout];
      const row = out ? byScript.get(out.scriptpubkey) : undefined;
      if (!out || !row) throw new WalletError('not-replaceable', `transaction ${txid} spends coins this wallet does not own`);
      const value = BigInt(out.value);
      inTotal += value;
      const confirmations = parent.status.confirmed && parent.status.block_height !== undefined ? s.tip - parent.status.block_height + 1 : 0;
      coins.push({ txid: ptxid, vout: input.prevout.vout, value, script: row.script, chain: row.chain, index: row.index, address: row.address, confirmations, coinbase: false });
    }
    const oldFee = inTotal - old.outputs.reduce((a, o) => a + o.value, 0n);
    // A replacement pays a higher rate than what it replaces; a target at or below the
    // current rate is a mistake (the BIP125 minimum would silently pay far more than asked).
    const oldVsize = BigInt(old.vsize);
    if (feeRate * oldVsize <= oldFee * 1000n) {
      const current = formatFeeRate((oldFee * 1000n) / oldVsize);
      throw new WalletError(
        'fee-rate-too-low',
        `--fee-rate ${formatFeeRate(feeRate)} is not above the ${current} per vB that ${txid} already pays (fee ${oldFee}, ${old.vsize} vB)`,
        `a replacement must pay more: give a --fee-rate above ${current}`,
      );
    }
    const changeScripts = new Set(s.addresses.filter((r) => r.chain === CHANGE).map((r) => bytesToHex(r.script)));
    const payments = old.outputs.filter((o) => !changeScripts.has(bytesToHex(o.script)));
    const oldChange = old.outputs.find((o) => changeScripts.has(bytesToHex(o.script)));
    const payTotal = payments.reduce((a, o) => a + o.value, 0n);
    const payW = payments.map((o) => (8 + 1 + o.script.length) * 4);
    const extra = s.coins
      .filter((c) => c.confirmations > 0 && !this.isImmature(c) && !coins.some((k) => k.txid === c.txid && k.vout === c.vout))
      .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
    const chosen = [...coins];
    let total = inTotal;
    for (let k = 0; ; k++) {
      const ws = chosen.map(() => P2TR_INPUT_WEIGHT);
      const wCh = txWeight(ws, [...payW, P2TR_OUTPUT_WEIGHT]);
      const wNo = txWeight(ws, payW);
      const minFee = (w: number) => {
        const byRate = feeForWeight(w, feeRate);
        const byRule = oldFee + feeForWeight(w, INCREMENTAL_RELAY_FEE);
        return byRate > byRule ? byRate : byRule;
      };
      const changeValue = total - payTotal - minFee(wCh);
      let change: Draft['change'] = null;
      let fee: bigint | null = null;
      let changeOut: TxOut | null = null;
      if (changeValue >= DUST_LIMIT) {
        const script = oldChange?.script;
        const row = script ? byScript.get(bytesToHex(script)) : undefined;
        const d = row ?? this.nextChange();
        change = { address: d.address, value: changeValue, index: d.index, derived: d };
        changeOut = { value: changeValue, script: d.script };
        fee = total - payTotal - changeValue;
      } else if (total - payTotal >= minFee(wNo)) {
        fee = total - payTotal;
      }
      if (fee !== null) {
        // Keep the original output order (the change stays where it was) so the
        // replacement looks like the same payment.
        const outputs = oldChange
          ? old.outputs.flatMap((o) => (o === oldChange ? (changeOut ? [changeOut] : []) : changeScripts.has(bytesToHex(o.script)) ? [] : [o]))
          : insertChange(payments, changeOut, rng).outputs;
        const unsigned = buildUnsigned({ inputs: chosen, outputs, locktime: s.tip });
        const tx = this.watchOnly ? unsigned : signTx(unsigned, chosen, this.keys, rng);
        const hrp = this.hrp;
        // Report the rate actually paid (the BIP125 minimum or dust change going to the fee
        // can lift it above the target), from the signed tx's size; rounded down.
        const vsize = BigInt(this.watchOnly ? Math.ceil((changeOut ? wCh : wNo) / 4) : tx.vsize);
        return {
          tx, signed: !this.watchOnly, coins: chosen,
          payments: payments.map((o) => ({ address: scriptToAddress(o.script, hrp) ?? bytesToHex(o.script), value: o.value })),
          change, fee, feeRate: (fee * 1000n) / vsize, replaces: txid,
        };
      }
      const more = extra[k];
      if (!more) {
        throw new WalletError('insufficient-funds', `not enough confirmed coins to pay a ${feeRate / 1000n} per vB replacement of ${txid}`, 'use a lower --fee-rate or wait for more coins to confirm');
      }
      chosen.push(more);
      total += more.value;
    }
  }

  private derivationOf(d: DerivedAddress): TapDerivation {
    return { pubkey: d.internalKey, leafHashes: [], fingerprint: this.keys.masterFingerprint, path: this.keys.pathComponents(d.chain, d.index) };
  }

  /** An unsigned PSBT for a draft, with the BIP371 fields a signer needs to find its keys. */
  draftToPsbt(d: Draft): Psbt {
    const unsigned = new Tx({
      version: d.tx.version, locktime: d.tx.locktime, outputs: d.tx.outputs,
      inputs: d.tx.inputs.map((i) => ({ ...i, witness: [] })),
    });
    const p = newPsbt(unsigned);
    d.coins.forEach((c, i) => {
      const der = this.keys.derive(c.chain, c.index);
      p.inputs[i] = { witnessUtxo: { value: c.value, script: c.script }, tapInternalKey: der.internalKey, tapBip32Derivation: [this.derivationOf(der)], unknown: [] };
    });
    if (d.change) {
      const changeHex = bytesToHex(d.change.derived.script);
      const at = d.tx.outputs.findIndex((o) => bytesToHex(o.script) === changeHex);
      if (at >= 0) p.outputs[at] = { tapInternalKey: d.change.derived.internalKey, tapBip32Derivation: [this.derivationOf(d.change.derived)], unknown: [] };
    }
    return p;
  }

  /**
   * Sign every input whose derivation path lies in this wallet's account and whose
   * witness utxo pays to the key found there. Others are left for other signers.
   * Returns how many inputs were signed.
   */
  signPsbt(p: Psbt, rng: Rng): number {
    if (this.watchOnly) throw new WalletError('watch-only', 'this is a watch-only wallet and cannot sign', 'sign with the wallet that holds the seed');
    const prevouts = p.inputs.map((i) => i.witnessUtxo);
    if (prevouts.some((x) => x === undefined)) {
      throw new WalletError('bad-psbt', 'every input needs its witness utxo for a taproot signature (BIP341 commits to all amounts)');
    }
    const hasher = new TaprootSighasher(p.tx, prevouts as TxOut[]);
    const acct = this.keys.pathComponents(RECEIVE, 0).slice(0, 3);
    let signed = 0;
    p.inputs.forEach((inp, i) => {
      if (inp.tapKeySig || inp.finalScriptWitness) return;
      for (const der of inp.tapBip32Derivation) {
        const path = der.path;
        if (path.length !== 5 || !acct.every((x, k) => path[k] === x) || (path[3] !== RECEIVE && path[3] !== CHANGE)) continue;
        const mine = this.keys.derive(path[3] as ChainKind, path[4]!);
        if (bytesToHex(mine.script) !== bytesToHex(inp.witnessUtxo!.script)) continue;
        const hashType = inp.sighashType ?? SIGHASH_DEFAULT;
        inp.tapKeySig = signKeyPathInputWith(hasher, i, this.keys.secretKey(mine.chain, mine.index), hashType, rng.bytes(32));
        signed++;
        break;
      }
    });
    return signed;
  }

  /** Net effect of each wallet tx, newest first (unconfirmed on top). */
  async history(client: EsploraClient, s: Snapshot): Promise<HistoryEntry[]> {
    const mine = new Set(s.addresses.map((r) => bytesToHex(r.script)));
    const used = s.addresses.filter((r) => r.txCount > 0);
    const lists = await mapLimit(used, CONCURRENCY, (r) => client.allAddressTxs(r.address));
    const seen = new Map<string, EsploraTx>();
    for (const l of lists) for (const t of l) seen.set(t.txid, t);
    const out: HistoryEntry[] = [];
    for (const t of seen.values()) out.push(this.describe(t, s.tip, mine));
    // Conflicted sends the node no longer has: shown as such, never as pending.
    for (const [txid, t] of Object.entries(this.data.txs)) {
      if (!t.conflicted || seen.has(txid)) continue;
      const tx = Tx.decode(hexToBytes(t.hex));
      const away = tx.outputs.filter((o) => !mine.has(bytesToHex(o.script))).reduce((a, o) => a + o.value, 0n);
      out.push({ txid, amount: -(away + BigInt(t.fee)), fee: BigInt(t.fee), confirmations: 0, height: null, time: null, conflicted: true });
    }
    out.sort((a, b) => (a.height ?? Infinity) === (b.height ?? Infinity) ? (a.txid < b.txid ? -1 : 1) : (b.height ?? Infinity) - (a.height ?? Infinity));
    return out;
  }

  describe(t: EsploraTx, tip: number, mine: Set<string>): HistoryEntry {
    let amount = 0n;
    for (const o of t.vout) if (mine.has(o.scriptpubkey)) amount += BigInt(o.value);
    let spent = false;
    for (const i of t.vin) {
      if (i.prevout && mine.has(i.prevout.scriptpubkey)) {
        amount -= BigInt(i.prevout.value);
        spent = true;
      }
    }
    const height = t.status.confirmed && t.status.block_height !== undefined ? t.status.block_height : null;
    return {
      txid: t.txid, amount, fee: spent && t.fee !== undefined ? BigInt(t.fee) : null,
      confirmations: height === null ? 0 : tip - height + 1, height, time: t.status.block_time ?? null,
    };
  }
}

/** Pick the estimate for the largest target ≤ the wanted one (faster is safe), else the slowest. */
export function feeRateForTarget(estimates: Record<string, number>, target: number): bigint {
  const keys = Object.keys(estimates).map(Number).filter((k) => Number.isInteger(k) && k > 0 && Number.isFinite(estimates[k]!)).sort((a, b) => a - b);
  if (keys.length === 0) return 1000n;
  let pick = keys[0]!;
  for (const k of keys) if (k <= target) pick = k;
  const rate = feeRateFromEstimate(estimates[pick]!);
  return rate < 1000n ? 1000n : rate;
}
