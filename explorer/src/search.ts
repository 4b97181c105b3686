// Classifies what a user typed into the search box. Pure, so it is tested without a
// browser; the page then asks the API, since a 64-hex string may be a txid or a block hash.
// 64 hex characters are a hash even when they are all decimal digits (a hash can be), so
// that test comes before the height's.

export type SearchKind =
  | { kind: 'height'; height: number }
  | { kind: 'hash'; hash: string }
  | { kind: 'address'; address: string }
  | { kind: 'invalid'; reason: string };

const BECH32_CHARS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const ADDRESS_RE = new RegExp(`^(crn|tcrn|rcrn)1[${BECH32_CHARS}]{6,}$`);

export function classifySearch(raw: string): SearchKind {
  const q = raw.trim();
  if (q === '') return { kind: 'invalid', reason: 'Type a block height, block hash, transaction id or address.' };
  if (/^[0-9a-fA-F]{64}$/.test(q)) return { kind: 'hash', hash: q.toLowerCase() };
  if (/^\d+$/.test(q)) {
    const height = Number(q);
    if (!Number.isSafeInteger(height) || height > 0xffffffff) return { kind: 'invalid', reason: `${q} is not a valid block height.` };
    return { kind: 'height', height };
  }
  // bech32 is case-insensitive but must not mix cases (BIP173)
  if (q === q.toLowerCase() || q === q.toUpperCase()) {
    const lower = q.toLowerCase();
    if (ADDRESS_RE.test(lower)) return { kind: 'address', address: lower };
  }
  if (/^[0-9a-fA-F]+$/.test(q)) return { kind: 'invalid', reason: `"${q}" is ${q.length} hex characters; block hashes and transaction ids have 64.` };
  return { kind: 'invalid', reason: `"${q}" is not a block height, block hash, transaction id or Cairn address (crn1…, tcrn1…, rcrn1…).` };
}
