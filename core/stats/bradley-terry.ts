/**
 * Bradley–Terry strengths by maximum likelihood, with bootstrap confidence intervals.
 *
 * Model: player i beats player j with probability P(i ≻ j) = σ(θ_i − θ_j) = π_i / (π_i + π_j),
 * where θ_i = log π_i is the log-strength. A tie counts half a win to each side: the fit maximizes
 *
 *     ℓ(θ) = Σ_{pairs} s_ij · log σ(θ_i − θ_j) + s_ji · log σ(θ_j − θ_i)
 *
 * with s_ij = wins_i + ties/2 (i's score against j). With ties this is a quasi-likelihood; its
 * estimating equations are unbiased whenever a comparison's expected score is σ(θ_i − θ_j).
 *
 * Input is aggregated: one row per pair with wins_i, wins_j and ties (`PairCount`, built with
 * `PairTally`), so the cost of a fit depends on the number of pairs, not on the number of
 * comparisons. A million comparisons among 50 models is 1,225 rows.
 *
 * Identifiability and scale: θ is only defined up to a shift. Every result is centred so that the
 * **mean log-strength over all N players is 0**. For display, `rating = 1000 + 400·log10(π)`
 * = 1000 + 400·θ/ln 10 (Elo-like: a 400-point gap is 10:1 odds, and
 * P(i ≻ j) = 1 / (1 + 10^((R_j − R_i)/400))); the mean rating is 1000.
 *
 * The prior (players who never lose, disconnected players): the plain maximum-likelihood estimate
 * exists only when, for every split of the players into two groups, someone in each group has
 * scored (won or tied) against the other group (Zermelo's condition; Hunter 2004, assumption 1).
 * A player who never loses would otherwise get θ = +∞, and two groups never compared would have
 * no relative position. So by default each player is credited with `prior` = 1 virtual game
 * against a reference player fixed at θ = 0, counted as a tie (½ win, ½ loss). Its log-density
 * (prior/2)·(log σ(θ) + log σ(−θ)) is a weak ridge: near 0 it is a Gaussian with variance
 * 4/prior (sd 2 log-units ≈ 350 rating points for prior = 1), and far from 0 it grows only
 * linearly, so data dominate quickly. A player who beat opponents k times and never lost ends
 * about log(2k/prior) above them: finite, ranked first, with a wide bootstrap interval. Groups
 * never compared are each centred on the reference. A player with no comparisons sits at the
 * reference (its `games` is 0; callers usually leave such players out). With `prior: 0` the fit
 * is the plain MLE and throws a RangeError when it does not exist.
 *
 * Algorithms: Newton–Raphson on θ with a backtracking line search (ℓ is concave, strictly so with
 * the prior; without it the step fixes the gauge by adding 11ᵀ to the Hessian), quadratic
 * convergence in a handful of iterations; or Hunter's (2004) MM iteration
 *     π_i ← (W_i + prior/2) / (Σ_j n_ij/(π_i + π_j) + prior/(π_i + 1)),
 * monotone and O(pairs) per iteration, used for large N where an N×N solve is too costly.
 * Both stop when no log-strength moves by more than `tolerance`, or after `maxIterations`.
 * (D. R. Hunter, "MM algorithms for generalized Bradley–Terry models", Ann. Statist. 32, 2004.)
 *
 * Bootstrap: resampling M comparisons with replacement is a multinomial draw of M over the
 * aggregated cells (pair × {i wins, j wins, tie}) with probabilities count/M, the same thing in
 * O(cells). Each resample is refitted (warm-started at the estimate) and centred; the interval is
 * the percentile interval of the B refits (quantiles interpolated linearly, "type 7").
 */
import { createRng, multinomial } from './random';

/** Aggregated outcomes of one pair of players. Order does not matter: (i, j) = (j, i) swapped. */
export interface PairCount {
  i: number;
  j: number;
  /** Comparisons i won. */
  winsI: number;
  /** Comparisons j won. */
  winsJ: number;
  ties: number;
}

export type BradleyTerryMethod = 'newton' | 'mm';

