// getheaders: "send me the headers after the first of these hashes you know". The
// locator lists hashes from our tip backwards, dense then exponentially sparse, so the
// peer finds the fork point in one message; up to 2,000 headers come back.
import { checkU32, decodeWith, encodeWith, writeHash } from './codec.js';

/** As Bitcoin's MAX_LOCATOR_SZ: plenty for any chain (2^100 blocks back). */
export const MAX_LOCATOR = 101;
export const MAX_PAYLOAD = 4 + 1 + MAX_LOCATOR * 32 + 32;

export interface GetHeadersMessage {
  readonly version: number;
  /** block hashes, internal byte order, newest first */
  readonly locator: readonly Uint8Array[];
  /** stop after this hash; all zeros = as many as allowed */
  readonly stop: Uint8Array;
}

export function encode(m: GetHeadersMessage): Uint8Array {
  if (m.locator.length > MAX_LOCATOR) throw new RangeError(`p2p: locator longer than ${MAX_LOCATOR}`);
  return encodeWith(4 + 1 + 32 * (m.locator.length + 1), (w) => {
    w.u32(checkU32(m.version, 'version')).varint(m.locator.length);
    for (const h of m.locator) writeHash(w, h, 'locator hash');
    writeHash(w, m.stop, 'stop hash');
  });
}

export function decode(payload: Uint8Array): GetHeadersMessage {
  return decodeWith(payload, (r) => {
    const version = r.u32();
    const n = r.count(32, MAX_LOCATOR);
    const locator: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) locator[i] = r.copy(32);
    return { version, locator, stop: r.copy(32) };
  });
}
