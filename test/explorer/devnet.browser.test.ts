// The devnet page of a 3-node network, read from one node: it must show all three nodes
// with their tips (matching each node's own API), the peer links between them, per-block
// arrival delays, and follow a newly mined block on every node without a reload.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { LAPTOP, PHONE, launch, openPage, screenshot } from './browser.js';
import { buildExplorer } from './harness.js';
import { startRealDevnet, type RealDevnet } from './real-node.js';

// three real regtest cairnd processes in a full mesh, each given the others as --sibling
let net: RealDevnet;
let explorerDir: string;
let browser: Browser;

async function tipOf(url: string): Promise<{ hash: string; height: number }> {
  const [hash, height] = await Promise.all([fetch(`${url}/api/blocks/tip/hash`).then((r) => r.text()), fetch(`${url}/api/blocks/tip/height`).then((r) => r.text())]);
  return { hash: hash.trim(), height: Number(height) };
}

beforeAll(async () => {
  explorerDir = buildExplorer();
  net = await startRealDevnet(explorerDir, 3);
  await net.mine(4);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await net?.close();
  if (explorerDir) rmSync(explorerDir, { recursive: true, force: true });
});

test('the devnet page shows all three nodes with matching tips, their links and block delays', async () => {
  const w = await openPage(browser, LAPTOP);
  const page = w.page;
  await page.goto(`${net.urls[0]}/devnet`);
  const nodes = page.getByTestId('devnet-node');
  await nodes.nth(2).waitFor();
  expect(await nodes.count()).toBe(3);
  for (const [i, url] of net.urls.entries()) {
    const tip = await tipOf(url);
    const g = page.locator(`[data-testid=devnet-node][data-url="${url}"]`);
    await expect(g.getAttribute('data-tip')).resolves.toBe(tip.hash);
    await expect(g.getAttribute('data-height')).resolves.toBe(String(tip.height));
    await expect(g.getAttribute('class')).resolves.toBe('gnode agree');
    // shown by the name each node was started with (--name), which its own API reports
    const name = ((await fetch(`${url}/api/node`).then((r) => r.json())) as { name: string }).name;
    expect(name).toBe(`node${i + 1}`);
    await expect(g.getAttribute('data-name')).resolves.toBe(name);
    await expect(g.locator('text.g-name').textContent()).resolves.toBe(name);
  }
  await expect(page.getByTestId('devnet-name').allTextContents()).resolves.toEqual(['node1', 'node2', 'node3']);
  await expect(page.locator('[data-testid=propagation] thead').textContent()).resolves.toBe('Blocknode1node2node3');
  await expect(page.getByTestId('devnet-summary').textContent()).resolves.toMatch(/^All 3 nodes agree/);
  // every node peers with both others (a ring of three): three links
  expect(await page.getByTestId('peer-link').count()).toBe(3);
  const firstRow = page.locator('[data-testid=propagation] tbody tr').first();
  await expect(firstRow.textContent()).resolves.toContain(`#${(await tipOf(net.urls[0]!)).height}`);
  expect(await firstRow.locator('td').count()).toBe(1 + 3);

  await page.evaluate(() => ((window as unknown as { __m: number }).__m = 1));
  const [hash] = await net.mine(1);
  for (const url of net.urls) await page.locator(`[data-testid=devnet-node][data-url="${url}"][data-tip="${hash}"]`).waitFor({ timeout: 10_000 });
  expect(await page.evaluate(() => (window as unknown as { __m?: number }).__m)).toBe(1);
  await screenshot(page, 'devnet-laptop');

  const phone = await openPage(browser, PHONE);
  await phone.page.goto(`${net.urls[1]}/devnet`);
  await phone.page.getByTestId('devnet-node').nth(2).waitFor();
  await screenshot(phone.page, 'devnet-phone');
  // nothing on the page scrolls sideways at phone width: not the document, not a table
  const sideways = await phone.page.evaluate(() => {
    const se = document.scrollingElement!;
    const wide = Array.from(document.querySelectorAll('main *')).filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1);
    return { document: se.scrollWidth - se.clientWidth, elements: wide.length };
  });
  expect(sideways).toEqual({ document: 0, elements: 0 });
  expect(w.problems()).toEqual([]);
  expect(phone.problems()).toEqual([]);
});

test('a node cut off from the others and mining its own block is highlighted as off the majority tip', async () => {
  const w = await openPage(browser, LAPTOP);
  const page = w.page;
  await page.goto(`${net.urls[0]}/devnet`);
  await page.getByTestId('devnet-node').nth(2).waitFor();
  await net.isolate(2);
  const [lone] = await net.mineOn(2, 1);
  const majority = await tipOf(net.urls[0]!);
  expect(lone).not.toBe(majority.hash);
  // the page polls every 2 s: wait for the lone node's new tip, then check the highlighting
  const off = page.locator(`[data-testid=devnet-node][data-url="${net.urls[2]}"][data-tip="${lone}"]`);
  await off.waitFor({ timeout: 10_000 });
  await expect(off.getAttribute('class')).resolves.toBe('gnode disagree');
  for (const url of net.urls.slice(0, 2)) await expect(page.locator(`[data-testid=devnet-node][data-url="${url}"]`).getAttribute('class')).resolves.toBe('gnode agree');
  await expect(page.getByTestId('devnet-summary').textContent()).resolves.toBe('2 of 3 nodes agree on the majority tip; the others are highlighted.');
  await expect(page.getByTestId('devnet-row').nth(2).textContent()).resolves.toContain('disagrees with the majority tip');
  // the cut node has no links left; the other two still peer with each other
  await page.getByTestId('peer-link').nth(1).waitFor({ state: 'detached', timeout: 10_000 });
  expect(await page.getByTestId('peer-link').count()).toBe(1);
  await screenshot(page, 'devnet-partitioned-laptop');
  expect(w.problems()).toEqual([]);
});
