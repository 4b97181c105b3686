// The one error every decoder throws. Decoding untrusted bytes must never surface a
// RangeError or TypeError from deep inside: callers (p2p, API) catch DecodeError and
// treat the input as malformed, anything else is a bug.

export class DecodeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DecodeError';
    this.code = code;
  }
}
