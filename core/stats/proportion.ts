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