export interface BradleyTerryOptions {
  /** Virtual tied games per player against a reference at θ = 0 (see the module comment). Default 1; 0 = plain MLE. */
  prior?: number;
  /** 'auto' (default): Newton up to 200 players, MM above. */
  method?: BradleyTerryMethod | 'auto';
  /** Stop when max |Δθ| ≤ tolerance. Default 1e-9. */
  tolerance?: number;
  /** Default 100 for Newton, 10,000 for MM. */
  maxIterations?: number;
}

export interface BradleyTerryFit {
  /** Log-strengths θ, centred: mean 0 over all players. */
  strengths: number[];
  /** 1000 + 400·θ/ln 10 (see `toRating`). */
  ratings: number[];
  /** Comparisons each player took part in (ties included). */
  games: number[];
  /** Total comparisons. */
  comparisons: number;
  method: BradleyTerryMethod;
  iterations: number;
  converged: boolean;
  /** The maximized objective (including the prior), for diagnostics. */
  logLikelihood: number;
  prior: number;
}

export const RATING_BASE = 1000;
export const RATING_SCALE = 400 / Math.LN10;

/** Elo-like display scale: 1000 + 400·log10(π) = 1000 + 400·θ/ln 10. */
export function toRating(strength: number): number {
  return RATING_BASE + RATING_SCALE * strength;
}

/** P(i ≻ j) under the model, ties counting half: σ(θ_i − θ_j). */
export function winProbability(strengthI: number, strengthJ: number): number {
  return 1 / (1 + Math.exp(strengthJ - strengthI));
}

/**
 * Accumulates comparisons into per-pair counts. `add(i, j, score)` records one comparison of i
 * against j from i's side: 1 = i won, 0 = j won, 0.5 = tie.
 */
export class PairTally {
  /** Pair key (lo·n + hi) → slot + 1 (0 = not seen yet): a dense table up to 1,024 players, a Map above. */
  private readonly dense: Int32Array | null;
  private readonly sparse = new Map<number, number>();
  private readonly keys: number[] = [];
  /** Per slot: wins of the lower index, wins of the higher index, ties. */
  private counts = new Float64Array(3 * 64);
  private total = 0;

  constructor(readonly players: number) {
    if (!Number.isInteger(players) || players < 0) throw new RangeError(`players must be a non-negative integer, got ${players}`);
    this.dense = players <= 1024 ? new Int32Array(players * players) : null;
  }

  add(i: number, j: number, score: number, count = 1): void {
    const n = this.players;
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
      throw new RangeError(`player index out of range: ${i} vs ${j} (players: ${n})`);
    }
    if (i === j) throw new RangeError(`a player cannot be compared with itself (${i})`);
    if (score !== 1 && score !== 0 && score !== 0.5) throw new RangeError(`score must be 1, 0 or 0.5, got ${score}`);
    if (!(count >= 0) || !Number.isFinite(count)) throw new RangeError(`count must be finite and ≥ 0, got ${count}`);
    const lowFirst = i < j;
    const key = lowFirst ? i * n + j : j * n + i;
    let slot: number;
    if (this.dense) {
      slot = this.dense[key]! - 1;
      if (slot < 0) {
        slot = this.newSlot(key);
        this.dense[key] = slot + 1;
      }
    } else {
      const found = this.sparse.get(key);
      if (found === undefined) {
        slot = this.newSlot(key);
        this.sparse.set(key, slot);
      } else {
        slot = found;
      }
    }
    // Cell 0: the lower index won; 1: the higher index won; 2: tie.
    const cell = score === 0.5 ? 2 : (score === 1) === lowFirst ? 0 : 1;
    this.counts[3 * slot + cell]! += count;
    this.total += count;
  }

  private newSlot(key: number): number {
    const slot = this.keys.length;
    this.keys.push(key);
    if (3 * (slot + 1) > this.counts.length) {
      const grown = new Float64Array(this.counts.length * 2);
      grown.set(this.counts);
      this.counts = grown;
    }
    return slot;
  }

  /** Total comparisons added. */
  get comparisons(): number {
    return this.total;
  }

  /** One row per pair with at least one comparison, i < j, sorted by (i, j). */
  pairs(): PairCount[] {
    const n = this.players;
    const rows: PairCount[] = [];
    const order = this.keys.map((key, slot) => [key, slot] as const).sort((a, b) => a[0] - b[0]);
    for (const [key, slot] of order) {
      const winsI = this.counts[3 * slot]!;
      const winsJ = this.counts[3 * slot + 1]!;
      const ties = this.counts[3 * slot + 2]!;
      if (winsI + winsJ + ties > 0) rows.push({ i: Math.floor(key / n), j: key % n, winsI, winsJ, ties });
    }
    return rows;
  }
}

