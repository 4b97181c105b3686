// Output scripts. Cairn has no script interpreter: an output is either P2TR
// (OP_1 <32-byte x-only key>, spent by one key-path Schnorr signature) or an unspendable
// OP_RETURN carrying data. Anything else is 'nonstandard'; whether consensus accepts such
// outputs is decided in consensus/, not here. Builders throw TypeError/RangeError on bad
// arguments; classification never throws, whatever bytes it is given.

export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_PUSHDATA4 = 0x4e;
export const OP_1NEGATE = 0x4f;
export const OP_1 = 0x51;
export const OP_16 = 0x60;
export const OP_RETURN = 0x6a;

export const P2TR_SCRIPT_SIZE = 34;
/** Bitcoin's MAX_SCRIPT_ELEMENT_SIZE: the largest single push a script may carry. */
export const MAX_PUSH_SIZE = 520;

export type ScriptInfo =
  | { type: 'p2tr'; key: Uint8Array }
  | { type: 'op_return'; data: Uint8Array | null }
  | { type: 'nonstandard' };

export function p2trScript(outputKey: Uint8Array): Uint8Array {
  if (!(outputKey instanceof Uint8Array) || outputKey.length !== 32) {
    throw new TypeError('script: a P2TR output key is 32 bytes (x-only)');
  }
  const out = new Uint8Array(P2TR_SCRIPT_SIZE);
  out[0] = OP_1;
  out[1] = 0x20;
  out.set(outputKey, 2);
  return out;
}

/** OP_RETURN followed by exactly one minimal push of `data` (BIP62 minimal-push rules). */
export function opReturnScript(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('script: OP_RETURN data must be bytes');
  const push = minimalPush(data);
  const out = new Uint8Array(1 + push.length);
  out[0] = OP_RETURN;
  out.set(push, 1);
  return out;
}

/**
 * The shortest encoding that pushes `data`, the one Bitcoin's CheckMinimalPush accepts:
 * OP_0 for empty, OP_1..OP_16 / OP_1NEGATE for the single bytes they stand for, then
 * direct pushes, then PUSHDATA1/2.
 */
export function minimalPush(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n > MAX_PUSH_SIZE) throw new RangeError(`script: push of ${n} bytes exceeds ${MAX_PUSH_SIZE}`);
  if (n === 0) return Uint8Array.of(OP_0);
  if (n === 1 && data[0]! >= 1 && data[0]! <= 16) return Uint8Array.of(OP_1 - 1 + data[0]!);
  if (n === 1 && data[0] === 0x81) return Uint8Array.of(OP_1NEGATE);
  let out: Uint8Array;
  if (n < OP_PUSHDATA1) {
    out = new Uint8Array(1 + n);
    out[0] = n;
    out.set(data, 1);
  } else if (n <= 0xff) {
    out = new Uint8Array(2 + n);
    out[0] = OP_PUSHDATA1;
    out[1] = n;
    out.set(data, 2);
  } else {
    out = new Uint8Array(3 + n);
    out[0] = OP_PUSHDATA2;
    out[1] = n & 0xff;
    out[2] = n >>> 8;
    out.set(data, 3);
  }
  return out;
}

export function isP2TR(script: Uint8Array): boolean {
  return script.length === P2TR_SCRIPT_SIZE && script[0] === OP_1 && script[1] === 0x20;
}

export function isOpReturn(script: Uint8Array): boolean {
  return script.length > 0 && script[0] === OP_RETURN;
}

export function classifyScript(script: Uint8Array): ScriptInfo {
  if (isP2TR(script)) return { type: 'p2tr', key: script.slice(2) };
  if (isOpReturn(script)) return { type: 'op_return', data: singlePushPayload(script, 1) };
  return { type: 'nonstandard' };
}

/**
 * If script[start..] is exactly one well-formed push, its payload (a copy); else null.
 * Non-minimal encodings still count as a push here: classification reports what the
 * bytes say, and minimality is a policy question for the layers above.
 */
function singlePushPayload(script: Uint8Array, start: number): Uint8Array | null {
  if (start >= script.length) return null;
  const op = script[start]!;
  let len: number;
  let off = start + 1;
  if (op === OP_0) {
    len = 0;
  } else if (op < OP_PUSHDATA1) {
    len = op;
  } else if (op === OP_PUSHDATA1) {
    if (off + 1 > script.length) return null;
    len = script[off]!;
    off += 1;
  } else if (op === OP_PUSHDATA2) {
    if (off + 2 > script.length) return null;
    len = script[off]! | (script[off + 1]! << 8);
    off += 2;
  } else if (op === OP_PUSHDATA4) {
    if (off + 4 > script.length) return null;
    len = (script[off]! | (script[off + 1]! << 8) | (script[off + 2]! << 16) | (script[off + 3]! << 24)) >>> 0;
    off += 4;
  } else if (op === OP_1NEGATE) {
    return off === script.length ? Uint8Array.of(0x81) : null;
  } else if (op >= OP_1 && op <= OP_16) {
    return off === script.length ? Uint8Array.of(op - OP_1 + 1) : null;
  } else {
    return null;
  }
  if (off + len !== script.length) return null;
  return script.slice(off, off + len);
}
