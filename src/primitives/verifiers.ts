// Which BIP340 verifier the node runs with, chosen once at start. Native libsecp256k1
// through `bcrypto` (an optional dependency, compiled by node-gyp at install; ~50 µs per
// verify) when it loads and passes a self-test on the BIP340 vectors; otherwise
// tiny-secp256k1 (libsecp256k1 in WASM, prebuilt, ~250 µs), which always installs.
// Worker threads load the backend the main thread chose by name (backendVerifier), and
// self-test it again there, so a native module that misbehaves in a worker is caught.
//
// bcrypto's libsecp256k1 takes only 32-byte messages (it returns false for BIP340's rows
// 15-18); every sighash is 32 bytes, and other lengths go to noble (as wasmVerifier does),
// so both backends implement BIP340 exactly. The self-test therefore uses the 32-byte rows,
// valid and invalid, plus a flipped signature bit, and calls the backend's own function.
import { createRequire } from 'node:module';
import { hexToBytes } from './bytes.js';
import { nobleVerifier, type SchnorrVerifier } from './schnorr.js';
import * as tiny from 'tiny-secp256k1';

export const VERIFIER_CHOICES = ['auto', 'native', 'wasm'] as const;
export type VerifierChoice = (typeof VERIFIER_CHOICES)[number];
export type VerifierBackend = Exclude<VerifierChoice, 'auto'>;

/** A backend's own BIP340 check for 64-byte sig, 32-byte msg, 32-byte key; may throw. */
export type RawSchnorrVerify = (sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array) => boolean;

export interface VerifierSelection {
  readonly backend: VerifierBackend;
  readonly requested: VerifierChoice;
  readonly verifier: SchnorrVerifier;
  /** why native libsecp256k1 is not in use when 'auto' asked for it (absent, failed the self-test) */
  readonly fallbackReason?: string;
}

export class VerifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifierError';
  }
}

