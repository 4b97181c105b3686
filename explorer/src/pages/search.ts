// /search?q=…: works out what was typed and goes to that page, replacing the search URL
// in history so the back button skips it. A 64-hex string is looked up as a block hash and
// as a txid at once (a block wins if both exist); only then could it be anything else.
// Anything unknown gets a "not found" panel.
import { ApiError } from '../api.js';
import { classifySearch } from '../search.js';
import { addressHref, blockHref, errorView, loading, notFoundView, type PageCtx, txHref } from './common.js';

export async function searchPage(ctx: PageCtx): Promise<void> {
  const q = ctx.query.get('q') ?? '';
  ctx.setTitle(`Search · Cairn`);
  const k = classifySearch(q);
  if (k.kind === 'invalid') {
    ctx.root.replaceChildren(notFoundView(k.reason));
    return;
  }
  ctx.root.append(loading());
  try {
    if (k.kind === 'height') {
      const hash = await ctx.api.blockHashAt(k.height);
      if (ctx.alive()) ctx.navigate(blockHref(hash), true);
    } else if (k.kind === 'address') {
      await ctx.api.address(k.address);
      if (ctx.alive()) ctx.navigate(addressHref(k.address), true);
    } else {
      const kind = await whichHash(ctx, k.hash);
      if (!ctx.alive()) return;
      if (kind) ctx.navigate(kind === 'tx' ? txHref(k.hash) : blockHref(k.hash), true);
      else ctx.root.replaceChildren(notFoundView(`No transaction or block with id ${k.hash} is known to this node.`));
    }
  } catch (e) {
    if (!ctx.alive()) return;
    const what =
      k.kind === 'height' ? `There is no block at height ${k.height} yet.` : k.kind === 'address' ? `${k.address} is not a valid address on this node's network.` : `Nothing found for ${q}.`;
    ctx.root.replaceChildren(errorView(e, what));
  }
}

async function whichHash(ctx: PageCtx, hash: string): Promise<'tx' | 'block' | null> {
  const [block, tx] = await Promise.allSettled([ctx.api.blockStatus(hash), ctx.api.txStatus(hash)]);
  if (block.status === 'fulfilled') return 'block';
  if (tx.status === 'fulfilled') return 'tx';
  for (const r of [block, tx]) if (!(r.reason instanceof ApiError && r.reason.notFound)) throw r.reason;
  return null;
}
