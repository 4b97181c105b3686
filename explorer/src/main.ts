// The explorer's composition root: page chrome (navigation, search box, live indicator,
// the "data is stale" banner), one Api and one LiveFeed shared by all pages, and the
// router that mounts a page per URL. A page's listeners and timers are cancelled when the
// user navigates away. When the live connection drops, a banner says the page no longer
// follows the node; when it comes back, the page is drawn afresh (events were missed).
import { Api } from './api.js';
import { h, link } from './dom.js';
import { addressPage } from './pages/address.js';
import { blockHeightPage, blockPage } from './pages/block.js';
import { errorView, notFoundView, type Page, type PageCtx } from './pages/common.js';
import { devnetPage } from './pages/devnet.js';
import { homePage } from './pages/home.js';
import { mempoolPage } from './pages/mempool.js';
import { networkPage } from './pages/network.js';
import { searchPage } from './pages/search.js';
import { txPage } from './pages/tx.js';
import { Router, type RouteMatch, type RouteName } from './router.js';
import { LiveFeed, type LiveEvent } from './ws.js';

const PAGES: Record<Exclude<RouteName, 'not-found'>, Page> = {
  home: homePage,
  block: blockPage,
  'block-height': blockHeightPage,
  tx: txPage,
  address: addressPage,
  mempool: mempoolPage,
  network: networkPage,
  devnet: devnetPage,
  search: searchPage,
};

const NAV: ReadonlyArray<readonly [string, string, RouteName]> = [
  ['/', 'Blocks', 'home'],
  ['/mempool', 'Mempool', 'mempool'],
  ['/network', 'Network', 'network'],
  ['/devnet', 'Devnet', 'devnet'],
];

function boot(): void {
  const api = new Api('');
  const live = new LiveFeed({ url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/ws` });
  const main = h('main', { id: 'page' });
  const input = h('input', { type: 'search', name: 'q', placeholder: 'Height, block hash, txid or address', 'aria-label': 'Search', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'search-input' });
  const dot = h('span', { class: 'live-dot', 'data-testid': 'live-state', title: 'WebSocket' }, 'connecting');
  const netBadge = h('span', { class: 'net-badge', 'data-testid': 'network-name' });
  const navLinks = NAV.map(([href, text, name]) => link(href, text, `nav-${name}`));
  const form = h('form', { class: 'search', role: 'search' }, input, h('button', { type: 'submit' }, 'Search'));
  const bannerText = h('span', null);
  const banner = h('div', { class: 'stale-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'stale-banner', hidden: true }, bannerText);
  document.body.replaceChildren(
    h('header', { class: 'top' }, h('a', { href: '/', class: 'brand' }, 'Cairn', h('small', null, ' explorer')), netBadge, h('nav', { class: 'nav' }, ...navLinks), form, dot),
    banner,
    main,
    h('footer', null, 'Cairn block explorer · reads this node’s public API only'),
  );
  let wasLive = false;
  let lostAt = 0;
  live.onState((st) => {
    dot.textContent = st;
    dot.className = `live-dot ${st}`;
    if (st === 'live') {
      banner.hidden = true;
      // events were missed while away: draw the page again from the node's current state
      if (lostAt && current) mount(current);
      lostAt = 0;
      wasLive = true;
      return;
    }
    if (st === 'offline' || wasLive) {
      if (!lostAt) lostAt = Date.now();
      bannerText.textContent = `Lost the live connection to the node at ${new Date(lostAt).toLocaleTimeString()}: what this page shows may be stale. Reconnecting…`;
      banner.hidden = false;
    }
  });
  live.start();
  api.node().then(
    (n) => {
      netBadge.textContent = n.network;
    },
    () => {
      netBadge.textContent = '';
    },
  );

  let cleanups: Array<() => void> = [];
  let generation = 0;
  let current: RouteMatch | null = null;
  const router = new Router((m) => mount(m));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    input.value = '';
    input.blur();
    router.navigate(`/search?q=${encodeURIComponent(q)}`);
  });

  function mount(m: RouteMatch): void {
    current = m;
    for (const fn of cleanups) fn();
    cleanups = [];
    const gen = ++generation;
    for (const [i, [, , name]] of NAV.entries()) navLinks[i]!.classList.toggle('active', name === m.name);
    main.replaceChildren();
    const ctx: PageCtx = {
      api,
      live,
      root: main,
      params: m.params,
      query: m.query,
      navigate: (to, replace) => router.navigate(to, replace),
      alive: () => gen === generation,
      onCleanup: (fn) => {
        if (gen === generation) cleanups.push(fn);
        else fn();
      },
      onLive: (fn: (ev: LiveEvent) => void) => ctx.onCleanup(live.on(fn) as () => void),
      every: (ms, fn) => {
        const t = setInterval(fn, ms);
        ctx.onCleanup(() => clearInterval(t));
      },
      now: () => Date.now(),
      setTitle: (t) => {
        if (gen === generation) document.title = t;
      },
    };
    if (m.name === 'not-found') {
      document.title = 'Not found · Cairn';
      main.append(notFoundView(`There is no page at ${m.params.path}.`));
      return;
    }
    PAGES[m.name](ctx).catch((e: unknown) => {
      if (gen === generation) main.replaceChildren(errorView(e, 'This page could not be drawn.'));
    });
  }
  router.start();
}

boot();
