// Primitives: bytes, hashes, Bitcoin's binary codecs (tx, header, block), merkle trees,
// scripts, addresses and signatures. No dependency on anything else in Cairn.
// Decoders throw only DecodeError; every other layer builds on these types.
export * from './bytes.js';
export * from './errors.js';
export * from './hash.js';
export * from './reader.js';
export * from './writer.js';
export * from './tx.js';
export * from './header.js';
export * from './block.js';
export * from './merkle.js';
export * from './clock.js';
export * from './rng.js';
export * from './script.js';
export * from './script-asm.js';
export * from './merkleblock.js';
export * from './address.js';
export * from './sighash.js';
export * from './schnorr.js';
export * from './sign.js';
export * from './verifiers.js';
export * from './files.js';
