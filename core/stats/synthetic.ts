/**
 * Synthetic pairwise comparisons from known Bradley–Terry strengths, for tests and benchmarks.
 *
 * Each comparison picks an ordered pair (left, right) uniformly among the N(N−1) ordered pairs of
 * distinct players; the outcome follows the model, P(left ≻ right) = σ(θ_left − θ_right). Ties are
 * drawn so the expected score (ties counting ½) is still that probability — the assumption under
 * which the half-credit fit is consistent: with p = σ(Δ) and t = min(tieRate, 2p, 2(1−p)),
 * P(tie) = t, P(left wins) = p − t/2, P(right wins) = 1 − p − t/2.
 */
import { createRng } from './random';

export interface SyntheticComparisons {
  left: Int32Array;
  right: Int32Array;
  /** Left's score: 1 (left won), 0 (right won), 0.5 (tie). */
  score: Float64Array;
}

export function simulateComparisons(
  strengths: readonly number[],
  count: number,
  options: { seed?: number; tieRate?: number } = {},
): SyntheticComparisons {
  const n = strengths.length;
  if (n < 2) throw new RangeError('need at least two players');
  const tieRate = options.tieRate ?? 0;
  if (!(tieRate >= 0 && tieRate <= 1)) throw new RangeError(`tieRate must be in [0, 1], got ${tieRate}`);
  const rng = createRng(options.seed ?? 1);
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  const score = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const i = Math.floor(rng.next() * n);
    let j = Math.floor(rng.next() * (n - 1));
    if (j >= i) j++;
    const p = 1 / (1 + Math.exp(strengths[j]! - strengths[i]!));
    const t = Math.min(tieRate, 2 * p, 2 * (1 - p));
    const u = rng.next();
    left[k] = i;
    right[k] = j;
    score[k] = u < t ? 0.5 : u < t + (p - t / 2) ? 1 : 0;
  }
  return { left, right, score };
}
