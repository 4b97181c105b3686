// The explorer in a real browser (Debian's Chromium) against a node: every page shows the
// node's data, search reaches all four kinds and says "not found" for the rest, the home page
// and a tx page update live over the WebSocket, a reorg shows on the network page, and no
// console errors happen. Expected values come from the node's REST API (see harness.ts), so
// TARGET is any factory that keeps harness.ts's contract.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { LAPTOP, PHONE, launch, openPage, screenshot, type WatchedPage } from './browser.js';
import { buildExplorer, type ExplorerTarget, type TargetFactory } from './harness.js';
import { startRealTarget, testAddress } from './real-node.js';

// a real regtest cairnd (real-node.ts)
const TARGET: TargetFactory = startRealTarget;

let target: ExplorerTarget;
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

async function shots(name: string): Promise<void> {
  await screenshot(page, `${name}-laptop`);
  const phone = await openPage(browser, PHONE);
  await phone.page.goto(page.url());
  await phone.page.locator('main .card').first().waitFor();
  await phone.page.waitForTimeout(150);
  await screenshot(phone.page, `${name}-phone`);
  // the page must fit a phone: no horizontal scrolling of the whole document
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  expect(phone.problems()).toEqual([]);
  await phone.page.context().close();
}

beforeAll(async () => {
  const dir = buildExplorer();
  target = await TARGET(dir);
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
    await expect(page.getByTestId('next-block').textContent()).resolves.toMatch(/sat\/vB/);
    await expect(page.getByTestId('latest-txs').textContent()).resolves.toContain(pendingTxid.slice(0, 10));
    const mp = await api<{ count: number }>('/api/mempool');
    await expect(page.getByTestId('mempool-count').textContent()).resolves.toMatch(new RegExp(`^${mp.count} txs`));
    expect(await page.locator('[data-testid=chart-intervals] svg rect.bar').count()).toBeGreaterThan(3);
    // regtest mines blocks within a second of each other: the axis must not repeat a label
    const axis = await page.locator('[data-testid=chart-intervals] svg text.axis').allTextContents();
    expect(new Set(axis).size).toBe(axis.length);
    // hashes behind a regtest block come from its nBits (about 2), not Bitcoin's difficulty × 2^32
    await expect(page.getByTestId('hashrate').textContent()).resolves.toMatch(/^(–|\d+(\.\d+)? H\/s)$/);
    expect(await page.locator('[data-testid=chart-difficulty] svg path.line').count()).toBe(1);
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
    expect(await page.locator('[data-testid=fee-histogram] rect.bar').count()).toBeGreaterThan(0);
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

  test('no console errors on any page', () => {
    expect(w.problems()).toEqual([]);
    // the unknown searches above did reach the API and were answered "not found"
    expect(w.notFoundLookups.length).toBeGreaterThan(0);
  });
});
