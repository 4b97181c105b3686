import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Block, equalBytes, txMerkleRoot, witnessMerkleRoot, findWitnessCommitment, witnessCommitmentHash } from '../src/primitives/index.js';
import * as secp from '@noble/secp256k1';

describe('smoke', () => {
  it('decodes a real segwit block', () => {
    const raw = new Uint8Array(readFileSync(new URL('./fixtures/bcoin/block482683.raw', import.meta.url)));
    const b = Block.decode(raw);
    expect(equalBytes(b.encode(), raw)).toBe(true);
    expect(equalBytes(txMerkleRoot(b.txs).root, b.header.merkleRoot)).toBe(true);
    const cb = b.txs[0]!;
    const idx = findWitnessCommitment(cb);
    const commit = witnessCommitmentHash(witnessMerkleRoot(b.txs), cb.inputs[0]!.witness[0]!);
    expect(Buffer.from(cb.outputs[idx]!.script.subarray(6)).toString('hex')).toBe(Buffer.from(commit).toString('hex'));
    expect(typeof secp.utils.randomSecretKey).toBe('function');
  });
});