/** Validated, flattened pair data shared by the fitters. */
interface Prepared {
  n: number;
  /** Pair endpoints. */
  a: Int32Array;
  b: Int32Array;
  /** Comparisons per pair. */
  games: Float64Array;
  /** a's score (wins + ties/2). */
  scoreA: Float64Array;
  /** Each player's total score and games. */
  score: Float64Array;
  playerGames: Float64Array;
  comparisons: number;
}

function prepare(players: number, pairs: readonly PairCount[]): Prepared {
  if (!Number.isInteger(players) || players < 1) throw new RangeError(`players must be a positive integer, got ${players}`);
  const a = new Int32Array(pairs.length);
  const b = new Int32Array(pairs.length);
  const games = new Float64Array(pairs.length);
  const scoreA = new Float64Array(pairs.length);
  const score = new Float64Array(players);
  const playerGames = new Float64Array(players);
  let comparisons = 0;
  pairs.forEach((p, k) => {
    if (!Number.isInteger(p.i) || !Number.isInteger(p.j) || p.i < 0 || p.j < 0 || p.i >= players || p.j >= players || p.i === p.j) {
      throw new RangeError(`pair ${k}: invalid players ${p.i}, ${p.j} (players: ${players})`);
    }
    for (const v of [p.winsI, p.winsJ, p.ties]) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`pair ${k}: counts must be finite and ≥ 0`);
    }
    const g = p.winsI + p.winsJ + p.ties;
    a[k] = p.i;
    b[k] = p.j;
    games[k] = g;
    scoreA[k] = p.winsI + p.ties / 2;
    score[p.i]! += p.winsI + p.ties / 2;
    score[p.j]! += p.winsJ + p.ties / 2;
    playerGames[p.i]! += g;
    playerGames[p.j]! += g;
    comparisons += g;
  });
  return { n: players, a, b, games, scoreA, score, playerGames, comparisons };
}

/**
 * Zermelo's condition for the plain MLE: every player has games and the directed graph
 * "i scored against j" (a win or a tie) is strongly connected. Returns a reason when it fails.
 */
function mleProblem(d: Prepared): string | null {
  const { n } = d;
  if (n === 1) return null;
  for (let p = 0; p < n; p++) if (d.playerGames[p] === 0) return `player ${p} has no comparisons`;
  const out: number[][] = Array.from({ length: n }, () => []);
  const inc: number[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < d.a.length; k++) {
    const i = d.a[k]!;
    const j = d.b[k]!;
    if (d.scoreA[k]! > 0) {
      out[i]!.push(j); // i scored against j
      inc[j]!.push(i);
    }
    if (d.games[k]! - d.scoreA[k]! > 0) {
      out[j]!.push(i);
      inc[i]!.push(j);
    }
  }
  const reach = (adj: number[][]): number => {
    const seen = new Uint8Array(n);
    const stack = [0];
    seen[0] = 1;
    let count = 1;
    while (stack.length > 0) {
      for (const v of adj[stack.pop()!]!) {
        if (!seen[v]) {
          seen[v] = 1;
          count++;
          stack.push(v);
        }
      }
    }
    return count;
  };
  if (reach(out) < n || reach(inc) < n) {
    return 'some group of players never lost (or never won) against the rest, or the comparison graph is disconnected';
  }
  return null;
}

