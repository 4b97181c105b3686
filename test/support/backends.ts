// The signature backends every block test runs on. Both are required: a machine where
// bcrypto's native build is missing fails the 'native' runs with the reason (see README,
// "Signature verification"), it does not skip them.
import type { VerifierBackend } from '../../src/primitives/index.js';

export const BACKENDS: readonly VerifierBackend[] = ['native', 'wasm'];
