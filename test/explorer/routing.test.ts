import { describe, expect, test } from '@jest/globals';
import { matchRoute } from '../../explorer/src/router.js';
import { classifySearch } from '../../explorer/src/search.js';

const HASH = 'ab'.repeat(32);
const ADDR = 'rcrn1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0';

describe('matchRoute', () => {
  test.each([
    ['/', 'home', {}],
    [`/block/${HASH}`, 'block', { hash: HASH }],
    ['/block-height/42', 'block-height', { height: '42' }],
    [`/tx/${HASH}`, 'tx', { txid: HASH }],
    [`/address/${ADDR}`, 'address', { address: ADDR }],
    ['/mempool', 'mempool', {}],
    ['/network/', 'network', {}],
    ['/devnet', 'devnet', {}],
    ['/search?q=12', 'search', {}],
  ] as Array<[string, string, Record<string, string>]>)('%s -> %s', (path, name, params) => {
    const m = matchRoute(path);
    expect(m.name).toBe(name);
    expect(m.params).toEqual(params);
  });
  test('query strings are kept for the page (block paging, search)', () => {
    expect(matchRoute(`/block/${HASH}?start=25`).query.get('start')).toBe('25');
    expect(matchRoute('/search?q=hello%20world').query.get('q')).toBe('hello world');
  });
  test('anything else is not-found with its path, never an exception', () => {
    for (const p of ['/blocks', '/block', '/block-height/abc', '/tx/', '/x/y/z', '/%E0%A4%A']) expect(matchRoute(p).name).toBe('not-found');
  });
});

describe('classifySearch', () => {
  test('heights, hashes (either case) and addresses', () => {
    expect(classifySearch(' 0 ')).toEqual({ kind: 'height', height: 0 });
    expect(classifySearch('123456')).toEqual({ kind: 'height', height: 123456 });
    expect(classifySearch(HASH.toUpperCase())).toEqual({ kind: 'hash', hash: HASH });
    expect(classifySearch(ADDR)).toEqual({ kind: 'address', address: ADDR });
    expect(classifySearch(ADDR.toUpperCase())).toEqual({ kind: 'address', address: ADDR });
    expect(classifySearch('tcrn1pqqqqqqqq')).toMatchObject({ kind: 'address' });
    expect(classifySearch('crn1pqqqqqqqq')).toMatchObject({ kind: 'address' });
  });
  test('everything else is invalid with a reason that says what is accepted', () => {
    for (const q of ['', '   ', 'hello', 'abc', HASH.slice(1), `${HASH}00`, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', `${ADDR.slice(0, 10)}${ADDR.slice(10).toUpperCase()}`, 'rcrn1bbbbbbbb', '99999999999999']) {
      const k = classifySearch(q);
      expect(k.kind).toBe('invalid');
      if (k.kind === 'invalid') expect(k.reason.length).toBeGreaterThan(10);
    }
    const short = classifySearch('abcdef');
    expect(short.kind === 'invalid' && short.reason).toMatch(/6 hex characters/);
  });
});

describe('classifySearch: 64 hex characters are a hash first', () => {
  test('even when all of them are decimal digits (a hash can be), never a height', () => {
    const digits = '0000000000000000000000000000000000000000000000000000000000123456';
    expect(classifySearch(digits)).toEqual({ kind: 'hash', hash: digits });
    expect(classifySearch('123456')).toEqual({ kind: 'height', height: 123456 });
  });
});
