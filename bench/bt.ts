/**
 * Bradley–Terry benchmark: the leaderboard's statistics on 1M comparisons among 50 models.
 *
 *   npm run bench:bt            (node --import tsx bench/bt.ts)
 *   BENCH_COMPARISONS=200000 BENCH_SAMPLES=500 BENCH_REPEAT=5 npm run bench:bt
 *
 * 1. Generates 1M pairwise comparisons (seeded) among 50 models with known log-strengths spread
 *    evenly over ±1.5 (about ±650 rating points), sides random, 10% ties drawn so each comparison's
 *    expected score is still the model's probability (core/stats/synthetic.ts). Not timed.
 * 2. fit: aggregates the 1M comparisons into per-pair counts (1,225 pairs × wins/wins/ties) with
 *    `PairTally`, then fits the strengths with `fitBradleyTerry` (Newton, default prior).
 * 3. bootstrap: `bootstrapBradleyTerry` with B = 200 — each resample is one multinomial draw of 1M
 *    over the 3,675 outcome cells, then a warm-started refit.
 * Each timing is taken BENCH_REPEAT times (default 3) and the fastest kept: the machine may be busy.
 * Sanity lines compare the fit with the true strengths (Spearman, max error, interval coverage).
 *
 * The last line of output is one JSON object, for scripts.
 */
import os from 'node:os';
import {
  PairTally,
  bootstrapBradleyTerry,
  createRng,
  fitBradleyTerry,
  simulateComparisons,
  spearman,
  type BradleyTerryBootstrap,
  type BradleyTerryFit,
  type PairCount,
} from '../core/stats';

const MODELS = 50;
const COMPARISONS = Number(process.env.BENCH_COMPARISONS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const SEED = 42;

function trueStrengths(): number[] {
  const rng = createRng(SEED);
  const raw = Array.from({ length: MODELS }, (_, k) => -1.5 + (3 * k) / (MODELS - 1) + (rng.next() - 0.5) * 0.02);
  const mean = raw.reduce((a, b) => a + b, 0) / MODELS;
  return raw.map((t) => t - mean);
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function main(): void {
  const theta = trueStrengths();
  const generated = performance.now();
  const sim = simulateComparisons(theta, COMPARISONS, { seed: SEED, tieRate: 0.1 });
  console.log(`[bench] ${os.cpus().length} cpus, node ${process.version}; best of ${REPEAT} runs each`);
  console.log(`[bench] generated ${COMPARISONS} comparisons among ${MODELS} models in ${seconds(generated).toFixed(2)} s (not timed)`);

  // fit = aggregate the comparisons + fit the strengths.
  let fitSeconds = Infinity;
  let aggregateSeconds = Infinity;
  let pairs: PairCount[] = [];
  let fit: BradleyTerryFit | null = null;
  for (let r = 0; r < REPEAT; r++) {
    const started = performance.now();
    const tally = new PairTally(MODELS);
    const { left, right, score } = sim;
    for (let k = 0; k < COMPARISONS; k++) tally.add(left[k]!, right[k]!, score[k]!);
    pairs = tally.pairs();
    const aggregated = performance.now();
    fit = fitBradleyTerry(MODELS, pairs);
    const total = seconds(started);
    if (total < fitSeconds) {
      fitSeconds = total;
      aggregateSeconds = (aggregated - started) / 1000;
    }
  }
  if (!fit || !fit.converged) throw new Error('the fit did not converge');
  console.log(
    `[bench] fit: ${fitSeconds.toFixed(4)} s (aggregate ${aggregateSeconds.toFixed(4)} s into ${pairs.length} pairs; ` +
      `${fit.method} ${(fitSeconds - aggregateSeconds).toFixed(4)} s, ${fit.iterations} iterations)`,
  );

  let bootstrapSeconds = Infinity;
  let boot: BradleyTerryBootstrap | null = null;
  for (let r = 0; r < REPEAT; r++) {
    const started = performance.now();
    boot = bootstrapBradleyTerry(MODELS, pairs, { samples: SAMPLES, seed: SEED });
    bootstrapSeconds = Math.min(bootstrapSeconds, seconds(started));
  }
  if (!boot) throw new Error('no bootstrap');
  console.log(
    `[bench] bootstrap: ${bootstrapSeconds.toFixed(4)} s for B = ${boot.samples} ` +
      `(${((bootstrapSeconds / Math.max(1, boot.samples)) * 1000).toFixed(2)} ms per resample; ${boot.unconverged} unconverged)`,
  );

  // Sanity: the fit against the truth.
  const rho = spearman(theta, fit.strengths);
  const maxError = Math.max(...fit.strengths.map((s, k) => Math.abs(s - theta[k]!)));
  const covered = theta.filter((t, k) => boot.low[k]! <= t && t <= boot.high[k]!).length;
  const meanWidth = boot.ratingHigh.reduce((s, h, k) => s + h - boot.ratingLow[k]!, 0) / MODELS;
  console.log(
    `[bench] vs truth: Spearman ${rho.toFixed(4)}, max |θ̂ − θ| ${maxError.toFixed(4)}, ` +
      `95% intervals cover ${covered}/${MODELS}, mean interval width ${meanWidth.toFixed(1)} rating points`,
  );
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  console.log(JSON.stringify({ bench: 'bt', fit_s: round(fitSeconds), bootstrap_s: round(bootstrapSeconds), comparisons: COMPARISONS }));
}

main();
