// Mining: block templates from the mempool (ancestor-fee-rate package selection within the
// weight limit, BIP34 coinbase paying subsidy + fees, BIP141 commitment) and a CPU miner
// on worker threads, plus generate() for regtest.
// Files: template.ts (templates), miner.ts (the miner and generate()), miner-worker.ts (the
// worker thread's code), grind.ts (the nonce loop: grindNonces, mineHeader), build-block.ts
// (createBlock: a whole block from parent, coinbase and txs, for regtest callers, benches
// and tests), projection.ts (cuts the whole mempool into the blocks that selection would
// make of it: the explorer's projected blocks).
//
// Error contract: buildTemplate throws only on caller bugs (an address of another
// network: AddressError); blocks the miner submits go through chain.processBlock, whose
// RuleError/ChainError the Miner reports as 'error' events (generate() rethrows them).
// Invariant: a template built from an idle mempool is a valid block on the tip once its
// header meets the target.
export { buildTemplate, selectPackages, COINBASE_RESERVED_WEIGHT, TEMPLATE_VERSION } from './template.js';
export type { BlockTemplate, TemplateOptions } from './template.js';
export { Miner } from './miner.js';
export type { MinerOptions, MinerEvents, MinerWorkerStats } from './miner.js';
export type { WorkerHeap } from './miner-worker.js';
export { createBlock } from './build-block.js';
export type { CreateBlockOptions } from './build-block.js';
export { grindNonces, mineHeader } from './grind.js';
export type { GrindResult } from './grind.js';
export { projectBlocks, feeLevels, weightedPercentiles, FEE_LEVELS } from './projection.js';
export type { ProjectedBlock, ProjectedTx, ProjectionOptions, FeeLevel } from './projection.js';
