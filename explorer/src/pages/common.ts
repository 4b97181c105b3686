// What every page receives, and views shared by several pages (a transaction's inputs →
// outputs, error and "not found" panels). A page registers timers and live listeners
// through the context so navigating away cancels them, and checks alive() after each
// await so a slow answer never draws over the page the user has moved on to.
import { ApiError, type Api, type TxInfo, type TxOut } from '../api.js';
import { h, link } from '../dom.js';
import { feeRate, formatCoins, formatFeeRate, shortHash } from '../format.js';
import type { LiveEvent, LiveFeed } from '../ws.js';

export interface PageCtx {
  readonly api: Api;
  readonly live: LiveFeed;
  readonly root: HTMLElement;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  navigate(to: string, replace?: boolean): void;
  alive(): boolean;
  onCleanup(fn: () => void): void;
  onLive(fn: (ev: LiveEvent) => void): void;
  every(ms: number, fn: () => void): void;
  now(): number;
  setTitle(t: string): void;
}

export type Page = (ctx: PageCtx) => Promise<void>;

export function blockHref(hash: string): string {
  return `/block/${hash}`;
}
export function txHref(txid: string): string {
  return `/tx/${txid}`;
}
export function addressHref(a: string): string {
  return `/address/${a}`;
}

export function outLabel(o: TxOut): string {
  if (o.scriptpubkey_address) return o.scriptpubkey_address;
  if (o.scriptpubkey_type === 'op_return') return 'OP_RETURN';
  return o.scriptpubkey_type || 'unknown script';
}

export function outTarget(o: TxOut): Node {
  if (o.scriptpubkey_address) return link(addressHref(o.scriptpubkey_address), o.scriptpubkey_address, 'addr');
  if (o.scriptpubkey_type === 'op_return') {
    const data = o.scriptpubkey.slice(4);
    return h('span', { class: 'opreturn' }, 'OP_RETURN ', h('code', null, data.length > 40 ? `${data.slice(0, 40)}…` : data));
  }
  return h('span', { class: 'muted' }, o.scriptpubkey_type || 'unknown script');
}

/** A compact transaction: id, fee, and its inputs → outputs side by side. */
export function txCard(tx: TxInfo, highlight?: string): HTMLElement {
  const coinbase = tx.vin.some((i) => i.is_coinbase);
  const ins = h(
    'ul',
    { class: 'io ins' },
    ...tx.vin.map((i) =>
      h(
        'li',
        null,
        i.is_coinbase
          ? h('span', { class: 'coinbase' }, 'Coinbase (new coins)')
          : i.prevout
            ? i.prevout.scriptpubkey_address
              ? link(addressHref(i.prevout.scriptpubkey_address), i.prevout.scriptpubkey_address, i.prevout.scriptpubkey_address === highlight ? 'addr hl' : 'addr')
              : outLabel(i.prevout)
            : link(txHref(i.txid), `${shortHash(i.txid)}:${i.vout}`),
        i.prevout ? h('span', { class: 'amt' }, formatCoins(i.prevout.value)) : null,
      ),
    ),
  );
  const outs = h(
    'ul',
    { class: 'io outs' },
    ...tx.vout.map((o) =>
      h('li', null, o.scriptpubkey_address === highlight && highlight ? h('span', { class: 'addr hl' }, outTarget(o)) : outTarget(o), h('span', { class: 'amt' }, formatCoins(o.value))),
    ),
  );
  const total = tx.vout.reduce((a, o) => a + o.value, 0);
  return h(
    'div',
    { class: 'txcard', 'data-txid': tx.txid },
    h(
      'div',
      { class: 'txhead' },
      link(txHref(tx.txid), tx.txid, 'hash'),
      h('span', { class: 'muted' }, coinbase ? 'coinbase' : `fee ${formatCoins(tx.fee)} · ${formatFeeRate(feeRate(tx.fee, tx.weight))}`),
    ),
    h('div', { class: 'iogrid' }, ins, h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), outs),
    h('div', { class: 'txfoot' }, h('span', { class: 'amt total' }, `${formatCoins(total)} CRN`)),
  );
}

export function errorView(e: unknown, what: string): HTMLElement {
  if (e instanceof ApiError && e.notFound) return notFoundView(what);
  const msg = e instanceof ApiError ? (e.status === 0 ? 'The node could not be reached. It may be restarting; this page will work again once it is back.' : `The node answered with HTTP ${e.status}.`) : 'Something went wrong while drawing this page.';
  return h('div', { class: 'card error', 'data-testid': 'error' }, h('h2', null, 'Could not load this page'), h('p', null, msg), h('p', { class: 'muted' }, e instanceof Error ? e.message : String(e)));
}

export function notFoundView(what: string, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'card notfound', 'data-testid': 'not-found' },
    h('h2', null, 'Not found'),
    h('p', null, what),
    h('p', { class: 'muted' }, hint ?? 'Search accepts a block height, a block hash, a transaction id or an address (rcrn1…, tcrn1…, crn1…).'),
    h('p', null, link('/', 'Back to the latest blocks')),
  );
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted loading' }, 'Loading…');
}

/** Replaces a placeholder node with fresh content, keeping its place on the page. */
export function swap(old: Element, next: Element): Element {
  old.replaceWith(next);
  return next;
}

/** Collapses bursts of events (a block brings many txs) into one refresh. */
export function debounce(ctx: PageCtx, ms: number, fn: () => unknown): () => void {
  let t: ReturnType<typeof setTimeout> | null = null;
  ctx.onCleanup(() => {
    if (t) clearTimeout(t);
  });
  return () => {
    if (t) clearTimeout(t);
    t = setTimeout(() => {
      t = null;
      if (ctx.alive()) void Promise.resolve(fn()).catch(() => undefined);
    }, ms);
  };
}
