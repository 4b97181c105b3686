// A kept-alive connection that the node closes just as the wallet reuses it fails with
// ECONNRESET (seen under load: the server's keep-alive timeout races the next request).
// A GET is sent again on a fresh connection (up to 3 times: each failed pooled connection
// is gone); a POST (a broadcast) never is.
import { describe, expect, it } from '@jest/globals';
import { EsploraClient, type FetchLike } from '../../wallet/client.js';
import { WalletError } from '../../wallet/errors.js';

function flaky(failures: number, code = 'ECONNRESET'): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push(`${init?.method ?? 'GET'} ${url}`);
    if (calls.length <= failures) throw Object.assign(new TypeError('fetch failed'), { cause: { code } });
    return { status: 200, text: async () => '42' } as unknown as Awaited<ReturnType<FetchLike>>;
  };
  return { fetch, calls };
}

describe('EsploraClient and stale keep-alive sockets', () => {
  it('retries a GET once after ECONNRESET', async () => {
    const f = flaky(1);
    const c = new EsploraClient('http://127.0.0.1:1', { fetch: f.fetch });
    await expect(c.tipHeight()).resolves.toBe(42);
    expect(f.calls).toEqual(['GET http://127.0.0.1:1/api/blocks/tip/height', 'GET http://127.0.0.1:1/api/blocks/tip/height']);
  });

  it('retries a GET up to three times, then gives up with node-unreachable', async () => {
    const third = flaky(3);
    await expect(new EsploraClient('http://127.0.0.1:1', { fetch: third.fetch }).tipHeight()).resolves.toBe(42);
    expect(third.calls).toHaveLength(4);
    const f = flaky(4);
    const c = new EsploraClient('http://127.0.0.1:1', { fetch: f.fetch });
    const e = await c.tipHeight().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WalletError);
    expect((e as WalletError).code).toBe('node-unreachable');
    expect(f.calls).toHaveLength(4);
  });

  it('never resends a POST, and does not retry a refused connection', async () => {
    const post = flaky(1);
    await expect(new EsploraClient('http://127.0.0.1:1', { fetch: post.fetch }).broadcast('00')).rejects.toMatchObject({ code: 'node-unreachable' });
    expect(post.calls).toHaveLength(1);
    const refused = flaky(1, 'ECONNREFUSED');
    await expect(new EsploraClient('http://127.0.0.1:1', { fetch: refused.fetch }).tipHeight()).rejects.toMatchObject({ code: 'node-unreachable' });
    expect(refused.calls).toHaveLength(1);
  });
});
