import { describe, expect, it } from 'vitest';
import {
  PairTally,
  binomial,
  Coincidences,
  bootstrapBradleyTerry,
  cohensKappa,
  cohensKappaFromTable,
  createRng,
  fitBradleyTerry,
  krippendorffAlpha,
  median,
  multinomial,
  newcombeDifference,
  pairTables,
  positionBias,
  simulateComparisons,
  spearman,
  toRating,
  wilsonInterval,
  wilsonSampleSize,
  wilsonWidth,
  winProbability,
  type PairCount,
} from '../core/stats';

/** Synthetic comparisons from known strengths, aggregated. */
function synthetic(theta: number[], count: number, seed: number, tieRate = 0): PairCount[] {
  const sim = simulateComparisons(theta, count, { seed, tieRate });
  const tally = new PairTally(theta.length);
  for (let k = 0; k < count; k++) tally.add(sim.left[k]!, sim.right[k]!, sim.score[k]!);
  return tally.pairs();
}

const centre = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.map((x) => x - mean);
};

describe('random', () => {
  it('is reproducible for a seed, differs across seeds, and stays in [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
    // Large seeds use their high bits too.
    expect(createRng(2 ** 40).next()).not.toBe(createRng(0).next());
  });

  it('draws binomials with the right mean and variance in every regime', () => {
    const rng = createRng(7);
    // [n, p]: small mean (inversion), large mean (BTRS), p > ½ (mirrored), huge n with tiny p.
    for (const [n, p] of [[40, 0.1], [1_000_000, 0.3], [1000, 0.9], [30, 0.5], [1_000_000, 2e-6]] as const) {
      const R = 40_000;
      let s = 0;
      let s2 = 0;
      let bad = 0;
      for (let r = 0; r < R; r++) {
        const x = binomial(rng, n, p);
        if (!(Number.isInteger(x) && x >= 0 && x <= n)) bad++;
        s += x;
        s2 += x * x;
      }
      expect(bad).toBe(0);
      const mean = s / R;
      const variance = s2 / R - mean * mean;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(R));
      expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.95);
      expect(variance / (n * p * (1 - p))).toBeLessThan(1.05);
    }
    expect(binomial(rng, 10, 0)).toBe(0);
    expect(binomial(rng, 10, 1)).toBe(10);
  });

  it('BTRS binomial draws follow the exact pmf (chi-square)', () => {
    const n = 200;
    const p = 0.35; // n·p = 70: the BTRS branch
    const pmf: number[] = [Math.pow(1 - p, n)];
    for (let k = 1; k <= n; k++) pmf.push((pmf[k - 1]! * (n - k + 1) * p) / (k * (1 - p)));
    const R = 100_000;
    const seen = new Array<number>(n + 1).fill(0);
    const rng = createRng(11);
    for (let r = 0; r < R; r++) seen[binomial(rng, n, p)]! += 1;
    // Bins with an expected count ≥ 20; the tails pooled.
    let chi2 = 0;
    let bins = 0;
    let tailSeen = 0;
    let tailExpected = 0;
    for (let k = 0; k <= n; k++) {
      const e = pmf[k]! * R;
      if (e >= 20) {
        chi2 += (seen[k]! - e) ** 2 / e;
        bins++;
      } else {
        tailSeen += seen[k]!;
        tailExpected += e;
      }
    }
    chi2 += (tailSeen - tailExpected) ** 2 / tailExpected;
    bins++;
    // 99.9% point of χ² with 40 degrees of freedom is 73.4; here df = bins − 1 ≈ 40.
    expect(bins).toBeGreaterThan(30);
    expect(chi2).toBeLessThan(73.4);
  });

  it('multinomial draws keep the total and the cell proportions', () => {
    const rng = createRng(3);
    const weights = [500, 0, 300, 150, 50];
    const sums = new Array<number>(weights.length).fill(0);
    const R = 2000;
    for (let r = 0; r < R; r++) {
      const x = multinomial(rng, 1000, weights);
      expect(x.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(x[1]).toBe(0);
      x.forEach((v, k) => (sums[k]! += v));
    }
    const shares = sums.map((s) => s / (R * 1000));
    expect(shares[0]).toBeCloseTo(0.5, 2);
    expect(shares[2]).toBeCloseTo(0.3, 2);
    expect(shares[3]).toBeCloseTo(0.15, 2);
    expect(shares[4]).toBeCloseTo(0.05, 2);
  });
});