// BIP340 test vectors with 32-byte messages: [index, pubkey, msg, sig, valid].
const SELF_TEST: readonly (readonly [number, string, string, string, boolean])[] = [
  [0, 'F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9', '0000000000000000000000000000000000000000000000000000000000000000', 'E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0', true],
  [1, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A', true],
  [2, 'DD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8', '7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C', '5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1BAB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7', true],
  [3, '25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', '7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3', true],
  [4, 'D69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9', '4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703', '00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C6376AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4', true],
  [5, 'EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E17776969E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B', false],
  [6, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', 'FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A14602975563CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2', false],
  [7, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '1FA62E331EDBC21C394792D2AB1100A7B432B013DF3F6FF4F99FCB33E0E1515F28890B3EDB6E7189B630448B515CE4F8622A954CFE545735AAEA5134FCCDB2BD', false],
  [8, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769961764B3AA9B2FFCB6EF947B6887A226E8D7C93E00C5ED0C1834FF0D0C2E6DA6', false],
  [9, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '0000000000000000000000000000000000000000000000000000000000000000123DDA8328AF9C23A94C1FEECFD123BA4FB73476F0D594DCB65C6425BD186051', false],
  [10, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '00000000000000000000000000000000000000000000000000000000000000017615FBAF5AE28864013C099742DEADB4DBA87F11AC6754F93780D5A1837CF197', false],
  [11, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '4A298DACAE57395A15D0795DDBFD1DCB564DA82B0F269BC70A74F8220429BA1D69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B', false],
  [12, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B', false],
  [13, 'DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141', false],
  [14, 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30', '243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89', '6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E17776969E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B', false],
];

/**
 * Runs `raw` over the 32-byte BIP340 rows (each valid row must pass, each invalid row must
 * fail, and so must a valid row with one signature bit flipped). Returns undefined when it
 * behaves, else what went wrong.
 */
export function selfTest(raw: RawSchnorrVerify): string | undefined {
  const call = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean | Error => {
    try {
      return raw(sig, msg, pk);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  for (const [index, pk, msg, sig, valid] of SELF_TEST) {
    const got = call(hexToBytes(sig), hexToBytes(msg), hexToBytes(pk));
    if (got instanceof Error) {
      if (valid) return `BIP340 vector ${index} threw ${got.message}`;
      continue; // refusing an invalid input by throwing is still refusing it
    }
    if (got !== valid) return `BIP340 vector ${index} gave ${got}, expected ${valid}`;
  }
  const [, pk, msg, sig] = SELF_TEST[1]!;
  const flipped = hexToBytes(sig);
  flipped[40]! ^= 0x01;
  if (call(flipped, hexToBytes(msg), hexToBytes(pk)) === true) return 'a signature with a flipped bit verified';
  return undefined;
}

/** A view of the same memory as a Buffer (bcrypto asserts Buffer arguments). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

interface BcryptoSchnorr {
  verify(msg: Buffer, sig: Buffer, key: Buffer): boolean;
}

/**
 * bcrypto's BIP340 verify over its bundled libsecp256k1 (not its pure-JS or "torsion"
 * backends). Throws when bcrypto is not installed or its native build is missing.
 */
export function loadBcryptoSchnorr(): RawSchnorrVerify {
  const req = createRequire(import.meta.url);
  const binding = req('bcrypto/lib/native/binding') as { USE_SECP256K1?: boolean };
  if (!binding.USE_SECP256K1) throw new Error('bcrypto was built without libsecp256k1');
  const mod = req('bcrypto/lib/native/schnorr-libsecp256k1') as BcryptoSchnorr;
  return (sig, msg, pubkey) => mod.verify(asBuffer(msg), asBuffer(sig), asBuffer(pubkey));
}

export const wasmRawVerify: RawSchnorrVerify = (sig, msg, pubkey) => tiny.verifySchnorr(msg, pubkey, sig);

/**
 * The full BIP340 verifier over a backend's 32-byte check: false (never an exception) for
 * malformed input, other message lengths and anything the backend throws on go to noble.
 */
export function verifierFrom(name: string, raw: RawSchnorrVerify): SchnorrVerifier {
  return {
    name,
    verify(sig, msg, pubkey) {
      if (!(sig instanceof Uint8Array) || !(msg instanceof Uint8Array) || !(pubkey instanceof Uint8Array)) return false;
      if (sig.length !== 64 || pubkey.length !== 32) return false;
      if (msg.length !== 32) return nobleVerifier.verify(sig, msg, pubkey);
      try {
        return raw(sig, msg, pubkey);
      } catch {
        return nobleVerifier.verify(sig, msg, pubkey);
      }
    },
  };
}

export interface SelectOptions {
  /** loads the native backend (default: bcrypto); tests inject failures here */
  loadNative?: () => RawSchnorrVerify;
}

function tryNative(load: () => RawSchnorrVerify): { raw: RawSchnorrVerify } | { reason: string } {
  let raw: RawSchnorrVerify;
  try {
    raw = load();
  } catch (e) {
    return { reason: `native libsecp256k1 (bcrypto) did not load: ${(e as Error).message.split('\n')[0]}` };
  }
  const bad = selfTest(raw);
  return bad ? { reason: `native libsecp256k1 (bcrypto) failed the BIP340 self-test: ${bad}` } : { raw };
}

/**
 * Picks the verifier for `choice`: 'native' or an error saying why not, 'wasm', or 'auto'
 * (native when it loads and passes the self-test, else WASM with the reason).
 */
export function selectVerifier(choice: VerifierChoice, opts: SelectOptions = {}): VerifierSelection {
  if (!(VERIFIER_CHOICES as readonly string[]).includes(choice)) {
    throw new VerifierError(`verifier must be one of ${VERIFIER_CHOICES.join(', ')}, got ${JSON.stringify(choice)}`);
  }
  if (choice !== 'wasm') {
    const n = tryNative(opts.loadNative ?? loadBcryptoSchnorr);
    if ('raw' in n) return { backend: 'native', requested: choice, verifier: verifierFrom('native', n.raw) };
    if (choice === 'native') throw new VerifierError(`${n.reason}; install it (npm ci with python3, make and a C++ compiler) or choose the WASM verifier`);
    return { backend: 'wasm', requested: choice, verifier: wasmBackend(), fallbackReason: n.reason };
  }
  return { backend: 'wasm', requested: choice, verifier: wasmBackend() };
}

let wasmChecked: SchnorrVerifier | undefined;
function wasmBackend(): SchnorrVerifier {
  if (wasmChecked) return wasmChecked;
  const bad = selfTest(wasmRawVerify);
  if (bad) throw new VerifierError(`tiny-secp256k1 (WASM) failed the BIP340 self-test: ${bad}`);
  return (wasmChecked = verifierFrom('wasm', wasmRawVerify));
}

let autoSelection: VerifierSelection | undefined;
/** selectVerifier('auto') with the real loaders, made once per thread. */
export function defaultSelection(): VerifierSelection {
  return (autoSelection ??= selectVerifier('auto'));
}

/** The named backend, loaded and self-tested in this thread (worker threads call this). */
export function backendVerifier(backend: VerifierBackend): SchnorrVerifier {
  return selectVerifier(backend).verifier;
}