/** log σ(x), stable for large |x|. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

function objective(d: Prepared, theta: Float64Array, prior: number): number {
  let ll = 0;
  for (let k = 0; k < d.a.length; k++) {
    const x = theta[d.a[k]!]! - theta[d.b[k]!]!;
    const s = d.scoreA[k]!;
    ll += s * logSigmoid(x) + (d.games[k]! - s) * logSigmoid(-x);
  }
  if (prior > 0) {
    for (let p = 0; p < d.n; p++) ll += (prior / 2) * (logSigmoid(theta[p]!) + logSigmoid(-theta[p]!));
  }
  return ll;
}

/** Solves A x = g in place (x returned in g) for symmetric positive definite A (n×n, row-major). */
function choleskySolve(A: Float64Array, g: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j]!;
    for (let k = 0; k < j; k++) s -= A[j * n + k]! * A[j * n + k]!;
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j]!;
      for (let k = 0; k < j; k++) t -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = t / ljj;
    }
  }
  for (let i = 0; i < n; i++) {
    let t = g[i]!;
    for (let k = 0; k < i; k++) t -= A[i * n + k]! * g[k]!;
    g[i] = t / A[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = g[i]!;
    for (let k = i + 1; k < n; k++) t -= A[k * n + i]! * g[k]!;
    g[i] = t / A[i * n + i]!;
  }
  return true;
}

interface RawFit {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
  logLikelihood: number;
}

function fitNewton(d: Prepared, prior: number, tol: number, maxIter: number, init: Float64Array | null): RawFit {
  const { n } = d;
  const theta = init ? Float64Array.from(init) : new Float64Array(n);
  const grad = new Float64Array(n);
  const H = new Float64Array(n * n);
  const trial = new Float64Array(n);
  let ll = objective(d, theta, prior);
  for (let iter = 1; iter <= maxIter; iter++) {
    // Gradient of ℓ and the negated Hessian (a weighted graph Laplacian plus the prior's diagonal).
    for (let p = 0; p < n; p++) grad[p] = d.score[p]!;
    H.fill(0);
    for (let k = 0; k < d.a.length; k++) {
      const i = d.a[k]!;
      const j = d.b[k]!;
      const g = d.games[k]!;
      const pij = 1 / (1 + Math.exp(theta[j]! - theta[i]!));
      grad[i]! -= g * pij;
      grad[j]! -= g * (1 - pij);
      const w = g * pij * (1 - pij);
      H[i * n + i]! += w;
      H[j * n + j]! += w;
      H[i * n + j]! -= w;
      H[j * n + i]! -= w;
    }
    if (prior > 0) {
      for (let p = 0; p < n; p++) {
        const s = 1 / (1 + Math.exp(-theta[p]!));
        grad[p]! += prior / 2 - prior * s;
        H[p * n + p]! += prior * s * (1 - s);
      }
    } else {
      // Fix the gauge: ℓ is flat along 1 and the gradient is orthogonal to it, so adding 11ᵀ
      // gives the minimum-norm Newton step.
      for (let q = 0; q < n * n; q++) H[q]! += 1;
    }
    if (!choleskySolve(H, grad, n)) {
      return { theta, iterations: iter, converged: false, logLikelihood: ll };
    }
    // Backtracking line search on ℓ (concave: the full step is accepted near the optimum).
    let t = 1;
    let next = ll;
    let maxStep = 0;
    for (let half = 0; half < 60; half++) {
      maxStep = 0;
      for (let p = 0; p < n; p++) {
        const step = t * grad[p]!;
        trial[p] = theta[p]! + step;
        if (Math.abs(step) > maxStep) maxStep = Math.abs(step);
      }
      next = objective(d, trial, prior);
      if (next >= ll - 1e-12 * Math.abs(ll) || maxStep <= tol) break;
      t /= 2;
    }
    theta.set(trial);
    ll = next;
    if (maxStep <= tol) return { theta, iterations: iter, converged: true, logLikelihood: ll };
  }
  return { theta, iterations: maxIter, converged: false, logLikelihood: ll };
}