describe('Bradley–Terry fit', () => {
  const theta8 = centre([-1.4, -1, -0.6, -0.2, 0.2, 0.6, 1, 1.4]);

  it('recovers the order of known strengths (Spearman ≈ 1) across seeds, ties included', () => {
    const rhos: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const fit = fitBradleyTerry(8, synthetic(theta8, 6000, seed, 0.15));
      expect(fit.converged).toBe(true);
      rhos.push(spearman(theta8, fit.strengths));
      const maxError = Math.max(...fit.strengths.map((s, k) => Math.abs(s - theta8[k]!)));
      expect(maxError).toBeLessThan(0.25);
    }
    expect(Math.min(...rhos)).toBeGreaterThanOrEqual(0.95);
    expect(rhos.reduce((a, b) => a + b, 0) / rhos.length).toBeGreaterThan(0.99);
  });

  it('matches the closed form for two players: θ_i − θ_j = log(wins_i / wins_j), ties as halves', () => {
    const pairs: PairCount[] = [{ i: 0, j: 1, winsI: 30, winsJ: 10, ties: 6 }];
    const expected = Math.log((30 + 3) / (10 + 3));
    for (const method of ['newton', 'mm'] as const) {
      const fit = fitBradleyTerry(2, pairs, { prior: 0, method });
      expect(fit.converged).toBe(true);
      expect(fit.strengths[0]! - fit.strengths[1]!).toBeCloseTo(expected, 9);
      expect(fit.strengths[0]! + fit.strengths[1]!).toBeCloseTo(0, 12); // mean 0
      expect(winProbability(fit.strengths[0]!, fit.strengths[1]!)).toBeCloseTo(33 / 46, 9);
    }
    // Listing the pair the other way round changes nothing.
    const swapped = fitBradleyTerry(2, [{ i: 1, j: 0, winsI: 10, winsJ: 30, ties: 6 }], { prior: 0 });
    expect(swapped.strengths[0]! - swapped.strengths[1]!).toBeCloseTo(expected, 9);
    // The default prior shrinks the gap a little, towards 0, never past it.
    const shrunk = fitBradleyTerry(2, pairs);
    const gap = shrunk.strengths[0]! - shrunk.strengths[1]!;
    expect(gap).toBeGreaterThan(0.9 * expected);
    expect(gap).toBeLessThan(expected);
  });

  it('depends only on the aggregated counts', () => {
    // One comparison at a time, sides in both orders, equals the aggregated rows.
    const rows: PairCount[] = [
      { i: 0, j: 1, winsI: 5, winsJ: 2, ties: 1 },
      { i: 0, j: 2, winsI: 6, winsJ: 1, ties: 2 },
      { i: 1, j: 2, winsI: 4, winsJ: 3, ties: 0 },
    ];
    const tally = new PairTally(3);
    for (const r of rows) {
      for (let k = 0; k < r.winsI; k++) {
        if (k % 2) tally.add(r.i, r.j, 1);
        else tally.add(r.j, r.i, 0);
      }
      for (let k = 0; k < r.winsJ; k++) {
        if (k % 2) tally.add(r.i, r.j, 0);
        else tally.add(r.j, r.i, 1);
      }
      for (let k = 0; k < r.ties; k++) tally.add(k % 2 ? r.i : r.j, k % 2 ? r.j : r.i, 0.5);
    }
    expect(tally.pairs()).toEqual(rows);
    expect(tally.comparisons).toBe(24);
    // Above 1,024 players the tally is sparse (a Map); same rows.
    const big = new PairTally(5000);
    for (const r of rows) {
      big.add(4000 + r.j, 4000 + r.i, 1, r.winsJ);
      big.add(4000 + r.i, 4000 + r.j, 1, r.winsI);
      big.add(4000 + r.j, 4000 + r.i, 0.5, r.ties);
    }
    big.add(1, 2, 1, 0); // a zero count leaves no row
    expect(big.pairs()).toEqual(rows.map((r) => ({ ...r, i: 4000 + r.i, j: 4000 + r.j })));
    // Without a prior the MLE is invariant to multiplying every count: the fit sees proportions.
    const once = fitBradleyTerry(3, rows, { prior: 0 });
    const tenfold = fitBradleyTerry(3, rows.map((r) => ({ ...r, winsI: 10 * r.winsI, winsJ: 10 * r.winsJ, ties: 10 * r.ties })), { prior: 0 });
    once.strengths.forEach((s, k) => expect(tenfold.strengths[k]).toBeCloseTo(s, 9));
    expect(tenfold.comparisons).toBe(240);
    expect(tenfold.games).toEqual([170, 150, 160]);
  });

  it('Newton and MM reach the same optimum on a sparse design', () => {
    const theta = centre(Array.from({ length: 12 }, (_, k) => (k - 6) * 0.3));
    const all = synthetic(theta, 3000, 5, 0.1);
    const sparse = all.filter((_, k) => k % 3 !== 0); // drop a third of the pairs
    for (const prior of [0, 1]) {
      const newton = fitBradleyTerry(12, sparse, { method: 'newton', prior });
      const mm = fitBradleyTerry(12, sparse, { method: 'mm', prior });
      expect(newton.converged && mm.converged).toBe(true);
      expect(newton.iterations).toBeLessThan(15);
      newton.strengths.forEach((s, k) => expect(mm.strengths[k]).toBeCloseTo(s, 6));
      expect(mm.logLikelihood).toBeCloseTo(newton.logLikelihood, 6);
    }
  });

  it('keeps a player who never loses finite and first with the prior; refuses without one', () => {
    const pairs: PairCount[] = [
      { i: 0, j: 1, winsI: 8, winsJ: 0, ties: 0 }, // 0 never loses
      { i: 0, j: 2, winsI: 5, winsJ: 0, ties: 0 },
      { i: 1, j: 2, winsI: 6, winsJ: 4, ties: 1 },
    ];
    const fit = fitBradleyTerry(3, pairs);
    expect(fit.converged).toBe(true);
    expect(fit.strengths.every(Number.isFinite)).toBe(true);
    expect(fit.strengths[0]).toBeGreaterThan(fit.strengths[1]!);
    expect(fit.strengths[1]).toBeGreaterThan(fit.strengths[2]!);
    // About log(2k/prior) above the others (k = 13 wins): large but bounded.
    expect(fit.strengths[0]! - fit.strengths[1]!).toBeGreaterThan(1.5);
    expect(fit.strengths[0]! - fit.strengths[1]!).toBeLessThan(Math.log(2 * 13) + 1);
    // A weaker prior lets it run further away, still finite.
    const weak = fitBradleyTerry(3, pairs, { prior: 0.01 });
    expect(weak.strengths[0]! - weak.strengths[1]!).toBeGreaterThan(fit.strengths[0]! - fit.strengths[1]!);
    expect(Number.isFinite(weak.strengths[0])).toBe(true);
    expect(() => fitBradleyTerry(3, pairs, { prior: 0 })).toThrow(/does not exist/);
  });

  it('fits disconnected groups and players without comparisons', () => {
    const pairs: PairCount[] = [
      { i: 0, j: 1, winsI: 30, winsJ: 10, ties: 0 },
      { i: 2, j: 3, winsI: 10, winsJ: 30, ties: 0 },
    ]; // {0,1} and {2,3} never met; 4 never played
    const fit = fitBradleyTerry(5, pairs);
    expect(fit.strengths.every(Number.isFinite)).toBe(true);
    expect(fit.strengths[0]).toBeGreaterThan(fit.strengths[1]!);
    expect(fit.strengths[3]).toBeGreaterThan(fit.strengths[2]!);
    // Symmetric data: each group sits around the reference, mirrored.
    expect(fit.strengths[0]).toBeCloseTo(fit.strengths[3]!, 9);
    expect(fit.strengths[1]).toBeCloseTo(fit.strengths[2]!, 9);
    expect(fit.games).toEqual([40, 40, 40, 40, 0]);
    expect(() => fitBradleyTerry(5, pairs, { prior: 0 })).toThrow(/player 4 has no comparisons/);
    expect(() => fitBradleyTerry(4, pairs, { prior: 0 })).toThrow(/disconnected/);
  });

  it('centres log-strengths at mean 0 and reports the Elo-like rating 1000 + 400·log10(π)', () => {
    const fit = fitBradleyTerry(8, synthetic(theta8, 4000, 9));
    expect(fit.strengths.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
    expect(fit.ratings.reduce((a, b) => a + b, 0) / 8).toBeCloseTo(1000, 8);
    fit.strengths.forEach((s, k) => expect(fit.ratings[k]).toBeCloseTo(1000 + 400 * Math.log10(Math.exp(s)), 8));
    // 400 rating points = 10:1 odds.
    const theta400 = Math.LN10; // 400 points above 0
    expect(toRating(theta400) - toRating(0)).toBeCloseTo(400, 9);
    expect(winProbability(theta400, 0)).toBeCloseTo(10 / 11, 12);
  });

  it('rejects invalid input', () => {
    expect(() => fitBradleyTerry(2, [{ i: 0, j: 0, winsI: 1, winsJ: 0, ties: 0 }])).toThrow(RangeError);
    expect(() => fitBradleyTerry(2, [{ i: 0, j: 2, winsI: 1, winsJ: 0, ties: 0 }])).toThrow(RangeError);
    expect(() => fitBradleyTerry(2, [{ i: 0, j: 1, winsI: -1, winsJ: 0, ties: 0 }])).toThrow(RangeError);
    expect(() => fitBradleyTerry(2, [{ i: 0, j: 1, winsI: 1, winsJ: 1, ties: 0 }], { prior: -1 })).toThrow(RangeError);
    const tally = new PairTally(2);
    expect(() => tally.add(0, 1, 0.7)).toThrow(RangeError);
    expect(() => tally.add(0, 0, 1)).toThrow(RangeError);
    expect(() => tally.add(0, 5, 1)).toThrow(RangeError);
  });
});

