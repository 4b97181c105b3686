// The deterministic network simulator (issue #18): whole networks of real Cairn nodes in
// one process. Each node is the real Chain, Mempool, P2PNode (sync, relay, address and
// ban managers) and block template code over its own memory-level store; this folder
// owns only what surrounds them: the discrete-event scheduler and per-node clocks
// (scheduler.ts, quiesce.ts), the simulated transport with per-link faults and
// partitions (network.ts), crash-consistent stores (store.ts), miners, wallet actors
// and fault processes (world.ts, wallet.ts), an oracle written apart from src/chain
// (oracle.ts, invariants.ts), the hashed event trace (trace.ts), shrinking, swarm runs,
// planted bugs and the HTML/JSON report.
// Invariants of the simulator itself: nothing in a world reads the wall clock, real
// sockets or Math.random; one seed gives one byte-identical trace. It may import src/*
// subsystems only through their index.ts files.
export { runSim, World, type SimResult, type SimStats, type Violation } from './world.js';
export { DEFAULTS, FAULTS, parseDuration, parseFaults, replayCommand, type Fault, type SimConfig } from './config.js';
export { swarm, swarmConfig } from './swarm.js';
export { shrink } from './shrink.js';
export { Scheduler, SimClock } from './scheduler.js';
export { SimNetwork, DEFAULT_LINK, type LinkFaults } from './network.js';
export { Oracle } from './oracle.js';
export { BASE_LOSS, MIN_BLOCKS, checkGrowth } from './invariants.js';
export { PLANTS, plantPatch } from './planted.js';
export { renderHtml, writeReport } from './report.js';
