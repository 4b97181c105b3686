// The codecs against real Bitcoin data: two mainnet chain dumps and single legacy and segwit
// blocks. Checks are made against published values and independent implementations
// (@scure/btc-signer's RawTx, a naive merkle tree, a textbook weight formula), and every block
// and transaction is also re-encoded from freshly built objects, so the writer is exercised
// rather than the byte cache that decode() keeps.
import { describe, expect, it } from '@jest/globals';
import { RawTx } from '@scure/btc-signer';
import { Block } from '../../src/primitives/block.js';
import { hashToHex } from '../../src/primitives/bytes.js';
import { BlockHeader } from '../../src/primitives/header.js';
import {
  findWitnessCommitment,
  txMerkleRoot,
  witnessCommitmentHash,
  witnessMerkleRoot,
  WITNESS_COMMITMENT_HEADER,
} from '../../src/primitives/merkle.js';
import { Tx } from '../../src/primitives/tx.js';
import { hashToBigInt, hex, naiveMerkleRoot, readFixture, rebuildBlock, refSha256d, rhex, splitFrames, targetFromBits } from './realdata.js';

const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';

/** Checks shared by every real block; returns the decoded block for block-specific assertions. */
function checkBlock(raw: Uint8Array): Block {
  const b = Block.decode(raw);
  expect(hex(b.encode())).toBe(hex(raw));
  const rebuilt = rebuildBlock(b);
  expect(Buffer.compare(Buffer.from(rebuilt.encode()), Buffer.from(raw))).toBe(0);
  expect(rebuilt.size).toBe(raw.length);

  // Header: hash is sha256d of the first 80 bytes, and it meets its own target.
  expect(hex(b.hash())).toBe(hex(refSha256d(raw.subarray(0, 80))));
  expect(hex(rebuilt.hash())).toBe(hex(b.hash()));
  expect(hashToBigInt(b.hash()) <= targetFromBits(b.header.bits)).toBe(true);
  expect(BlockHeader.decode(raw.subarray(0, 80)).hashHex()).toBe(b.hashHex());

  // Merkle root: ours, and a naive one over the independently computed txids.
  const m = txMerkleRoot(b.txs);
  expect(hex(m.root)).toBe(hex(b.header.merkleRoot));
  expect(m.mutated).toBe(false);

  // Every tx against btc-signer's independent codec: same fields, same txid, same sizes.
  let offset = 80 + (raw[80]! < 0xfd ? 1 : raw[80] === 0xfd ? 3 : 5);
  let stripped = offset;
  const refTxids: Uint8Array[] = [];
  b.txs.forEach((tx, i) => {
    const txRaw = raw.subarray(offset, offset + tx.size);
    offset += tx.size;
    expect(Tx.decode(txRaw).txidHex()).toBe(tx.txidHex());
    const ref = RawTx.decode(txRaw);
    expect({
      version: tx.version,
      locktime: tx.locktime,
      ins: tx.inputs.map((ti) => [rhex(ti.prevout.txid), ti.prevout.vout, ti.sequence, hex(ti.scriptSig), ti.witness.map(hex)]),
      outs: tx.outputs.map((o) => [o.value, hex(o.script)]),
    }).toEqual({
      version: ref.version >>> 0,
      locktime: ref.lockTime,
      ins: ref.inputs.map((ri, j) => [hex(ri.txid), ri.index, ri.sequence, hex(ri.finalScriptSig), (ref.witnesses?.[j] ?? []).map(hex)]),
      outs: ref.outputs.map((ro) => [ro.amount, hex(ro.script)]),
    });
    const refStripped = RawTx.encode({ ...ref, segwitFlag: false, witnesses: undefined });
    const refTxid = refSha256d(refStripped);
    refTxids.push(refTxid);
    expect(hex(tx.txid())).toBe(hex(refTxid));
    expect(hex(tx.encodeStripped())).toBe(hex(refStripped));
    if (tx.hasWitness) {
      expect(hex(tx.wtxid())).toBe(hex(refSha256d(txRaw)));
      expect(hex(tx.wtxid())).not.toBe(hex(tx.txid()));
    } else {
      expect(hex(tx.wtxid())).toBe(hex(tx.txid()));
      expect(tx.size).toBe(refStripped.length);
    }
    // BIP141 weight: 3 x stripped + total, i.e. witness bytes count once, the rest four times.
    const witnessBytes = txRaw.length - refStripped.length;
    expect(tx.baseSize).toBe(refStripped.length);
    expect(tx.weight).toBe(4 * refStripped.length + witnessBytes);
    expect(rebuilt.txs[i]!.weight).toBe(tx.weight);
    expect(tx.vsize).toBe(Math.ceil(tx.weight / 4));
    expect(tx.isCoinbase()).toBe(i === 0);
    stripped += refStripped.length;
  });
  expect(offset).toBe(raw.length);
  expect(hex(naiveMerkleRoot(refTxids))).toBe(hex(b.header.merkleRoot));
  expect(b.strippedSize).toBe(stripped);
  expect(rebuilt.strippedSize).toBe(stripped);
  expect(b.weight).toBe(4 * stripped + (raw.length - stripped));
  expect(rebuilt.weight).toBe(b.weight);

  // BIP141: with any witness tx the coinbase commits to the witness root.
  const anyWitness = b.txs.some((t) => t.hasWitness);
  const ci = findWitnessCommitment(b.txs[0]!);
  if (anyWitness) expect(ci).toBeGreaterThanOrEqual(0);
  if (ci >= 0 && anyWitness) {
    const reserved = b.txs[0]!.inputs[0]!.witness;
    expect(reserved.length).toBe(1);
    expect(reserved[0]!.length).toBe(32);
    const wtxids = b.txs.map((t, i) => (i === 0 ? new Uint8Array(32) : refSha256d(t.encode())));
    const expected = refSha256d(Buffer.concat([naiveMerkleRoot(wtxids), reserved[0]!]));
    const script = b.txs[0]!.outputs[ci]!.script;
    expect(hex(script.subarray(0, 6))).toBe(hex(WITNESS_COMMITMENT_HEADER));
    expect(hex(script.subarray(6, 38))).toBe(hex(expected));
    expect(hex(witnessCommitmentHash(witnessMerkleRoot(b.txs), reserved[0]!))).toBe(hex(expected));
  }
  return b;
}

