// Encrypted, authenticated peer connections (issue #11): Noise_XX_secp256k1_ChaChaPoly_SHA256
// over any Transport, with persistent node identities, pinning and allow-lists.
// Error contract: handshakes fail with SecureError (code = the SecureFailureReason also
// counted in SecureStats); identity files and strings fail with IdentityError; Noise
// internals throw NoiseError, which never escapes a connection. A failed or tampered
// connection is closed and nothing it carried after the failure reaches the node.
// Invariants: plaintext only when both sides set allowPlaintext and nobody pinned or
// allow-listed; each direction's frames carry strictly consecutive sequence numbers and
// are rekeyed every REKEY_INTERVAL messages.
// Inner transports must accept frames SECURE_OVERHEAD bytes larger than the largest
// message (WsTransport's maxPayload: MAX_MESSAGE_SIZE + SECURE_OVERHEAD).
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  REKEY_INTERVAL,
  SECURE_FAILURE_REASONS,
  SECURE_OVERHEAD,
  SecureError,
  SecureStats,
  secureConnection,
} from './connection.js';
export type { SecureConnection, SecureFailureReason, SecureLogger, SecureOptions } from './connection.js';
export {
  IDENTITY_FILE,
  IdentityError,
  generateIdentity,
  identityFromSecret,
  loadAllowList,
  loadOrCreateIdentity,
  parseAllowList,
  parseIdentity,
} from './identity.js';
export type { IdentityErrorCode, IdentityKey } from './identity.js';
export { SecureTransport, parsePeerUrl } from './transport.js';
export type { SecureTransportOptions } from './transport.js';
export { NoiseError, XK, XX, nobleAead, nodeAead } from './noise.js';
export type { Aead, HandshakePattern } from './noise.js';
