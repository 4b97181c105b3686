// The devnet page of a 3-node network, read from one node: it must show all three nodes
// with their tips (matching each node's own API), the peer links between them, per-block
// arrival delays, and follow a newly mined block on every node without a reload.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { LAPTOP, PHONE, launch, openPage, screenshot } from './browser.js';
import { buildExplorer, startFakeDevnet, type DevnetFactory, type DevnetTarget } from './harness.js';

const DEVNET: DevnetFactory = startFakeDevnet;

let net: DevnetTarget;
let browser: Browser;

async function tipOf(url: string): Promise<{ hash: string; height: number }> {
  const [hash, height] = await Promise.all([fetch(`${url}/api/blocks/tip/hash`).then((r) => r.text()), fetch(`${url}/api/blocks/tip/height`).then((r) => r.text())]);
  return { hash: hash.trim(), height: Number(height) };
}

beforeAll(async () => {
  net = await DEVNET(buildExplorer(), 3);
  await net.mine(4);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await net?.close();
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
    await expect(g.getAttribute('class')).resolves.toContain('agree');
    expect(i).toBeLessThan(3);
  }
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
  expect(w.problems()).toEqual([]);
  expect(phone.problems()).toEqual([]);
});