describe('real mainnet chains', () => {
  const btcd = splitFrames(readFixture('btcd/blocks1-256.dat'));
  const bitcoinj = splitFrames(readFixture('bitcoinj/first-100k-blocks.dat'));

  it('decodes every block of both dumps, links each to its parent, and the dumps agree', () => {
    expect(bitcoinj.length).toBe(439); // heights 0-438
    expect(btcd.length).toBe(255); // heights 1-255
    const chain = bitcoinj.map(checkBlock);
    expect(chain[0]!.hashHex()).toBe(GENESIS_HASH);
    expect(hex(chain[0]!.header.prevBlock)).toBe('00'.repeat(32));
    for (let h = 1; h < chain.length; h++) {
      expect(hex(chain[h]!.header.prevBlock)).toBe(hex(chain[h - 1]!.hash()));
    }
    const other = btcd.map(checkBlock);
    expect(hashToHex(other[0]!.header.prevBlock)).toBe(GENESIS_HASH);
    for (let i = 1; i < other.length; i++) expect(hex(other[i]!.header.prevBlock)).toBe(hex(other[i - 1]!.hash()));
    // Two independent sources of the same history must be byte-identical.
    other.forEach((b, i) => expect(hex(b.encode())).toBe(hex(chain[i + 1]!.encode())));
    for (const b of chain) expect(b.txs.some((t) => t.hasWitness)).toBe(false);
  });

  it('reproduces published block hashes and txids', () => {
    const chain = bitcoinj.map((raw) => Block.decode(raw));
    expect(chain[1]!.hashHex()).toBe('00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048');
    expect(chain[2]!.hashHex()).toBe('000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd');
    expect(chain[170]!.hashHex()).toBe('00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee');
    // Genesis coinbase txid is also its merkle root.
    expect(chain[0]!.txs[0]!.txidHex()).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(chain[1]!.txs[0]!.txidHex()).toBe('0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098');
    // Block 170: the first person-to-person spend (Satoshi to Hal Finney), 10 BTC of block 9's coinbase.
    const spend = Block.decode(btcd[169]!).txs[1]!;
    expect(spend.txidHex()).toBe('f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16');
    expect(hashToHex(spend.inputs[0]!.prevout.txid)).toBe(chain[9]!.txs[0]!.txidHex());
    expect(spend.inputs[0]!.prevout.txid).toEqual(chain[9]!.txs[0]!.txid());
    expect(spend.outputs.map((o) => o.value)).toEqual([1_000_000_000n, 4_000_000_000n]);
    expect(chain[0]!.txs[0]!.outputs[0]!.value).toBe(5_000_000_000n);
  });
});