describe('Bradley–Terry bootstrap', () => {
  const theta6 = centre([-1.1, -0.5, -0.2, 0.15, 0.55, 1.1]);

  it('95% intervals cover the true strengths in most (seed, player) cases', () => {
    let covered = 0;
    let cases = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const boot = bootstrapBradleyTerry(6, synthetic(theta6, 3000, 100 + seed, 0.1), { seed });
      expect(boot.samples).toBe(200);
      for (let p = 0; p < 6; p++) {
        expect(boot.low[p]).toBeLessThan(boot.high[p]!);
        expect(boot.low[p]).toBeLessThanOrEqual(boot.fit.strengths[p]!);
        expect(boot.high[p]).toBeGreaterThanOrEqual(boot.fit.strengths[p]!);
        cases++;
        if (boot.low[p]! <= theta6[p]! && theta6[p]! <= boot.high[p]!) covered++;
      }
    }
    expect(covered / cases).toBeGreaterThanOrEqual(0.8);
  });

  it('is reproducible for a seed and narrows with more data', () => {
    const pairs = synthetic(theta6, 2000, 1);
    const a = bootstrapBradleyTerry(6, pairs, { seed: 5, samples: 100 });
    const b = bootstrapBradleyTerry(6, pairs, { seed: 5, samples: 100 });
    const c = bootstrapBradleyTerry(6, pairs, { seed: 6, samples: 100 });
    expect(b.low).toEqual(a.low);
    expect(b.high).toEqual(a.high);
    expect(c.low).not.toEqual(a.low);
    a.ratingLow.forEach((r, k) => expect(r).toBeCloseTo(toRating(a.low[k]!), 9));

    // Ten times the comparisons: intervals about √10 ≈ 3.2 times narrower.
    const big = bootstrapBradleyTerry(6, synthetic(theta6, 20_000, 1), { seed: 5, samples: 100 });
    const width = (x: typeof a) => x.high.reduce((s, h, k) => s + h - x.low[k]!, 0) / 6;
    const ratio = width(a) / width(big);
    expect(ratio).toBeGreaterThan(2.4);
    expect(ratio).toBeLessThan(4.2);
  });

  it('without a prior, counts the resamples that have no finite MLE and leaves them out', () => {
    // Player 0 lost exactly once: about e⁻¹ of the resamples drop that loss.
    const pairs: PairCount[] = [
      { i: 0, j: 1, winsI: 20, winsJ: 1, ties: 0 },
      { i: 1, j: 2, winsI: 10, winsJ: 10, ties: 0 },
      { i: 0, j: 2, winsI: 15, winsJ: 0, ties: 0 },
    ];
    const boot = bootstrapBradleyTerry(3, pairs, { prior: 0, samples: 200, seed: 3 });
    expect(boot.skipped).toBeGreaterThan(40);
    expect(boot.skipped).toBeLessThan(110);
    expect(boot.samples + boot.skipped).toBe(200);
    expect(bootstrapBradleyTerry(3, pairs, { samples: 200, seed: 3 }).skipped).toBe(0);
    expect(() => bootstrapBradleyTerry(3, [{ i: 0, j: 1, winsI: 1.5, winsJ: 1, ties: 0 }])).toThrow(/integers/);
  });
});

