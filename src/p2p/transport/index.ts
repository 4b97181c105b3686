// Transports: the Connection/Listener/Transport contract and its implementations, one
// file each —
//   connection.ts  the interfaces, hostOf, and BaseConnection (shared bookkeeping)
//   ws.ts          WsTransport: real WebSockets with pre-handshake limits
//   memory.ts      MemoryNetwork / MemoryTransport: in-process pairs for simulations
//   faults.ts      FaultInjector: drop, partition or delay any transport's traffic
// The Noise layer (../secure) wraps any of them. Other code imports this through
// ../transport.js or the p2p index, whose names stay as they were before the split.
export { type Connection, type Listener, type Transport, hostOf } from './connection.js';
export { WsTransport, type WsTransportOptions } from './ws.js';
export { MemoryNetwork, MemoryTransport, type MemoryNetworkOptions } from './memory.js';
export { FaultInjector, type FaultInjectorOptions } from './faults.js';
