// bitcore-lib ships no types; the tests use only its BIP37 MerkleBlock.
declare module 'bitcore-lib' {
  export class MerkleBlock {
    constructor(buf: Buffer);
    numTransactions: number;
    header: { hash: string; merkleRoot: Buffer };
    validMerkleTree(): boolean;
    hasTransaction(txidHex: string): boolean;
  }
  const bitcore: { MerkleBlock: typeof MerkleBlock };
  export default bitcore;
}