describe('win-rate matrix and counts', () => {
  it('tabulates each pair, ties counting half', () => {
    const t = pairTables(3, [
      { i: 0, j: 1, winsI: 6, winsJ: 2, ties: 2 },
      { i: 2, j: 0, winsI: 1, winsJ: 3, ties: 0 },
    ]);
    expect(t.counts).toEqual([
      [0, 10, 4],
      [10, 0, 0],
      [4, 0, 0],
    ]);
    expect(t.winRate[0]![1]).toBeCloseTo(0.7, 12);
    expect(t.winRate[1]![0]).toBeCloseTo(0.3, 12);
    expect(t.winRate[0]![2]).toBeCloseTo(0.75, 12);
    expect(t.winRate[2]![0]).toBeCloseTo(0.25, 12);
    expect(t.winRate[1]![2]).toBeNull(); // never compared
    expect(t.winRate[0]![0]).toBeNull();
    expect(t.wins[0]![2]).toBe(3);
    expect(t.ties[1]![0]).toBe(2);
    expect(t.games).toEqual([14, 10, 4]);
  });
});

describe('Wilson interval and position bias', () => {
  it('reproduces the Wilson (score) intervals of Newcombe (1998), Table I', () => {
    // R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
    // seven methods", Statistics in Medicine 17 (1998) 857–872, Table I, method 3 (score).
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [k, n, lo, hi] of cases) {
      const w = wilsonInterval(k, n);
      expect(w.low).toBeCloseTo(lo, 4);
      expect(w.high).toBeCloseTo(hi, 4);
      expect(w.value).toBe(k / n);
    }
  });

  it('behaves at the edges', () => {
    expect(wilsonInterval(0, 0)).toMatchObject({ value: null, low: null, high: null });
    const all = wilsonInterval(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(10 / (10 + 1.959963984540054 ** 2), 12); // n/(n+z²)
    const half = wilsonInterval(50, 100);
    expect(half.low! + half.high!).toBeCloseTo(1, 12); // symmetric around ½
    expect(wilsonInterval(500, 1000).high! - wilsonInterval(500, 1000).low!).toBeLessThan(half.high! - half.low!);
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
  });

  it('position bias: left wins among decided comparisons, with its interval', () => {
    const fair = positionBias(480, 520);
    expect(fair).toMatchObject({ leftWinRate: 0.48, decided: 1000, leftWins: 480 });
    expect(fair.low!).toBeLessThan(0.5);
    expect(fair.high!).toBeGreaterThan(0.5);
    const biased = positionBias(600, 400);
    expect(biased.low!).toBeGreaterThan(0.5); // the interval excludes ½
    expect(positionBias(0, 0)).toMatchObject({ leftWinRate: null, low: null, high: null, decided: 0 });
  });
});

