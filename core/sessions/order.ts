import { createRng, type Rng } from '../stats/random';

/**
 * Each reviewer's order through a session's items: deterministic from the session's seed, the
 * reviewer and the item kind (core/stats/random.ts), so the same session hands the same reviewer
 * the same sequence on every machine, and two reviewers get unrelated ones.
 *
 * 1. The first `goldFirst` gold items (in the reviewer's shuffled order of gold items).
 * 2. The other items, shuffled, with a gold item after each run of regular items so that gold is
 *    about `goldRate` of what follows (rate / (1 − rate) gold per regular item, carried over).
 * 3. Gold items left over go last.
 * 4. A `swapShare` of the pairwise items (a coin per item from its own stream, so changing the share
 *    keeps the order) is re-shown `swapGap` entries after its first showing (or last).
 */

export interface OrderItem {
  id: number;
  gold: boolean;
  /** May be re-shown with its sides swapped (pairwise comparison tasks). */
  swappable: boolean;
}

export interface OrderSettings {
  seed: number;
  reviewerId: number;
  kind: string;
  goldFirst: number;
  goldRate: number;
  swapShare: number;
}

export interface OrderEntry {
  id: number;
  /** The re-show of item `id` with sides swapped. */
  swap: boolean;
}

/** FNV-1a of a string to a 32-bit seed. */
function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** How many entries after its first showing a re-show comes: about a quarter of the queue, 2 to 20. */
export function swapGap(length: number): number {
  return Math.max(2, Math.min(20, Math.floor(length / 4)));
}

export function reviewerOrder(items: readonly OrderItem[], s: OrderSettings): OrderEntry[] {
  const key = `${s.seed}:${s.reviewerId}:${s.kind}`;
  const rng = createRng(seedOf(key));
  const byId = [...items].sort((a, b) => a.id - b.id);
  const gold = shuffle(byId.filter((i) => i.gold), rng);
  const regular = shuffle(byId.filter((i) => !i.gold), rng);

  const base: OrderItem[] = gold.splice(0, Math.min(s.goldFirst, gold.length));
  const perRegular = s.goldRate > 0 ? s.goldRate / (1 - s.goldRate) : 0;
  let credit = 0;
  for (const item of regular) {
    base.push(item);
    credit += perRegular;
    while (credit >= 1 - 1e-9 && gold.length > 0) {
      base.push(gold.shift()!);
      credit -= 1;
    }
  }
  base.push(...gold);

  const swapRng = createRng(seedOf(`${key}:swap`));
  const gap = swapGap(base.length);
  const reshowAfter = new Map<number, number[]>();
  base.forEach((item, index) => {
    if (!item.swappable) return;
    // One coin per swappable item whatever the share, so changing the share keeps the other coins.
    const coin = swapRng.next();
    if (coin >= s.swapShare) return;
    const at = Math.min(index + gap, base.length - 1);
    reshowAfter.set(at, [...(reshowAfter.get(at) ?? []), item.id]);
  });
  const out: OrderEntry[] = [];
  base.forEach((item, index) => {
    out.push({ id: item.id, swap: false });
    for (const id of reshowAfter.get(index) ?? []) out.push({ id, swap: true });
  });
  return out;
}
