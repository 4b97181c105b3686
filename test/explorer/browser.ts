// Chromium via playwright-core (Debian's /usr/bin/chromium, no bundled browser download),
// plus the bookkeeping every explorer test wants: console errors and uncaught exceptions are
// collected so a test can assert there were none, and screenshots go to test-output/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve(__dirname, '../../test-output/screenshots');

export const LAPTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  page: Page;
  /** console errors and page exceptions so far, less expected lookup misses */
  problems(): string[];
  /** API lookups that answered 404/400: expected when searching for unknown things */
  notFoundLookups: string[];
}

/**
 * Opens a page that records problems. Chromium reports every HTTP error response as a
 * console error "Failed to load resource"; those are kept apart when they are API lookups
 * answering 404/400 (the search and "not found" pages cause them on purpose) and treated
 * as errors for anything else (a missing script or stylesheet, a 500).
 */
export async function openPage(browser: Browser, viewport = LAPTOP): Promise<WatchedPage> {
  const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  const page = await ctx.newPage();
  const raw: Array<{ text: string; url: string }> = [];
  const notFoundLookups: string[] = [];
  const lookup404 = new Set<string>();
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/') && (r.status() === 404 || r.status() === 400)) {
      lookup404.add(r.url());
      notFoundLookups.push(u.pathname);
    }
  });
  page.on('console', (m) => {
    if (m.type() === 'error') raw.push({ text: `console: ${m.text()}`, url: m.location().url });
  });
  page.on('pageerror', (e) => raw.push({ text: `pageerror: ${e.message}`, url: '' }));
  // classified when asked, since a response event may arrive after its console message
  const problems = () =>
    raw.filter((r) => !(r.text.startsWith('console: Failed to load resource') && lookup404.has(r.url))).map((r) => `${r.text} @ ${r.url}`);
  return { page, problems, notFoundLookups };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // the sticky header is drawn where the viewport is; from the top it sits where a reader sees it
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
