// The cairnd daemon: configuration (flags over <datadir>/cairn.conf over defaults), the
// CairnNode composition root and the CLI program.
// Error contract: ConfigError for bad configuration (exit code 2, message names the
// flag); NodeError for start-up problems with a next step (port in use, datadir, TLS);
// storage errors from the chain and indexes pass through with their own advice.
// Invariants: nothing global — clock, rng and logger are passed in, so one process can
// run several nodes; stop() closes the API, miner, peers, indexes, mempool and chain in
// that order and leaves the databases flushed.
export { CairnNode, NodeError, COOKIE_FILE, packageVersion } from './node.js';
export type { NodeDeps } from './node.js';
export { parseConfig, parseConfigFile, buildCommand, validate, defaultDatadir, ConfigError, CONFIG_FILE, LOG_LEVELS } from './config.js';
export type { NodeConfig, LogLevel } from './config.js';
