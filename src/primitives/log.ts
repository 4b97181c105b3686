// The logging interface every subsystem takes (a pino logger satisfies it), and the one
// logger that drops everything, for callers that pass none.

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Discards every line: the default wherever a logger is optional. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