describe('Wilson interval: definition, difference of two proportions, sample size', () => {
  it('is the score-test inversion: at each bound |p̂ − p| = z·√(p(1−p)/n)', () => {
    // Wilson (1927): the interval is every p the score test does not reject; at a bound it is met exactly.
    for (const [k, n] of [[81, 263], [15, 148], [1, 29], [7, 9], [50, 100], [999, 1000]] as const) {
      const w = wilsonInterval(k, n);
      for (const p of [w.low!, w.high!]) expect(Math.abs(k / n - p)).toBeCloseTo(1.959963984540054 * Math.sqrt((p * (1 - p)) / n), 12);
      expect(wilsonWidth(k / n, n)).toBeCloseTo(w.high! - w.low!, 12);
    }
  });

  it("reproduces Newcombe's hybrid score interval (1998, Table II, method 10) for a difference of proportions", () => {
    // R. G. Newcombe, "Interval estimation for the difference between independent proportions:
    // comparison of eleven methods", Stat. Med. 17 (1998) 873–890, Table II, method 10. (a) and (b)
    // are also the values propint's tests assert; (c) is worked by hand from the two Wilson intervals
    // (6/7: 0.48687–0.97432, 2/7: 0.08222–0.64107).
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [6, 7, 2, 7, 0.0582, 0.8062],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
      [0, 10, 0, 10, -0.2775, 0.2775],
      [10, 10, 0, 20, 0.6791, 1],
      [10, 10, 0, 10, 0.6075, 1],
    ];
    for (const [k1, n1, k2, n2, lo, hi] of cases) {
      const d = newcombeDifference(k1, n1, k2, n2);
      expect(d.value).toBeCloseTo(k1 / n1 - k2 / n2, 12);
      expect(d.low).toBeCloseTo(lo, 4);
      expect(d.high).toBeCloseTo(hi, 4);
      expect(d.a).toMatchObject({ successes: k1, trials: n1 });
      // Swapping the sides mirrors the interval.
      const m = newcombeDifference(k2, n2, k1, n1);
      expect(m.low).toBeCloseTo(-d.high!, 12);
      expect(m.high).toBeCloseTo(-d.low!, 12);
    }
    expect(newcombeDifference(3, 10, 0, 0)).toMatchObject({ value: null, low: null, high: null });
    expect(() => newcombeDifference(11, 10, 0, 5)).toThrow(RangeError);
  });

  it('sample size: the least n whose Wilson interval at the rate is no wider than asked', () => {
    // At p = ½ the width equation solves to n = z²(1/W² − 1): 380.3 → 381 for ±5 points (Wald: 385).
    expect(wilsonSampleSize(0.1, 0.5)).toBe(381);
    expect(wilsonSampleSize(0.02, 0.5)).toBe(Math.ceil(1.959963984540054 ** 2 * (1 / 0.02 ** 2 - 1)));
    // p = 0: the width is z²/(n + z²), so n = z²(1/W − 1): 34.6 → 35 for W = 0.1.
    expect(wilsonSampleSize(0.1, 0)).toBe(35);
    for (const [w, p] of [[0.1, 0.1], [0.2, 0.3], [0.05, 0.02], [0.3, 0.9], [0.01, 0.5], [1, 0.5]] as const) {
      const n = wilsonSampleSize(w, p);
      expect(wilsonWidth(p, n)).toBeLessThanOrEqual(w);
      if (n > 1) expect(wilsonWidth(p, n - 1)).toBeGreaterThan(w);
      expect(wilsonSampleSize(w, 1 - p)).toBe(n); // symmetric in p ↔ 1 − p
    }
    expect(() => wilsonSampleSize(0, 0.5)).toThrow(/width/);
    expect(() => wilsonSampleSize(0.1, 1.5)).toThrow(/rate/);
  });

  it('median', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("Cohen's κ", () => {
  it('reproduces the worked example in Wikipedia\'s "Cohen\'s kappa" article: κ = 0.4', () => {
    // 50 grant proposals, readers A and B: yes/yes 20, A yes B no 5, A no B yes 10, no/no 15.
    // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    const items: [string, string][] = [
      ...Array<[string, string]>(20).fill(['yes', 'yes']),
      ...Array<[string, string]>(5).fill(['yes', 'no']),
      ...Array<[string, string]>(10).fill(['no', 'yes']),
      ...Array<[string, string]>(15).fill(['no', 'no']),
    ];
    const k = cohensKappa(items);
    expect(k.value).toBeCloseTo(0.4, 12);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.expected).toBeCloseTo(0.5, 12);
    expect(k.items).toBe(50);
    expect(k.method).toBe("Cohen's κ (2 raters, nominal)");
    expect(cohensKappaFromTable([[20, 5], [10, 15]]).value).toBeCloseTo(0.4, 12);
    expect(cohensKappa(items, { noun: 'reviewers' }).method).toBe("Cohen's κ (2 reviewers, nominal)");
  });

  it('separates equal raw agreement by chance agreement, and handles the edges', () => {
    // Both tables agree on 60 of 100 items; by hand: p_e = .6·.7 + .4·.3 = .54 → κ = .06/.46,
    // and p_e = .6·.3 + .4·.7 = .46 → κ = .14/.54.
    expect(cohensKappaFromTable([[45, 15], [25, 15]]).value).toBeCloseTo(0.06 / 0.46, 12);
    expect(cohensKappaFromTable([[25, 35], [5, 35]]).value).toBeCloseTo(0.14 / 0.54, 12);
    expect(cohensKappa([['a', 'a'], ['b', 'b'], ['c', 'c']]).value).toBe(1);
    // Missing sides are skipped; everything in one category leaves κ undefined.
    const same = cohensKappa([['x', 'x'], ['x', 'x'], ['x', null]]);
    expect(same).toMatchObject({ value: null, items: 2 });
    expect(cohensKappa([])).toMatchObject({ value: null, items: 0 });
  });
});

