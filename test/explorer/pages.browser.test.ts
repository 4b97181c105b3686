// The explorer in a real browser (Debian's Chromium) against a node: every page shows the
// node's data, search reaches all four kinds and says "not found" for the rest, the home page
// and a tx page update live over the WebSocket, a reorg shows on the network page, and no
// console errors happen. Expected values come from the node's REST API (see harness.ts), so
// TARGET is any factory that keeps harness.ts's contract.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import jsQRModule from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { LAPTOP, PHONE, launch, openPage, screenshot, type WatchedPage } from './browser.js';
import { formatDuration } from '../../explorer/src/format.js';
// jsqr is CommonJS: its function is both module.exports and .default
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
import { buildExplorer, type ExplorerTarget, type TargetFactory } from './harness.js';
import { startRealTarget, testAddress } from './real-node.js';

// a real regtest cairnd (real-node.ts)
const TARGET: TargetFactory = startRealTarget;

let target: ExplorerTarget;
let explorerDir: string;
let browser: Browser;
let w: WatchedPage;
let page: Page;
const payee = testAddress('alice');
let confirmedTxid: string;
/** the height of the block holding confirmedTxid (the real node starts past coinbase maturity) */
let confirmedHeight: number;
let pendingTxid: string;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(target.baseUrl + path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : (await res.text()).trim()) as T;
}

async function go(path: string): Promise<void> {
  await page.goto(target.baseUrl + path);
}

/** Client-side navigation, as a user clicking; proves the page did not reload. */
async function markNoReload(): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
}
async function assertNoReload(): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
}

/**
 * What scrolls sideways on the page as shown: the document itself, or any element in it
 * that scrolls its content sideways, except the designed carousels (data-scroll=intended:
 * the block strip and the fork tree, which grow with the chain).
 */
async function sidewaysScroll(p: Page): Promise<{ document: number; elements: string[] }> {
  return p.evaluate(() => {
    const se = document.scrollingElement!;
    const elements: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const ox = getComputedStyle(el).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1 && !el.closest('[data-scroll=intended]'))
        elements.push(`${el.tagName.toLowerCase()}.${el.className} (${el.scrollWidth} > ${el.clientWidth})`);
    }
    return { document: se.scrollWidth - se.clientWidth, elements };
  });
}

async function shots(name: string): Promise<void> {
  await screenshot(page, `${name}-laptop`);
  const phone = await openPage(browser, PHONE);
  await phone.page.goto(page.url());
  await phone.page.locator('main .card').first().waitFor();
  await screenshot(phone.page, `${name}-phone`);
  expect(await sidewaysScroll(phone.page)).toEqual({ document: 0, elements: [] });
  expect(phone.problems()).toEqual([]);
  await phone.page.context().close();
}

/** The legend's values while the pointer is at fraction `fx` across a uPlot chart's plot area. */
async function hoverChart(p: Page, testid: string, fx: number): Promise<string[]> {
  const over = p.locator(`[data-testid=${testid}] .u-over`);
  const box = (await over.boundingBox())!;
  await p.mouse.move(box.x + box.width * fx, box.y + box.height / 2);
  return p.locator(`[data-testid=${testid}] .u-legend .u-value`).allTextContents();
}

beforeAll(async () => {
  explorerDir = buildExplorer();
  target = await TARGET(explorerDir);
  await target.mine(6);
  confirmedTxid = await target.pay(payee, 12_5000_0000);
  await target.pay(testAddress('bob'), 3_0000_0000);
  const [confirmedBlock] = await target.mine(1);
  confirmedHeight = (await api<{ height: number }>(`/api/block/${confirmedBlock}`)).height;
  pendingTxid = await target.pay(payee, 1_2345_6789);
  browser = await launch();
  w = await openPage(browser, LAPTOP);
  page = w.page;
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
  if (explorerDir) rmSync(explorerDir, { recursive: true, force: true });
});

