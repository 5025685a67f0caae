import { z } from 'zod';
import { GenerationMode, Job, Sampling, SweepRecord } from './runner';

/**
 * Sweeps (issue 11): one batch job runs a suite's prompts across models × templates × shot
 * settings (0, 1, k demonstrations). A sweep is an ordinary job whose spec has a `templates` arm per
 * (template, shots) and a `sweep` record of what was asked; core/sweeps/service.ts makes it.
 *
 * The shots of a generation are the demonstrations in the template version it used (0 without a
 * template). A shot setting below a template's own demonstration count runs on the template
 * "<name> · <n>-shot" holding its first n demonstrations (made, or given a new version, as needed);
 * `all` (and n equal to the count) runs on the template itself.
 */

const Id = z.number().int().min(1);

/** A number of demonstrations, or every demonstration the template has ("k-shot"). */
export const ShotSetting = z.union([z.number().int().min(0).max(64), z.literal('all')]);
export type ShotSetting = z.infer<typeof ShotSetting>;

/** The tag of a probe suite's prompts (probes11's spelling, docs/PROBES.md). */
export const SUITE_TAG_PREFIX = 'suite:';

export const SweepCreateInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** The suite whose prompts run (its `suite:<name>` tag); null: the prompts with `tags`. */
    suite: z.string().trim().min(1).max(200).nullable(),
    /** More tags every prompt must have (all of them). */
    tags: z.array(z.string().min(1)).max(32).default([]),
    modelIds: z.array(Id).min(1).max(32),
    /** Templates to run, null for none (the prompt as it is: 0 shots only). */
    templateIds: z.array(Id.nullable()).min(1).max(16),
    shots: z.array(ShotSetting).min(1).max(8),
    mode: GenerationMode.default('raw'),
    samplesPerPrompt: z.number().int().min(1).max(100).default(1),
    sampling: Sampling,
  })
  .strict();

/** One model × arm of a sweep: how far it got, and what the checks said where they ran. */
export const SweepResultRow = z.object({
  modelId: z.number().int(),
  modelName: z.string(),
  arm: z.number().int(),
  templateId: z.number().int().nullable(),
  templateName: z.string().nullable(),
  shots: z.number().int(),
  items: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  /** Generations with a check verdict (a reviewer's overrule counts over the check's). */
  checked: z.number().int(),
  /** Checked generations whose verdict is a fail. */
  failures: z.number().int(),
  /** Failure rate among the checked, Wilson 95% (core/stats); null with none checked. */
  rate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
});
export type SweepResultRow = z.infer<typeof SweepResultRow>;

export const SweepResults = z.object({
  job: Job,
  sweep: SweepRecord,
  /** False while the workspace has no probe checks (probe suites not in this build's schema). */
  checksAvailable: z.boolean(),
  rows: z.array(SweepResultRow),
});
export type SweepResults = z.infer<typeof SweepResults>;

export const sweepMethods = {
  /** Makes the shot templates it needs and starts one batch job over prompts × models × arms. */
  'sweeps.create': { input: SweepCreateInput, output: Job },
  /** The jobs that are sweeps, newest first. */
  'sweeps.list': { input: z.object({}).strict(), output: z.array(Job) },
  'sweeps.results': { input: z.object({ jobId: Id }).strict(), output: SweepResults },
} as const;
