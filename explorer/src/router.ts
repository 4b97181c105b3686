// URL scheme and client-side navigation. Every page has its own path, pushed with the
// History API, so links can be shared and the back button works; the server answers any
// non-/api path with index.html. matchRoute is pure (tested without a browser).

export type RouteName = 'home' | 'block' | 'block-height' | 'tx' | 'address' | 'mempool' | 'network' | 'devnet' | 'search' | 'not-found';

export interface RouteMatch {
  name: RouteName;
  params: Record<string, string>;
  query: URLSearchParams;
}

const ROUTES: ReadonlyArray<readonly [RouteName, RegExp, readonly string[]]> = [
  ['home', /^\/$/, []],
  ['block', /^\/block\/([^/]+)$/, ['hash']],
  ['block-height', /^\/block-height\/(\d+)$/, ['height']],
  ['tx', /^\/tx\/([^/]+)$/, ['txid']],
  ['address', /^\/address\/([^/]+)$/, ['address']],
  ['mempool', /^\/mempool$/, []],
  ['network', /^\/network$/, []],
  ['devnet', /^\/devnet$/, []],
  ['search', /^\/search$/, []],
];

export function matchRoute(pathAndQuery: string): RouteMatch {
  const u = new URL(pathAndQuery, 'http://x');
  const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : u.pathname;
  for (const [name, re, keys] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    keys.forEach((k, i) => {
      params[k] = decodeURIComponent(m[i + 1]!);
    });
    return { name, params, query: u.searchParams };
  }
  return { name: 'not-found', params: { path }, query: u.searchParams };
}

export type Render = (match: RouteMatch) => void;

/** Wires the History API to a render function and turns in-app link clicks into pushState. */
export class Router {
  constructor(private readonly render: Render) {}

  start(): void {
    window.addEventListener('popstate', () => this.render(matchRoute(location.pathname + location.search)));
    document.addEventListener('click', (ev) => {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      const a = (ev.target as Element | null)?.closest?.('a');
      if (!a || a.target || a.hasAttribute('download')) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
      ev.preventDefault();
      this.navigate(url.pathname + url.search);
    });
    this.render(matchRoute(location.pathname + location.search));
  }

  navigate(to: string, replace = false): void {
    if (replace) history.replaceState(null, '', to);
    else if (to !== location.pathname + location.search) history.pushState(null, '', to);
    this.render(matchRoute(to));
    if (!replace) window.scrollTo(0, 0);
  }
}