describe('single real blocks', () => {
  it('bcoin block1 (mainnet height 1)', () => {
    const b = checkBlock(readFixture('bcoin/block1.raw'));
    expect(b.hashHex()).toBe('00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048');
    expect(b.size).toBe(215);
    expect(b.weight).toBe(860);
  });

  it('bitcoinj block169482 (legacy)', () => {
    const b = checkBlock(readFixture('bitcoinj/block169482.dat'));
    expect(b.txs.length).toBe(14);
    expect(b.strippedSize).toBe(b.size);
  });

  it('bcoin block300025 (legacy, 461 txs): published hash, weight and coinbase value', () => {
    const b = checkBlock(readFixture('bcoin/block300025.raw.gz'));
    expect(b.hashHex()).toBe('0000000000000000821c4e0acc40f88bedbce3b73ba2358b5ade58a9022cc78c');
    expect(b.txs.length).toBe(461);
    expect(b.size).toBe(284231);
    expect(b.weight).toBe(1136924);
    expect(b.txs[0]!.outputs[0]!.value).toBe(2507773345n);
    expect(b.txs.some((t) => t.hasWitness)).toBe(false);
  });

  it('bcoin block482683 (small segwit): published per-tx sizes', () => {
    const b = checkBlock(readFixture('bcoin/block482683.raw'));
    const sizes = [217, 815, 192, 259, 223, 1223, 486, 665, 3176, 225, 1223, 503];
    expect(b.txs.map((t) => t.size)).toEqual(sizes);
    expect(b.size).toBe(81 + sizes.reduce((a, s) => a + s, 0));
    expect(b.txs.filter((t) => t.hasWitness).length).toBeGreaterThan(0);
  });

  it('bitcoinj block481829 (first segwit blocks): published roots, coinbase ids and commitment', () => {
    const b = checkBlock(readFixture('bitcoinj/block481829.dat.gz'));
    expect(b.hashHex()).toBe('000000000000000000917cba69f69b758fe396c8e30ae97bbcf08c4eb975e726');
    expect(b.txs.length).toBe(2020);
    expect(hashToHex(b.header.merkleRoot)).toBe('f06f697be2cac7af7ed8cd0b0b81eaa1a39e444c6ebd3697e35ab34461b6c58d');
    expect(hashToHex(witnessMerkleRoot(b.txs))).toBe('0a02ddb2f86a14051294f8d98dd6959dd12bf3d016ca816c3db9b32d3e24fc2d');
    const cb = b.txs[0]!;
    expect(cb.txidHex()).toBe('9c1ab453283035800c43eb6461eb46682b81be110a0cb89ee923882a5fd9daa4');
    // The coinbase carries the reserved-value witness, so even its wtxid differs.
    expect(cb.wtxidHex()).toBe('2bbda73aa4e561e7f849703994cc5e563e4bcf103fb0f6fef5ae44c95c7b83a6');
    const ci = findWitnessCommitment(cb);
    // bitcoinj prints this hash unreversed.
    expect(hex(cb.outputs[ci]!.script.subarray(6, 38))).toBe('c3c1145d8070a57e433238e42e4c022c1e51ca2a958094af243ae1ee252ca106');
    expect(hex(cb.inputs[0]!.witness[0]!)).toBe('00'.repeat(32));
    expect(b.size).toBe(998318);
    expect(b.weight).toBe(3 * b.strippedSize + b.size);
    expect(b.weight).toBeLessThanOrEqual(4_000_000);
  });

  it('bcoin block1087400 (segwit): published weight', () => {
    const b = checkBlock(readFixture('bcoin/block1087400.raw'));
    expect(b.weight).toBe(193331);
    expect(b.txs.some((t) => t.hasWitness)).toBe(true);
  });

  it('bcoin block898352 (legacy)', () => {
    const b = checkBlock(readFixture('bcoin/block898352.raw'));
    expect(b.txs.length).toBe(10);
  });

  it('bcoin block928816 (mostly witness txs): published weight', () => {
    const b = checkBlock(readFixture('bcoin/block928816.raw.gz'));
    expect(b.weight).toBe(3568200);
    expect(b.txs.length).toBe(889);
    expect(b.txs.filter((t) => t.hasWitness).length).toBe(830);
    expect(b.size).toBeGreaterThan(1_000_000); // only possible with the witness discount
  });
});
