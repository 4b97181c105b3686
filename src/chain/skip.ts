// Skip pointers (Bitcoin Core's CBlockIndex::pskip): every entry links to one far
// ancestor so any ancestor is reached in O(log n) steps, even on long side branches.

function invertLowestOne(n: number): number {
  return n & (n - 1);
}

export function skipHeight(height: number): number {
  if (height < 2) return 0;
  return height & 1 ? invertLowestOne(invertLowestOne(height - 1)) + 1 : invertLowestOne(height);
}

export interface Skippable<T> {
  readonly height: number;
  readonly prev: T | null;
  skip: T | null;
}

export function ancestorOf<T extends Skippable<T>>(start: T, height: number): T | undefined {
  if (height > start.height || height < 0) return undefined;
  let walk: T = start;
  let h = start.height;
  while (h > height) {
    const hs = skipHeight(h);
    const hsPrev = skipHeight(h - 1);
    if (walk.skip && (hs === height || (hs > height && !(hsPrev < hs - 2 && hsPrev >= height)))) {
      walk = walk.skip;
      h = hs;
    } else {
      walk = walk.prev!;
      h--;
    }
  }
  return walk;
}
