// The token bucket is shared with block sync, so it lives in the primitives; this path
// stays for the p2p modules that import it.
export { TokenBucket } from '../primitives/index.js';
