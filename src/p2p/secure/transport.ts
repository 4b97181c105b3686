// SecureTransport: any Transport with every connection, inbound and outbound, put
// through secureConnection() before the node sees it. A dial URL may pin the peer's
// identity in its fragment (ws://host:port#<66 hex digits>); the fragment is stripped
// before dialling, so inner transports and the peer's `remote` see the plain URL.
import { hostOf, type Connection, type Listener, type Transport } from '../transport.js';
import { parseIdentity } from './identity.js';
import { type SecureConnection, type SecureOptions, secureConnection } from './connection.js';

export type SecureTransportOptions = Omit<SecureOptions, 'expectedIdentity'> & {
  /**
   * Asked for every inbound connection before the handshake starts: a reason to refuse
   * its host (e.g. banned), or undefined. A refused connection is closed before any Noise
   * message is read or any key generated, and counted as a 'refused' failure.
   */
  refuseHost?: (host: string) => string | undefined;
};

/** Splits `url#identity`; throws IdentityError when the fragment is not a valid identity. */
export function parsePeerUrl(url: string): { url: string; identity: string | undefined } {
  const i = url.indexOf('#');
  if (i < 0) return { url, identity: undefined };
  return { url: url.slice(0, i), identity: parseIdentity(url.slice(i + 1)) };
}

export class SecureTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly opts: SecureTransportOptions,
  ) {}

  /** Only connections that complete the handshake reach onConnection; failures are closed, counted and logged. */
  listen(port: number, host: string, onConnection: (c: Connection) => void): Promise<Listener> {
    return this.inner.listen(port, host, (c) => {
      const why = this.opts.refuseHost?.(hostOf(c.remote));
      if (why !== undefined) {
        if (this.opts.stats) this.opts.stats.failures.refused++;
        c.close(`refused: ${why}`);
        return;
      }
      secureConnection(c, this.opts).then(
        (sc) => onConnection(sc),
        () => undefined,
      );
    });
  }

  /** Resolves once the handshake is done; rejects with SecureError (e.g. an identity mismatch). */
  async dial(url: string): Promise<SecureConnection> {
    const { url: bare, identity } = parsePeerUrl(url);
    const c = await this.inner.dial(bare);
    return secureConnection(c, identity === undefined ? this.opts : { ...this.opts, expectedIdentity: identity });
  }
}