describe('explorer pages', () => {
  test('home shows the tip, block tiles, the projected block and the latest transactions', async () => {
    const tipHeight = Number(await api<string>('/api/blocks/tip/height'));
    const tipHash = await api<string>('/api/blocks/tip/hash');
    await go('/');
    await expect(page.getByTestId('tip-height').textContent()).resolves.toBe(String(tipHeight));
    await expect(page.locator('[data-testid=chain-stats]').textContent()).resolves.toContain(tipHash);
    const tiles = page.getByTestId('block-tile');
    await expect(tiles.first().getAttribute('data-height')).resolves.toBe(String(tipHeight));
    expect(await tiles.count()).toBe(Math.min(8, tipHeight + 1));
    // the projected next block is the node's projection of its real mempool txs
    const [next] = await api<Array<{ nTx: number; medianFee: number; feeRange: number[] }>>('/api/v1/fees/mempool-blocks');
    const f = (r: number) => (r >= 100 ? r.toFixed(0) : r.toFixed(1));
    const lo = next!.feeRange[0]!;
    const hi = next!.feeRange[6]!;
    await expect(page.getByTestId('next-range').textContent()).resolves.toBe(lo === hi ? `${f(lo)} sat/vB` : `${f(lo)}–${f(hi)} sat/vB`);
    await expect(page.getByTestId('next-median').textContent()).resolves.toBe(`median ${f(next!.medianFee)} sat/vB`);
    await expect(page.getByTestId('next-block').textContent()).resolves.toContain(`${next!.nTx} tx`);
    await expect(page.getByTestId('latest-txs').textContent()).resolves.toContain(pendingTxid.slice(0, 10));
    const mp = await api<{ count: number }>('/api/mempool');
    await expect(page.getByTestId('mempool-count').textContent()).resolves.toMatch(new RegExp(`^${mp.count} txs`));
    // block intervals: one bar per block after the oldest shown, on linear axes that say so;
    // the legend reads the bar under the pointer: the oldest at the left, the tip at the right
    await page.locator('[data-testid=chart-intervals] canvas').waitFor();
    const shown = Math.min(30, tipHeight + 1);
    await expect(page.getByTestId('chart-intervals').getAttribute('data-points')).resolves.toBe(String(shown - 1));
    await expect(page.getByTestId('chart-intervals').textContent()).resolves.toContain('Linear axes');
    const tipBlock = await api<{ timestamp: number }>(`/api/block/${tipHash}`);
    const before = await api<{ timestamp: number }>(`/api/block/${await api<string>(`/api/block-height/${tipHeight - 1}`)}`);
    expect(await hoverChart(page, 'chart-intervals', 0.999)).toEqual([`#${tipHeight}`, formatDuration(tipBlock.timestamp - before.timestamp, true)]);
    expect((await hoverChart(page, 'chart-intervals', 0.001))[0]).toBe(`#${tipHeight - shown + 2}`);
    const mid = Number((await hoverChart(page, 'chart-intervals', 0.5))[0]!.slice(1));
    expect(Math.abs(mid - (tipHeight - shown + 2 + (shown - 2) / 2))).toBeLessThanOrEqual(1);
    // hashes behind a regtest block come from its nBits (about 2), not Bitcoin's difficulty × 2^32
    await expect(page.getByTestId('hashrate').textContent()).resolves.toMatch(/^(–|\d+(\.\d+)? H\/s)$/);
    await page.locator('[data-testid=chart-difficulty] canvas').waitFor();
    const levels = await api<unknown[]>('/api/mempool/fee-levels');
    await expect(page.getByTestId('fee-histogram').getAttribute('data-points')).resolves.toBe(String(levels.length));
    await shots('home');
  });

  test('block page: header fields, confirmations, prev/next links, transactions; back button returns', async () => {
    await go('/');
    await markNoReload();
    const hash = await api<string>(`/api/block-height/${confirmedHeight}`);
    const block = await api<{ tx_count: number; previousblockhash: string; merkle_root: string }>(`/api/block/${hash}`);
    const tip = Number(await api<string>('/api/blocks/tip/height'));
    await page.locator(`[data-testid=block-tile][data-height="${confirmedHeight}"]`).click();
    await page.getByTestId('block-hash').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/block/${hash}`);
    await expect(page.getByTestId('block-hash').textContent()).resolves.toBe(hash);
    await expect(page.getByTestId('block-confirmations').textContent()).resolves.toBe(String(tip - confirmedHeight + 1));
    await expect(page.getByTestId('block-status').textContent()).resolves.toBe('In best chain');
    await expect(page.getByTestId('block-txcount').textContent()).resolves.toBe(String(block.tx_count));
    await expect(page.getByTestId('block-header').textContent()).resolves.toContain(block.merkle_root);
    await page.locator('[data-testid=block-txs] .txcard').nth(block.tx_count - 1).waitFor();
    expect(await page.locator('[data-testid=block-txs] .txcard').count()).toBe(block.tx_count);
    await expect(page.locator('[data-testid=block-txs]').textContent()).resolves.toContain(confirmedTxid);
    await shots('block');
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.waitForURL(`**/block/${block.previousblockhash}`);
    await expect(page.getByTestId('block-height').textContent()).resolves.toBe(String(confirmedHeight - 1));
    await page.goBack();
    await page.waitForURL(`**/block/${hash}`);
    await expect(page.getByTestId('block-height').textContent()).resolves.toBe(String(confirmedHeight));
    await page.goBack();
    await page.waitForURL(`${target.baseUrl}/`);
    await page.getByTestId('tip-height').waitFor();
    await assertNoReload();
  });

  test('transaction page: status, fee, flow, inputs with prevouts, outputs with spenders, raw hex', async () => {
    const tx = await api<{ fee: number; vout: Array<{ value: number }>; status: { block_height: number } }>(`/api/tx/${confirmedTxid}`);
    const tip = Number(await api<string>('/api/blocks/tip/height'));
    const outspends = await api<Array<{ spent: boolean; txid?: string }>>(`/api/tx/${confirmedTxid}/outspends`);
    await go(`/tx/${confirmedTxid}`);
    await expect(page.getByTestId('tx-status').textContent()).resolves.toContain(`Confirmed in block ${tx.status.block_height} with ${tip - tx.status.block_height + 1} confirmation`);
    const feeStr = `${Math.floor(tx.fee / 1e8)}.${String(tx.fee % 1e8).padStart(8, '0')} CRN`;
    await expect(page.getByTestId('tx-fee').textContent()).resolves.toBe(feeStr);
    expect(await page.locator('[data-testid=tx-flow] path.band').count()).toBe(1 + tx.vout.length + 1);
    await expect(page.getByTestId('tx-inputs').textContent()).resolves.toContain(target.minerAddress);
    const outs = page.getByTestId('tx-output');
    expect(await outs.count()).toBe(tx.vout.length);
    await expect(outs.nth(0).textContent()).resolves.toContain(payee);
    await expect(outs.nth(0).textContent()).resolves.toContain('12.50000000');
    for (const [i, o] of outspends.entries()) if (o.spent) await expect(outs.nth(i).textContent()).resolves.toContain(o.txid!.slice(0, 8));
    await expect(outs.nth(2).textContent()).resolves.toContain('OP_RETURN');
    expect(await page.getByTestId('tx-hex').isVisible()).toBe(false);
    const hex = await api<string>(`/api/tx/${confirmedTxid}/hex`);
    await page.getByTestId('show-hex').click();
    // the hex is fetched on the click: wait for it rather than read the empty box
    await page.getByTestId('tx-hex').filter({ hasText: hex }).waitFor();
    await expect(page.getByTestId('tx-hex').textContent()).resolves.toBe(hex);
    await shots('tx');
  });

  test('a mempool transaction turns confirmed live when a block is mined', async () => {
    await go(`/tx/${pendingTxid}`);
    await expect(page.getByTestId('tx-status').textContent()).resolves.toBe('Unconfirmed (in the mempool)');
    await markNoReload();
    const [hash] = await target.mine(1);
    const height = (await api<{ height: number }>(`/api/block/${hash}`)).height;
    await page.getByTestId('tx-status').filter({ hasText: `Confirmed in block ${height} with 1 confirmation` }).waitFor({ timeout: 10_000 });
    await assertNoReload();
  });

  test('address page: balance, received and sent totals, history and UTXOs', async () => {
    const info = await api<{ chain_stats: Record<string, number>; mempool_stats: Record<string, number> }>(`/api/address/${payee}`);
    const utxos = await api<unknown[]>(`/api/address/${payee}/utxo`);
    const txs = await api<Array<{ txid: string }>>(`/api/address/${payee}/txs`);
    const bal = info.chain_stats.funded_txo_sum! - info.chain_stats.spent_txo_sum! + info.mempool_stats.funded_txo_sum! - info.mempool_stats.spent_txo_sum!;
    expect(bal).toBe(12_5000_0000 + 1_2345_6789);
    await go(`/address/${payee}`);
    await expect(page.getByTestId('balance').textContent()).resolves.toBe('13.73456789 CRN');
    await expect(page.getByTestId('received').textContent()).resolves.toContain('13.73456789 CRN in 2 outputs');
    await expect(page.getByTestId('sent').textContent()).resolves.toContain('0.00000000 CRN');
    await page.locator('[data-testid=address-txs] .txcard').nth(txs.length - 1).waitFor();
    await page.locator('[data-testid=utxos] tbody tr').nth(utxos.length - 1).waitFor();
    expect(await page.locator('[data-testid=address-txs] .txcard').count()).toBe(txs.length);
    expect(await page.locator('[data-testid=utxos] tbody tr').count()).toBe(utxos.length);
    await shots('address');
  });

  test('mempool page: count, size, histogram and newest transactions', async () => {
    const t1 = await target.pay(testAddress('carol'), 1_0000_0000);
    await target.pay(testAddress('dave'), 2_0000_0000);
    const mp = await api<{ count: number }>('/api/mempool');
    await go('/mempool');
    await expect(page.getByTestId('mempool-count').textContent()).resolves.toBe(String(mp.count));
    await expect(page.getByTestId('mempool-recent').textContent()).resolves.toContain(t1);
    const projected = await api<Array<{ nTx: number }>>('/api/v1/fees/mempool-blocks');
    expect(await page.getByTestId('projected-block').count()).toBe(projected.length);
    await expect(page.getByTestId('projected-block').first().textContent()).resolves.toContain(String(projected[0]!.nTx));
    const levels = await api<Array<{ from: number; vsize: number; count: number }>>('/api/mempool/fee-levels');
    await page.locator('[data-testid=fee-histogram] canvas').waitFor();
    // the tooltip (legend) of the highest level's bar names its rate and its vsize
    const top = levels.at(-1)!;
    const vals = await hoverChart(page, 'fee-histogram', 1 - 0.5 / levels.length);
    expect(vals[0]).toMatch(new RegExp(`^(${top.from}–\\d+|≥ ${top.from}) sat/vB$`));
    expect(vals[1]).toContain(`in ${top.count} tx`);
    await markNoReload();
    const t3 = await target.pay(testAddress('erin'), 1_0000_0000);
    await page.getByTestId('mempool-count').filter({ hasText: String(mp.count + 1) }).waitFor({ timeout: 10_000 });
    await page.getByTestId('mempool-recent').filter({ hasText: t3 }).waitFor({ timeout: 10_000 });
    await assertNoReload();
    await shots('mempool');
  });

  test('a newly mined block appears on the home page without reload', async () => {
    await go('/');
    const before = Number(await page.getByTestId('tip-height').textContent());
    await markNoReload();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    const [hash] = await target.mine(1);
    await page.locator(`[data-testid=block-tile][data-height="${before + 1}"]`).waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('tip-height').textContent()).resolves.toBe(String(before + 1));
    await expect(page.locator('[data-testid=block-tile]').first().getAttribute('href')).resolves.toBe(`/block/${hash}`);
    await assertNoReload();
  });

  test('a block with more than 25 transactions is paged, 25 at a time', async () => {
    for (let i = 0; i < 27; i++) await target.pay(testAddress(`many-${i}`), 1000_0000 + i);
    const [hash] = await target.mine(1);
    const block = await api<{ tx_count: number }>(`/api/block/${hash}`);
    expect(block.tx_count).toBeGreaterThan(25);
    await go(`/block/${hash}`);
    await page.locator('[data-testid=block-txs] .txcard').nth(24).waitFor();
    expect(await page.locator('[data-testid=block-txs] .txcard').count()).toBe(25);
    await markNoReload();
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.waitForURL(`**/block/${hash}?start=25`);
    const second = await api<Array<{ txid: string }>>(`/api/block/${hash}/txs/25`);
    // the first page's cards stay until the second page is drawn: wait for the new first card
    await page.locator(`[data-testid=block-txs] .txcard[data-txid="${second[0]!.txid}"]`).waitFor();
    expect(await page.locator('[data-testid=block-txs] .txcard').count()).toBe(block.tx_count - 25);
    await expect(page.locator('[data-testid=block-txs] .txcard').first().getAttribute('data-txid')).resolves.toBe(second[0]!.txid);
    await page.goBack();
    await page.waitForURL(`**/block/${hash}`);
    await page.getByRole('link', { name: 'Next page →' }).waitFor();
    await assertNoReload();
  });

  test('search finds heights, block hashes, txids and addresses; unknown input says not found', async () => {
    await go('/');
    const search = async (q: string) => {
      await page.getByTestId('search-input').fill(q);
      await page.getByTestId('search-input').press('Enter');
    };
    const h3 = await api<string>('/api/block-height/3');
    await search('3');
    await page.waitForURL(`**/block/${h3}`);
    await expect(page.getByTestId('block-height').textContent()).resolves.toBe('3');
    const h2 = await api<string>('/api/block-height/2');
    await search(h2.toUpperCase());
    await page.waitForURL(`**/block/${h2}`);
    await expect(page.getByTestId('block-hash').textContent()).resolves.toBe(h2);
    await search(confirmedTxid);
    await page.waitForURL(`**/tx/${confirmedTxid}`);
    await expect(page.getByTestId('txid').textContent()).resolves.toBe(confirmedTxid);
    await search(`  ${payee} `);
    await page.waitForURL(`**/address/${payee}`);
    await expect(page.getByTestId('address').textContent()).resolves.toBe(payee);
    // back goes to the previous page, not to the /search URL in between
    await page.goBack();
    await page.waitForURL(`**/tx/${confirmedTxid}`);

    for (const q of ['f'.repeat(64), '999999', 'hello world', 'abc123', `rcrn1${'q'.repeat(58)}`]) {
      await search(q);
      await page.getByTestId('not-found').waitFor();
      await expect(page.getByTestId('not-found').textContent()).resolves.toMatch(/Not found/);
    }
    await screenshot(page, 'not-found-laptop');
    await go('/no/such/page');
    await page.getByTestId('not-found').waitFor();
    await go(`/tx/${'0'.repeat(64)}`);
    await page.getByTestId('not-found').waitFor();
  });

  test('network page: peers, chain tips and a fork view that shows a reorg', async () => {
    await go('/network');
    await page.getByTestId('fork-tree').waitFor();
    const peers = await api<unknown[]>('/api/peers');
    expect(await page.locator('[data-testid=peer]').count()).toBe(peers.length);
    expect(await page.locator('[data-testid=fork-tree] [data-stale=true]').count()).toBe(0);
    await markNoReload();
    const oldTip = await api<string>('/api/blocks/tip/hash');
    await target.reorg(2);
    await page.locator('[data-testid=chain-tip][data-status=valid-fork]').waitFor({ timeout: 10_000 });
    await expect(page.locator('[data-testid=chain-tip][data-status=valid-fork]').textContent()).resolves.toContain(oldTip);
    await page.locator(`[data-testid=fork-tree] [data-stale=true][data-hash="${oldTip}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=fork-tree] [data-stale=true]').count()).toBe(2);
    const newTip = await api<string>('/api/blocks/tip/hash');
    expect(await page.locator(`[data-testid=fork-tree] [data-stale=false][data-hash="${newTip}"]`).count()).toBe(1);
    await assertNoReload();
    await shots('network');
    // the stale block's own page says so
    await go(`/block/${oldTip}`);
    await expect(page.getByTestId('block-status').textContent()).resolves.toMatch(/Stale/);
  });

  test('the devnet page of a node without siblings explains why there is nothing to draw', async () => {
    await go('/devnet');
    await expect(page.getByTestId('no-siblings').textContent()).resolves.toContain('not given the API addresses');
  });

  test('address page: the copy button puts the address on the clipboard; the QR code reads back as the address', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: target.baseUrl });
    await go(`/address/${payee}`);
    await page.getByTestId('copy').click();
    await page.locator('[data-testid=copy][data-copied=yes]').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(payee);
    // rasterize the drawn QR code and decode it with an independent reader (jsQR)
    const img = await page.evaluate(async () => {
      const svg = document.querySelector('[data-testid=address-qr]')!;
      const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
      const im = new Image();
      await new Promise((ok, fail) => {
        im.onload = ok;
        im.onerror = fail;
        im.src = url;
      });
      // 4 pixels per module, as the raw RGBA bytes in base64 (small and quick to pass back)
      const size = 4 * Number(svg.getAttribute('viewBox')!.split(' ')[2]);
      const c = document.createElement('canvas');
      c.width = c.height = size;
      const g = c.getContext('2d')!;
      g.imageSmoothingEnabled = false;
      g.drawImage(im, 0, 0, size, size);
      const bytes = g.getImageData(0, 0, size, size).data;
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { size, b64: btoa(bin) };
    });
    const code = jsQR(new Uint8ClampedArray(Buffer.from(img.b64, 'base64')), img.size, img.size);
    expect(code?.data).toBe(payee.toUpperCase());
  });

  test('no page scrolls sideways, at 390 px (a phone) or at 1280 px', async () => {
    const tx = await api<{ status: { block_hash: string } }>(`/api/tx/${confirmedTxid}`);
    const pages = ['/', '/mempool', '/network', '/devnet', `/tx/${confirmedTxid}`, `/tx/${pendingTxid}`, `/block/${tx.status.block_hash}`, `/address/${payee}`, `/address/${target.minerAddress}`, '/search?q=nothing', '/no/such/page'];
    for (const viewport of [PHONE, { width: 1280, height: 900 }]) {
      const v = await openPage(browser, viewport);
      for (const path of pages) {
        await v.page.goto(target.baseUrl + path);
        await v.page.locator('main > *:not(.loading)').first().waitFor();
        // charts size themselves after layout: wait until each has drawn or said it cannot
        await v.page.waitForFunction(() => Array.from(document.querySelectorAll('figure.chart[data-points]')).every((f) => f.querySelector('canvas') || f.querySelector('p.muted:not([hidden])')));
        expect({ path, width: viewport.width, ...(await sidewaysScroll(v.page)) }).toEqual({ path, width: viewport.width, document: 0, elements: [] });
      }
      expect(v.problems()).toEqual([]);
      await v.page.context().close();
    }
  });

  test('no console errors on any page', () => {
    expect(w.problems()).toEqual([]);
    // the unknown searches above did reach the API and were answered "not found"
    expect(w.notFoundLookups.length).toBeGreaterThan(0);
  });

  test('when the node stops, a banner says the data is stale; when it is back, the page follows it again', async () => {
    const v = await openPage(browser, PHONE);
    await v.page.goto(`${target.baseUrl}/`);
    await v.page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    expect(await v.page.getByTestId('stale-banner').isVisible()).toBe(false);
    const height = Number(await v.page.getByTestId('tip-height').textContent());
    await target.stop();
    await v.page.getByTestId('stale-banner').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(v.page.getByTestId('stale-banner').textContent()).resolves.toMatch(/Lost the live connection to the node at .*: what this page shows may be stale\. Reconnecting…/);
    // the banner stays in view however far down the reader is
    await v.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    expect(await v.page.getByTestId('stale-banner').isVisible()).toBe(true);
    const box = (await v.page.getByTestId('stale-banner').boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(PHONE.height);
    await screenshot(v.page, 'stale-banner-phone');
    await target.start();
    await target.mine(1);
    // reconnecting backs off up to 10 s; then the banner goes and the page shows the new tip
    await v.page.getByTestId('stale-banner').waitFor({ state: 'hidden', timeout: 30_000 });
    await v.page.getByTestId('tip-height').filter({ hasText: String(height + 1) }).waitFor({ timeout: 10_000 });
    await v.page.context().close();
  });
});
