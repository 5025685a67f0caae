/**
 * Proportions with Wilson score intervals, and the position-bias figure built on them.
 *
 * Wilson (1927) interval for k successes in n trials at normal quantile z:
 *     (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n),   p̂ = k/n.
 * Unlike the Wald interval it stays inside [0, 1] and behaves at k = 0 or k = n
 * (Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 17, 1998).
 */

/** The two-sided 95% normal quantile, Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

export interface Proportion {
  /** k / n; null when n = 0. */
  value: number | null;
  low: number | null;
  high: number | null;
  successes: number;
  trials: number;
}

export function wilsonInterval(successes: number, trials: number, z = Z95): Proportion {
  if (!(trials >= 0) || !(successes >= 0) || successes > trials || !Number.isFinite(trials)) {
    throw new RangeError(`need 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return { value: null, low: null, high: null, successes, trials };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  // Clamp the rounding at the ends (the exact bounds are 0 at k = 0 and 1 at k = n).
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === trials ? 1 : Math.min(1, centre + half);
  return { value: p, low, high, successes, trials };
}

export interface PositionBias {
  /** Share of decided comparisons won by the left (first shown) side; null with none decided. */
  leftWinRate: number | null;
  /** Wilson 95% interval. An interval that excludes 0.5 is evidence of position bias. */
  low: number | null;
  high: number | null;
  /** Comparisons with a winner (ties and "both bad" are not decided). */
  decided: number;
  leftWins: number;
}

/**
 * Position bias: how often the side shown on the left wins when a comparison has a winner.
 * Sides are randomized, so without bias this is 0.5 whatever the models' strengths.
 */
export function positionBias(leftWins: number, rightWins: number, z = Z95): PositionBias {
  const w = wilsonInterval(leftWins, leftWins + rightWins, z);
  return { leftWinRate: w.value, low: w.low, high: w.high, decided: w.trials, leftWins };
}

export interface ProportionDifference {
  /** p̂₁ − p̂₂; null when either side has no trials. */
  value: number | null;
  low: number | null;
  high: number | null;
  a: Proportion;
  b: Proportion;
}

/**
 * The difference of two independent proportions, k₁/n₁ − k₂/n₂, with Newcombe's hybrid score
 * interval (R. G. Newcombe, "Interval estimation for the difference between independent
 * proportions: comparison of eleven methods", Stat. Med. 17, 1998, method 10): with (l_i, u_i)
 * each side's Wilson interval,
 *     L = δ − √((p̂₁ − l₁)² + (u₂ − p̂₂)²),   U = δ + √((u₁ − p̂₁)² + (p̂₂ − l₂)²).
 * It stays inside [−1, 1] and behaves at 0/n and n/n, where the Wald interval collapses. This is
 * the minimal-pair gap's interval (variant A's failure rate minus variant B's).
 */
export function newcombeDifference(successesA: number, trialsA: number, successesB: number, trialsB: number, z = Z95): ProportionDifference {
  const a = wilsonInterval(successesA, trialsA, z);
  const b = wilsonInterval(successesB, trialsB, z);
  if (a.value === null || b.value === null) return { value: null, low: null, high: null, a, b };
  const d = a.value - b.value;
  const low = d - Math.hypot(a.value - a.low!, b.high! - b.value);
  const high = d + Math.hypot(a.high! - a.value, b.value - b.low!);
  return { value: d, low: Math.max(-1, low), high: Math.min(1, high), a, b };
}

/** Width (high − low) of the Wilson interval at observed share `rate` over `trials` (trials may be fractional). */
export function wilsonWidth(rate: number, trials: number, z = Z95): number {
  if (trials <= 0) return 1;
  const z2 = z * z;
  return (2 * z * Math.sqrt(rate * (1 - rate) * trials + z2 / 4)) / (trials + z2);
}

/**
 * Trials needed for a Wilson interval no wider than `width` (high − low, e.g. 0.1 for ±5 points)
 * when the observed rate is `rate`: the least n with wilsonWidth(rate, n) ≤ width. The width falls
 * with n for every rate (d/dn ∝ z²(p(1−p)/2 − 1/4) − p(1−p)n/2 ≤ 0), so the answer is the larger
 * root of W²(n + z²)² = 4z²(p(1−p)n + z²/4), rounded up and checked against the width itself.
 * At p = ½ it is ⌈z²(1/W² − 1)⌉ (381 for ±5 points, where the Wald formula says 385). The interval
 * is drawn around the rate that will be observed, so a rate guessed too close to ½ errs safe.
 */
export function wilsonSampleSize(width: number, rate: number, z = Z95): number {
  if (!(width > 0 && width <= 1)) throw new RangeError(`width must be in (0, 1], got ${width}`);
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate must be in [0, 1], got ${rate}`);
  const z2 = z * z;
  const pq = rate * (1 - rate);
  const W2 = width * width;
  const b = 2 * W2 * z2 - 4 * z2 * pq;
  const c = W2 * z2 * z2 - z2 * z2;
  const root = (-b + Math.sqrt(Math.max(0, b * b - 4 * W2 * c))) / (2 * W2);
  let n = Math.max(1, Math.ceil(root - 1e-9));
  // The root is exact only up to rounding: settle on the least n that meets the width.
  while (wilsonWidth(rate, n, z) > width) n++;
  while (n > 1 && wilsonWidth(rate, n - 1, z) <= width) n--;
  return n;
}
