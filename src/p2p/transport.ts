// The transport layer lives in ./transport/ (the interfaces, WebSocket, in-memory and
// fault-injection transports, one file each); this module keeps the import path that
// peers, the Noise layer, tests and tools use.
export * from './transport/index.js';
