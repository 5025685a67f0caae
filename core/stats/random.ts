/**
 * Deterministic random numbers for the statistics core: a seeded PRNG, binomial and multinomial
 * draws. Everything that resamples (the Bradley–Terry bootstrap, the synthetic data of tests and
 * benchmarks) takes a seed, so the same input and seed give the same numbers on every machine.
 *
 * - Generator: xoshiro128** (Blackman & Vigna), 128 bits of state, seeded through splitmix32 so
 *   nearby seeds (1, 2, 3…) give unrelated streams. Doubles carry 53 random bits.
 * - Binomial: exact. Small means (n·min(p,1−p) < 10) by counting geometric waiting times;
 *   larger ones by BTRS, Hörmann's transformed rejection with squeeze ("The generation of
 *   binomial random variates", J. Stat. Comput. Simul. 46, 1993), O(1) expected time for any n.
 * - Multinomial: a chain of conditional binomials, so a draw costs O(cells), not O(trials).
 */

export interface Rng {
  /** Uniform in [0, 1), 53 random bits. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
}

/** splitmix32 step: the golden-ratio increment followed by the murmur3 finalizer. */
function splitmix32(state: number): [next: number, output: number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/**
 * A xoshiro128** generator. Any finite number is a valid seed: integers up to 2^53 use all their
 * bits (the high and low 32-bit halves are mixed); a fractional part is ignored.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(Math.abs(seed));
  const lo = whole % 0x100000000 >>> 0;
  const hi = Math.floor(whole / 0x100000000) >>> 0;
  let st = lo ^ Math.imul(hi ^ (seed < 0 ? 0x5bd1e995 : 0), 0x27d4eb2d);
  const words: number[] = [];
  for (let k = 0; k < 4; k++) {
    const [next, out] = splitmix32(st);
    st = next;
    words.push(out);
  }
  let [s0, s1, s2, s3] = words as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the one forbidden state

  const nextUint32 = (): number => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
  return {
    nextUint32,
    next: () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992,
  };
}

/** log(k!) − Stirling's approximation, for the BTRS acceptance test (exact table below 10). */
const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];
function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k]!;
  const kp1 = k + 1;
  const kp1sq = kp1 * kp1;
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / kp1;
}

/** Small mean: count how many geometric waiting times fit in n trials. */
function binomialInversion(rng: Rng, n: number, p: number): number {
  const logq = Math.log1p(-p);
  let sum = 0;
  let k = 0;
  for (;;) {
    const u = rng.next();
    sum += Math.ceil(Math.log(u) / logq); // u = 0 gives +Infinity: stop
    if (sum > n) return k;
    k++;
  }
}

/** BTRS for n·p ≥ 10 and p ≤ ½. */
function binomialBtrs(rng: Rng, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  const base = (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) + stirlingTail(m) + stirlingTail(n - m);
  for (;;) {
    const u = rng.next() - 0.5;
    let v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      base +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** One Binomial(n, p) draw; n a non-negative integer, p in [0, 1]. Exact for any n. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial: n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  return n * p < 10 ? binomialInversion(rng, n, p) : binomialBtrs(rng, n, p);
}

/**
 * Multinomial draw: `trials` items spread over cells with probabilities proportional to `weights`
 * (non-negative, not necessarily normalized). Writes the counts into `out` (allocated when not
 * given) and returns it. Conditional binomials: cell k gets Binomial(left, w_k / Σ_{l≥k} w_l).
 */
export function multinomial(rng: Rng, trials: number, weights: ArrayLike<number>, out?: Float64Array): Float64Array {
  const counts = out ?? new Float64Array(weights.length);
  let restWeight = 0;
  let last = -1;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`multinomial: weight ${k} must be finite and ≥ 0, got ${w}`);
    restWeight += w;
    if (w > 0) last = k;
  }
  if (trials > 0 && last < 0) throw new RangeError('multinomial: every weight is 0');
  let left = trials;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (left === 0 || w === 0) {
      counts[k] = 0;
    } else if (k === last) {
      counts[k] = left; // the last non-empty cell takes what is left (no rounding can lose trials)
      left = 0;
    } else {
      const x = binomial(rng, left, Math.min(1, w / restWeight));
      counts[k] = x;
      left -= x;
    }
    restWeight -= w;
  }
  return counts;
}