function fitMM(d: Prepared, prior: number, tol: number, maxIter: number, init: Float64Array | null): RawFit {
  const { n } = d;
  const pi = new Float64Array(n);
  for (let p = 0; p < n; p++) pi[p] = init ? Math.exp(init[p]!) : 1;
  const denom = new Float64Array(n);
  const numer = new Float64Array(n);
  const before = new Float64Array(n);
  for (let p = 0; p < n; p++) numer[p] = d.score[p]! + prior / 2;
  for (let iter = 1; iter <= maxIter; iter++) {
    before.set(pi);
    denom.fill(0);
    for (let k = 0; k < d.a.length; k++) {
      const i = d.a[k]!;
      const j = d.b[k]!;
      const q = d.games[k]! / (pi[i]! + pi[j]!);
      denom[i]! += q;
      denom[j]! += q;
    }
    let logMean = 0;
    for (let p = 0; p < n; p++) {
      const dp = denom[p]! + (prior > 0 ? prior / (pi[p]! + 1) : 0);
      if (dp > 0) pi[p] = numer[p]! / dp;
      logMean += Math.log(pi[p]!);
    }
    // The data only fix ratios: a common shift c of every θ is decided by the prior alone, where
    // MM crawls (its surrogate is far more curved than the weak prior). Solve for c exactly instead
    // (a concave 1-D problem, a few Newton steps); without a prior keep the geometric mean at 1.
    let shift = -logMean / n;
    if (prior > 0) {
      shift = 0;
      for (let step = 0; step < 50; step++) {
        let g = 0;
        let h = 0;
        for (let p = 0; p < n; p++) {
          const s = 1 / (1 + 1 / (pi[p]! * Math.exp(shift)));
          g += 0.5 - s;
          h += s * (1 - s);
        }
        if (!(h > 0)) break;
        const dc = g / h;
        shift += dc;
        if (!(Math.abs(dc) >= 1e-13)) break;
      }
    }
    const scale = Math.exp(shift);
    let maxStep = 0;
    for (let p = 0; p < n; p++) {
      pi[p]! *= scale;
      const step = Math.abs(Math.log(pi[p]! / before[p]!));
      if (step > maxStep) maxStep = step;
    }
    if (maxStep <= tol) {
      const theta = pi.map(Math.log);
      return { theta, iterations: iter, converged: true, logLikelihood: objective(d, theta, prior) };
    }
  }
  const theta = pi.map(Math.log);
  return { theta, iterations: maxIter, converged: false, logLikelihood: objective(d, theta, prior) };
}

interface ResolvedOptions {
  prior: number;
  method: BradleyTerryMethod;
  tolerance: number;
  maxIterations: number;
}

function resolve(players: number, options: BradleyTerryOptions): ResolvedOptions {
  const prior = options.prior ?? 1;
  if (!(prior >= 0) || !Number.isFinite(prior)) throw new RangeError(`prior must be finite and ≥ 0, got ${prior}`);
  const method = options.method === undefined || options.method === 'auto' ? (players <= 200 ? 'newton' : 'mm') : options.method;
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? (method === 'newton' ? 100 : 10_000);
  return { prior, method, tolerance, maxIterations };
}

function run(d: Prepared, o: ResolvedOptions, init: Float64Array | null): RawFit {
  return o.method === 'newton'
    ? fitNewton(d, o.prior, o.tolerance, o.maxIterations, init)
    : fitMM(d, o.prior, o.tolerance, o.maxIterations, init);
}

function centred(theta: Float64Array): number[] {
  let mean = 0;
  for (const t of theta) mean += t;
  mean /= theta.length;
  return Array.from(theta, (t) => t - mean);
}

/**
 * Fits Bradley–Terry strengths for `players` players (indices 0..players−1) from aggregated
 * pair counts. Throws a RangeError on invalid input, or with `prior: 0` when the MLE does not exist.
 */
export function fitBradleyTerry(players: number, pairs: readonly PairCount[], options: BradleyTerryOptions = {}): BradleyTerryFit {
  return fitPrepared(prepare(players, pairs), resolve(players, options)).fit;
}

function fitPrepared(d: Prepared, o: ResolvedOptions): { fit: BradleyTerryFit; raw: RawFit } {
  if (o.prior === 0) {
    const problem = mleProblem(d);
    if (problem) throw new RangeError(`Bradley–Terry MLE does not exist without a prior: ${problem}`);
  }
  const raw = run(d, o, null);
  const strengths = centred(raw.theta);
  const fit: BradleyTerryFit = {
    strengths,
    ratings: strengths.map(toRating),
    games: Array.from(d.playerGames),
    comparisons: d.comparisons,
    method: o.method,
    iterations: raw.iterations,
    converged: raw.converged,
    logLikelihood: raw.logLikelihood,
    prior: o.prior,
  };
  return { fit, raw };
}

