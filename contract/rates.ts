import { z } from 'zod';

/**
 * Failure rates of probe suites (issue 11, "Sweeps"; the suites are docs/PROBES.md).
 *
 * A **verdict** is what `probe_verdicts` holds for a generation and probe: a reviewer's live
 * overrule where there is one, else the automatic check's result. Every count here is over
 * verdicts, so an overruled check counts as the reviewer decided. A failure is a verdict that did
 * not pass. Deleted suites count nowhere.
 *
 * Intervals are 95%: Wilson for a rate, Newcombe's hybrid score interval for a gap (core/stats).
 */

const Id = z.number().int().min(1);

export const RatesQuery = z
  .object({
    /** Only these suites (default: every live suite). */
    suiteIds: z.array(Id).min(1).max(1000).optional(),
    /** Only these models (e.g. the checkpoints of one model version). */
    modelIds: z.array(Id).min(1).max(1000).optional(),
    /** Only these numbers of shots (demonstrations in the prompt). */
    shots: z.array(z.number().int().min(0).max(64)).min(1).max(65).optional(),
  })
  .strict();
export type RatesQuery = z.infer<typeof RatesQuery>;

/** k of n with its Wilson 95% interval; rate, low and high are null with n = 0. */
const RateFields = {
  checked: z.number().int(),
  failures: z.number().int(),
  rate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
};

export const SuiteRate = z.object({ suiteId: z.number().int(), suiteName: z.string(), ...RateFields });
export type SuiteRate = z.infer<typeof SuiteRate>;

/**
 * One failure class × model × shots: the suites written from that class pooled (a suite without a
 * class is a row of its own, named after the suite, classId null), with each suite's own figure.
 */
export const RateRow = z.object({
  classId: z.number().int().nullable(),
  /** The class's name, or the suite's when it has no class. */
  name: z.string(),
  modelId: z.number().int(),
  modelName: z.string(),
  shots: z.number().int(),
  ...RateFields,
  /** Verdicts that are a reviewer's overrule of the check. */
  overruled: z.number().int(),
  suites: z.array(SuiteRate),
});
export type RateRow = z.infer<typeof RateRow>;

/** One side of a gap: its failures of checked, with the rate. */
const GapSide = z.object({ checked: z.number().int(), failures: z.number().int(), rate: z.number().nullable() });

/**
 * A minimal-pair gap: failure rate of the probes with `value` minus that of the probes with the
 * set's reference (its first value in the suite's definition), per model × shots, in [−1, 1], with
 * Newcombe's 95% interval. An interval that excludes 0 says the variant changes the failure rate.
 */
export const GapRow = z.object({
  suiteId: z.number().int(),
  suiteName: z.string(),
  set: z.string(),
  value: z.string(),
  reference: z.string(),
  modelId: z.number().int(),
  modelName: z.string(),
  shots: z.number().int(),
  gap: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** The value's probes (`a`) and the reference's (`b`). */
  a: GapSide,
  b: GapSide,
});
export type GapRow = z.infer<typeof GapRow>;

export const Rates = z.object({
  /** False while the workspace has no probe tables (then rows and gaps are empty). */
  available: z.boolean(),
  rows: z.array(RateRow),
  gaps: z.array(GapRow),
});
export type Rates = z.infer<typeof Rates>;

export const SampleSizeInput = z
  .object({
    /** The interval's whole width, high − low (0.1 is ±5 points). */
    width: z.number().gt(0).max(1),
    /** The failure rate expected; 0.5, the default, is the widest case, so the answer is safe for any rate. */
    rate: z.number().min(0).max(1).default(0.5),
    /** Variant values a probe comes in (a gap needs each side measured): the total is n × variants. */
    variants: z.number().int().min(1).max(64).optional(),
  })
  .strict();

export const rateMethods = {
  /** Failure rates per class × model × shots and the minimal-pair gaps, over probe verdicts. */
  'rates.get': { input: RatesQuery, output: Rates },
  /**
   * Checked outputs a Wilson 95% interval of `width` needs at `rate` (core/stats wilsonSampleSize):
   * `n` for each variant value's rate, `total` = n × variants (1 without variants).
   */
  'rates.sampleSize': {
    input: SampleSizeInput,
    output: z.object({ n: z.number().int(), variants: z.number().int(), total: z.number().int() }),
  },
} as const;
