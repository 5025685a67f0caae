/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, ties given their average
 * rank. Used to check that a fit recovers a known order.
 */

/** Ranks 1..n, ties sharing their average rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, k) => [v, k] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]![0] === order[s]![0]) e++;
    const rank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) out[order[k]![1]] = rank;
    s = e + 1;
  }
  return out;
}

/** Spearman's ρ of two equally long series; NaN when either is constant or shorter than 2. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`series differ in length: ${x.length} vs ${y.length}`);
  const n = x.length;
  if (n < 2) return Number.NaN;
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = rx[k]! - mean;
    const dy = ry[k]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
