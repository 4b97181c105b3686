// Primitives: bytes, hashes, Bitcoin's binary codecs (tx, header, block), merkle trees,
// scripts, addresses and signatures; the network facts (name, magic, HRP, ports, Noise
// prologue), the p2p protocol constants shared by the codecs and sync, and the Logger
// interface with its one silent implementation. No dependency on anything else in Cairn.
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
export * from './log.js';
export * from './ratelimit.js';
export * from './network.js';
export * from './protocol.js';
export * from './files.js';
export * from './turn.js';