export interface BootstrapOptions extends BradleyTerryOptions {
  /** Resamples B. Default 200. */
  samples?: number;
  /** PRNG seed (any finite number). Default 1. */
  seed?: number;
  /** Interval coverage. Default 0.95. */
  level?: number;
}

export interface BradleyTerryBootstrap {
  /** The fit on the data itself. */
  fit: BradleyTerryFit;
  /** Percentile interval of the centred log-strengths, per player. */
  low: number[];
  high: number[];
  /** The same interval on the rating scale. */
  ratingLow: number[];
  ratingHigh: number[];
  level: number;
  /** Resamples used for the intervals. */
  samples: number;
  /**
   * Resamples left out: only with `prior: 0`, when a resample has no finite MLE (say a player
   * who lost once lost nowhere in the resample). With the default prior this is always 0.
   */
  skipped: number;
  /** Resamples whose fit hit the iteration cap (kept; their strengths are the last iterate). */
  unconverged: number;
  seed: number;
}

/** Linear-interpolation quantile ("type 7") of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const len = sorted.length;
  if (len === 0) return Number.NaN;
  const h = (len - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(len - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Fits, then bootstraps: B multinomial resamples of the comparisons over the aggregated cells,
 * each refitted with the same options, centred, and summarized as percentile intervals.
 * Deterministic for a given input, options and seed. Counts must be integers.
 */
export function bootstrapBradleyTerry(players: number, pairs: readonly PairCount[], options: BootstrapOptions = {}): BradleyTerryBootstrap {
  const samples = options.samples ?? 200;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(samples) || samples < 0) throw new RangeError(`samples must be a non-negative integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  for (const p of pairs) {
    if (!Number.isInteger(p.winsI) || !Number.isInteger(p.winsJ) || !Number.isInteger(p.ties)) {
      throw new RangeError('the bootstrap resamples comparisons: counts must be integers');
    }
  }
  const o = resolve(players, options);
  const base = prepare(players, pairs);
  const { fit, raw } = fitPrepared(base, o);
  const warm = raw.theta; // the un-centred optimum: every refit starts there

  // Cells: pair k × {a wins, b wins, tie}.
  const m = pairs.length;
  const weights = new Float64Array(3 * m);
  pairs.forEach((p, k) => {
    weights[3 * k] = p.winsI;
    weights[3 * k + 1] = p.winsJ;
    weights[3 * k + 2] = p.ties;
  });
  const draws = new Float64Array(3 * m);
  const rng = createRng(seed);
  const replicates: Float64Array[] = Array.from({ length: players }, () => new Float64Array(samples));
  let used = 0;
  let skipped = 0;
  let unconverged = 0;
  const resampled: PairCount[] = pairs.map((p) => ({ i: p.i, j: p.j, winsI: 0, winsJ: 0, ties: 0 }));
  for (let r = 0; r < samples; r++) {
    multinomial(rng, base.comparisons, weights, draws);
    for (let k = 0; k < m; k++) {
      const row = resampled[k]!;
      row.winsI = draws[3 * k]!;
      row.winsJ = draws[3 * k + 1]!;
      row.ties = draws[3 * k + 2]!;
    }
    const d = prepare(players, resampled);
    if (o.prior === 0 && mleProblem(d)) {
      skipped++;
      continue;
    }
    const refit = run(d, o, warm);
    if (!refit.converged) unconverged++;
    const theta = centred(refit.theta);
    for (let p = 0; p < players; p++) replicates[p]![used] = theta[p]!;
    used++;
  }
  const low: number[] = [];
  const high: number[] = [];
  for (let p = 0; p < players; p++) {
    const sorted = replicates[p]!.subarray(0, used).sort();
    low.push(used > 0 ? quantileSorted(sorted, (1 - level) / 2) : Number.NaN);
    high.push(used > 0 ? quantileSorted(sorted, 1 - (1 - level) / 2) : Number.NaN);
  }
  return {
    fit,
    low,
    high,
    ratingLow: low.map(toRating),
    ratingHigh: high.map(toRating),
    level,
    samples: used,
    skipped,
    unconverged,
    seed,
  };
}
