// A tiny element builder. Everything from the API is inserted as text nodes or attribute
// values, never as HTML, so a hostile node or script cannot inject markup into the page.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag: string, attrs?: Record<string, string | number | undefined> | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function setAttrs(el: HTMLElement, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** An in-app link; the router intercepts clicks on same-origin anchors. */
export function link(href: string, text: Child, cls?: string): HTMLAnchorElement {
  return h('a', { href, class: cls }, text);
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/** A two-column table of label → value rows. */
export function kvTable(rows: ReadonlyArray<readonly [string, Child]>, testid?: string): HTMLTableElement {
  return h('table', { class: 'kv', 'data-testid': testid }, h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v)))));
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

/**
 * A cell of a `table.list.stack`: on a phone such a table stacks each row into label/value
 * lines (the column name comes from data-label), so no table is wider than the screen.
 */
export function cell(label: string, content: Child, cls?: string): HTMLTableCellElement {
  return h('td', { class: cls, 'data-label': label }, content);
}