describe("Krippendorff's α", () => {
  // K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C, "nominal data,
  // any number of observers, missing data": 4 observers × 12 units; "." = missing. The paper gives
  // nominal α = 0.743 (exactly 113/152 = 0.74342 from its coincidence matrix, n = 40 values).
  // The same data are irr::kripp.alpha's "C" example; its ordinal α = 0.815 is the value asserted
  // by fast-krippendorff's tests (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py).
  const byObserver = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
    [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
  ];
  const units = byObserver[0]!.map((_, u) => byObserver.map((row) => row[u]!));

  it('reproduces the 2011 worked example: nominal α = 0.743 with missing data', () => {
    const a = krippendorffAlpha(units);
    expect(a.value).toBeCloseTo(113 / 152, 12);
    expect(a.value!.toFixed(3)).toBe('0.743');
    expect(a.items).toBe(11); // unit 12 has one value: not pairable
    expect(a.values).toBe(40);
    expect(a.method).toBe("Krippendorff's α (4 raters, nominal)");
  });

  it('ordinal α on the same data = 0.815', () => {
    const a = krippendorffAlpha(units, { level: 'ordinal' });
    expect(a.value!.toFixed(3)).toBe('0.815');
    expect(a.method).toBe("Krippendorff's α (4 raters, ordinal)");
    // Category labels with an explicit order give the same value.
    const names = ['very low', 'low', 'mid', 'high', 'very high'];
    const named = units.map((u) => u.map((v) => (v === null ? null : names[v - 1]!)));
    expect(krippendorffAlpha(named, { level: 'ordinal', order: names }).value).toBeCloseTo(a.value!, 12);
    expect(() => krippendorffAlpha(named, { level: 'ordinal' })).toThrow(/order/);
  });

  it("reproduces Wikipedia's computational example: 3 coders × 15 units, nominal α = 0.691", () => {
    // Wikipedia, "Krippendorff's alpha", section "A computational example" (α = 0.691; 56/81
    // exactly, the value fast-krippendorff's tests assert as 0.691358).
    const coders = [
      [null, null, null, null, null, 3, 4, 1, 2, 1, 1, 3, 3, null, 3],
      [1, null, 2, 1, 3, 3, 4, 3, null, null, null, null, null, null, null],
      [null, null, 2, 1, 3, 4, 4, null, 2, 1, 1, 3, 3, null, 4],
    ];
    const u = coders[0]!.map((_, k) => coders.map((row) => row[k]!));
    const a = krippendorffAlpha(u, { noun: 'reviewers' });
    expect(a.value).toBeCloseTo(56 / 81, 12);
    expect(a.method).toBe("Krippendorff's α (3 reviewers, nominal)");
  });

  it('Coincidences, one unit at a time, gives krippendorffAlpha over the list, and the all-agreed share', () => {
    const c = new Coincidences();
    for (const u of units) c.addUnit(u);
    expect(c.alpha()).toEqual(krippendorffAlpha(units));
    expect(c.items).toBe(11);
    // Units 1, 3, 4, 5, 7, 9, 10, 11 have every value equal (unit 11: two 1s; unit 12 has one value).
    expect(c.unanimous).toBe(8);
    expect(c.unanimousShare()).toBeCloseTo(8 / 11, 12);
    const ord = new Coincidences('ordinal', [1, 2, 3, 4, 5]);
    for (const u of units) ord.addUnit(u);
    expect(ord.alpha().value).toBeCloseTo(krippendorffAlpha(units, { level: 'ordinal' }).value!, 12);
    expect(() => ord.addUnit([6, 1])).toThrow(/not in order/);
    expect(new Coincidences().unanimousShare()).toBeNull();
  });

  it('is 1 for perfect agreement and undefined without variation or pairable units', () => {
    expect(krippendorffAlpha([[1, 1, null], [2, 2, 2], [3, 3]]).value).toBe(1);
    expect(krippendorffAlpha([['a', 'a'], ['a', 'a', 'a']]).value).toBeNull();
    expect(krippendorffAlpha([[1], [2, null]])).toMatchObject({ value: null, items: 0 });
  });
});
