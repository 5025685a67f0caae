import { z } from 'zod';

/**
 * Probe suites (issue 11; docs/PROBES.md is the reference). A suite definition is also one line of
 * a suites JSONL file (probes.import / probes.export), so its field names are a file format: keep them.
 *
 * The definition is checked here for shape only; core/probes checks its meaning (every placeholder
 * names a variable or slot, no variant set is empty, …) and names what is wrong.
 */

const Name = z.string().trim().min(1).max(200);

/** A variable drawn once per draw: an integer in [min, max], or one of a list of strings. */
export const ProbeVariable = z.union([
  z.object({ int: z.tuple([z.number().int(), z.number().int()]) }).strict(),
  z.object({ oneOf: z.array(z.string()).max(10_000) }).strict(),
]);
export type ProbeVariable = z.infer<typeof ProbeVariable>;

/**
 * One value of a variant set: its name, and the text of each slot it fills. A set's values must
 * fill the same slots. A set used as a number form (`{a:form}`) has the values `digits` and/or
 * `words` and no slots.
 */
export const ProbeVariantValue = z.object({ value: Name, slots: z.record(z.string(), z.string()).default({}) }).strict();
export type ProbeVariantValue = z.infer<typeof ProbeVariantValue>;

export const ProbeVariantSet = z.object({ name: Name, values: z.array(ProbeVariantValue).max(64) }).strict();
export type ProbeVariantSet = z.infer<typeof ProbeVariantSet>;

/** How an output is checked against the probe's expected answer. */
export const ProbeCheck = z.discriminatedUnion('kind', [
  /** Output and expected equal once normalized (NFKC, case, whitespace, outer quotes and end punctuation). */
  z.object({ kind: z.literal('exact') }).strict(),
  /** The normalized output contains the normalized expected. */
  z.object({ kind: z.literal('contains') }).strict(),
  /** The output matches the pattern (JavaScript syntax, unicode mode); `{…}` placeholders are not rendered in it. */
  z.object({ kind: z.literal('regex'), pattern: z.string().min(1).max(2000), flags: z.string().regex(/^[imsu]*$/).default('') }).strict(),
  /** The output's number (digits or words: "twelve" = 12) is within `tolerance` of the expected. */
  z.object({ kind: z.literal('numeric'), tolerance: z.number().min(0).default(0), pick: z.enum(['first', 'last']).default('last') }).strict(),
  /** The output (or its fenced ```json block) is valid JSON; equal to the expected JSON where one is given. */
  z.object({ kind: z.literal('json') }).strict(),
  /** The first of `choices` named in the output is the expected one. */
  z.object({ kind: z.literal('choice'), choices: z.array(z.string().min(1)).min(2).max(64) }).strict(),
]);
export type ProbeCheck = z.infer<typeof ProbeCheck>;
export type ProbeCheckKind = ProbeCheck['kind'];

export const ProbeSuiteDefinition = z
  .object({
    name: Name,
    /** The failure class the suite probes, by name (made if it does not exist); null: none. */
    failureClass: z.string().trim().min(1).max(200).nullable().default(null),
    description: z.string().max(10_000).default(''),
    /** The prompt, with {placeholders} (docs/PROBES.md). */
    template: z.string().min(1).max(20_000),
    variables: z.record(z.string(), ProbeVariable).default({}),
    variantSets: z.array(ProbeVariantSet).max(8).default([]),
    /** The expected answer, with the same placeholders (and {=a+b} arithmetic); '' for checks that need none. */
    expected: z.string().max(20_000).default(''),
    check: ProbeCheck,
    /** Draws of the variables; each draw gives one probe per combination of variant values. */
    count: z.number().int().min(1).max(100_000),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  })
  .strict();
export type ProbeSuiteDefinition = z.infer<typeof ProbeSuiteDefinition>;
