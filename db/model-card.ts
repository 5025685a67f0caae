import type { ReadableDB } from './handles';
import type { ModelRow } from './runner';
import { all, one } from './statements';

/**
 * What a model card reads about one model (core/model-card/): the model, where its outputs came
 * from, its human reviews (verdicts, failure tags per class and number of shots, think-aloud steps).
 *
 * Rules shared by every query here, so the card's figures agree with each other:
 * - a review counts when it is submitted and live; a tag when it is live and on such a review;
 * - a tag of a merged class counts for the class it was merged into (as the Taxonomy view's rates);
 * - outputs of deleted prompts count nowhere (as in exports and the leaderboard);
 * - the shots of an output are the demonstrations of the template version it used, 0 without one.
 * Every list is ordered by a unique key, so the same workspace reads the same rows in the same order.
 */

/** The model's fields the card reads (no key material), and whether it is retired. */
export type CardModelRow = Pick<ModelRow, 'id' | 'name' | 'kind' | 'model_path' | 'base_url' | 'remote_model' | 'settings'> & { retired_at: number | null };

export function cardModel(db: ReadableDB, id: number): CardModelRow | null {
  return one<CardModelRow>(db, 'SELECT id, name, kind, model_path, base_url, remote_model, settings, retired_at FROM models WHERE id = ?', id) ?? null;
}

/** Models with at least one output on a live prompt, by id (the card picks the only one when none is named). */
export function modelsWithOutputs(db: ReadableDB): { id: number; name: string; outputs: number }[] {
  return all(
    db,
    `SELECT m.id, m.name, count(*) AS outputs
     FROM generations g JOIN models m ON m.id = g.model_id JOIN prompts p ON p.seq = g.prompt_seq
     WHERE p.deleted_at IS NULL GROUP BY m.id ORDER BY m.id`,
  );
}

export interface ProvenanceRow {
  runner_kind: string;
  runner_version: string;
  model_sha256: string | null;
  endpoint_url: string | null;
  model_name: string;
  outputs: number;
  errors: number;
}

/** The distinct runners and model identities that made the model's outputs, with counts. */
export function cardProvenance(db: ReadableDB, modelId: number): ProvenanceRow[] {
  return all(
    db,
    `SELECT g.runner_kind, g.runner_version, g.model_sha256, g.endpoint_url, g.model_name,
            count(*) AS outputs, count(g.error) AS errors
     FROM generations g JOIN prompts p ON p.seq = g.prompt_seq
     WHERE g.model_id = ? AND p.deleted_at IS NULL
     GROUP BY g.runner_kind, g.runner_version, g.model_sha256, g.endpoint_url, g.model_name
     ORDER BY g.runner_kind, g.runner_version, coalesce(g.model_sha256, ''), coalesce(g.endpoint_url, ''), g.model_name`,
    modelId,
  );
}

export interface CardCounts {
  outputs: number;
  prompts: number;
  reviewedOutputs: number;
  reviewedPrompts: number;
  reviews: number;
  /** Reviewed outputs with submitted reviews from two or more reviewers. */
  multiReviewed: number;
  smes: number;
  engineers: number;
  good: number;
  acceptable: number;
  bad: number;
  noVerdict: number;
}

const LIVE_GENERATIONS = `SELECT g.id, g.prompt_seq FROM generations g JOIN prompts p ON p.seq = g.prompt_seq WHERE g.model_id = @modelId AND p.deleted_at IS NULL`;
const SUBMITTED = `SELECT r.id, r.generation_id, r.reviewer_id, r.verdict FROM reviews r WHERE r.status = 'submitted' AND r.deleted_at IS NULL`;

export function cardCounts(db: ReadableDB, modelId: number): CardCounts {
  return one<CardCounts>(
    db,
    `WITH gen AS (${LIVE_GENERATIONS}),
          rv AS (SELECT s.*, gen.prompt_seq FROM (${SUBMITTED}) s JOIN gen ON gen.id = s.generation_id),
          per AS (SELECT generation_id, count(*) AS n FROM rv GROUP BY generation_id)
     SELECT (SELECT count(*) FROM gen) AS outputs,
            (SELECT count(DISTINCT prompt_seq) FROM gen) AS prompts,
            (SELECT count(*) FROM per) AS reviewedOutputs,
            (SELECT count(DISTINCT prompt_seq) FROM rv) AS reviewedPrompts,
            (SELECT count(*) FROM rv) AS reviews,
            (SELECT count(*) FROM per WHERE n >= 2) AS multiReviewed,
            (SELECT count(DISTINCT rv.reviewer_id) FROM rv JOIN reviewers w ON w.id = rv.reviewer_id WHERE w.role = 'sme') AS smes,
            (SELECT count(DISTINCT rv.reviewer_id) FROM rv JOIN reviewers w ON w.id = rv.reviewer_id WHERE w.role = 'nlp') AS engineers,
            (SELECT count(*) FROM rv WHERE verdict = 'good') AS good,
            (SELECT count(*) FROM rv WHERE verdict = 'acceptable') AS acceptable,
            (SELECT count(*) FROM rv WHERE verdict = 'bad') AS bad,
            (SELECT count(*) FROM rv WHERE verdict IS NULL) AS noVerdict`,
    { modelId },
  )!;
}

/** Classes with the id tags of each count for (a merged class → the live class that absorbed it). */
const TARGET = `target(id, final) AS (
       SELECT id, id FROM failure_classes WHERE merged_into_id IS NULL
       UNION ALL
       SELECT c.id, t.final FROM failure_classes c JOIN target t ON c.merged_into_id = t.id
     )`;

/** Shots of each live output of the model: demonstrations of its template version, 0 without one. */
const SHOTS = `SELECT g.id, g.prompt_seq,
         CASE WHEN g.template_id IS NULL THEN 0 ELSE coalesce(json_array_length(tv.demonstrations), 0) END AS shots
       FROM generations g JOIN prompts p ON p.seq = g.prompt_seq
       LEFT JOIN template_versions tv ON tv.template_id = g.template_id AND tv.version = g.template_version
       WHERE g.model_id = @modelId AND p.deleted_at IS NULL`;

export interface ShotsReviewedRow {
  shots: number;
  reviewed: number;
}

export interface ClassShotsRow {
  class_id: number;
  shots: number;
  tagged: number;
}

export interface CardClassRow {
  id: number;
  name: string;
  description: string;
  retired: number;
}

/**
 * Failure tags per class and number of shots: the outputs reviewed at each number of shots, and per
 * class the outputs (not tags) with a tag of it. Each output has one number of shots, so a class's
 * rate over all shots is the sums' ratio.
 */
export function cardClassRates(db: ReadableDB, modelId: number): { reviewed: ShotsReviewedRow[]; tagged: ClassShotsRow[]; classes: CardClassRow[] } {
  const reviewed = all<ShotsReviewedRow>(
    db,
    `WITH gen AS (${SHOTS})
     SELECT gen.shots, count(*) AS reviewed FROM gen
     WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.generation_id = gen.id AND r.status = 'submitted' AND r.deleted_at IS NULL)
     GROUP BY gen.shots ORDER BY gen.shots`,
    { modelId },
  );
  const tagged = all<ClassShotsRow>(
    db,
    `WITH RECURSIVE ${TARGET}, gen AS (${SHOTS})
     SELECT t.final AS class_id, gen.shots, count(DISTINCT gen.id) AS tagged
     FROM failure_tags ft
     JOIN reviews r ON r.id = ft.review_id
     JOIN gen ON gen.id = r.generation_id
     JOIN target t ON t.id = ft.class_id
     WHERE ft.deleted_at IS NULL AND r.status = 'submitted' AND r.deleted_at IS NULL
     GROUP BY t.final, gen.shots ORDER BY t.final, gen.shots`,
    { modelId },
  );
  // Live classes always (a rate of 0 is a result); retired ones only where they were used.
  const used = new Set(tagged.map((r) => r.class_id));
  const classes = all<CardClassRow>(
    db,
    `SELECT id, name, description, retired_at IS NOT NULL AS retired FROM failure_classes WHERE merged_into_id IS NULL ORDER BY id`,
  ).filter((c) => !c.retired || used.has(c.id));
  return { reviewed, tagged, classes };
}

export interface FailureTagRow {
  tag_id: number;
  class_id: number;
  review_id: number;
  generation_id: number;
  steps: number;
}

/** Every counted tag on the model's outputs with its class (merges followed) and its review's live step count. */
export function cardFailureTags(db: ReadableDB, modelId: number): FailureTagRow[] {
  return all(
    db,
    `WITH RECURSIVE ${TARGET}, gen AS (${LIVE_GENERATIONS})
     SELECT ft.id AS tag_id, t.final AS class_id, r.id AS review_id, r.generation_id,
            (SELECT count(*) FROM thinkaloud_steps s WHERE s.review_id = r.id AND s.deleted_at IS NULL) AS steps
     FROM failure_tags ft
     JOIN reviews r ON r.id = ft.review_id
     JOIN gen ON gen.id = r.generation_id
     JOIN target t ON t.id = ft.class_id
     WHERE ft.deleted_at IS NULL AND r.status = 'submitted' AND r.deleted_at IS NULL
     ORDER BY r.generation_id, ft.id`,
    { modelId },
  );
}

export interface ExampleRow {
  tag_id: number;
  generation_id: number;
  prompt_id: string;
  input: string;
  output: string;
  quote: string | null;
  span_start: number | null;
  note: string;
  verdict: string | null;
  comment: string;
  reviewer_role: 'sme' | 'nlp';
}

export function cardExample(db: ReadableDB, tagId: number): ExampleRow {
  return one<ExampleRow>(
    db,
    `SELECT ft.id AS tag_id, g.id AS generation_id, p.id AS prompt_id, g.input, g.output, ft.quote, ft.span_start, ft.note,
            r.verdict, r.comment, w.role AS reviewer_role
     FROM failure_tags ft JOIN reviews r ON r.id = ft.review_id JOIN generations g ON g.id = r.generation_id
     JOIN prompts p ON p.seq = g.prompt_seq JOIN reviewers w ON w.id = r.reviewer_id
     WHERE ft.id = ?`,
    tagId,
  )!;
}

/** A review's live think-aloud steps in order, with the tag each explains (if any). */
export function cardSteps(db: ReadableDB, reviewId: number): { body: string; tag_id: number | null }[] {
  return all(db, 'SELECT body, tag_id FROM thinkaloud_steps WHERE review_id = ? AND deleted_at IS NULL ORDER BY position, id', reviewId);
}

/** Live comparison labels that involve an output of the model (the leaderboard reads them all). */
export function comparisonLabelCount(db: ReadableDB): number {
  return one<{ n: number }>(db, 'SELECT count(*) AS n FROM comparison_labels WHERE deleted_at IS NULL')!.n;
}

// ── Probe suites (probes11's tables; read only where this workspace has them) ────────────────


export interface SuiteShotsRow {
  suite_id: number;
  name: string;
  class_name: string | null;
  variant_sets: string;
  shots: number;
  checked: number;
  failures: number;
  overruled: number;
}

/** Per live suite and number of shots: the model's checked outputs, how many failed (overrules counted over the check), how many a reviewer overruled. */
export function cardSuiteRates(db: ReadableDB, modelId: number): SuiteShotsRow[] {
  return all(
    db,
    `WITH gen AS (${SHOTS})
     SELECT s.id AS suite_id, s.name, fc.name AS class_name, s.variant_sets, gen.shots,
            count(*) AS checked, coalesce(sum(v.passed = 0), 0) AS failures, coalesce(sum(v.source = 'overrule'), 0) AS overruled
     FROM probe_verdicts v JOIN gen ON gen.id = v.generation_id
     JOIN probe_suites s ON s.id = v.suite_id LEFT JOIN failure_classes fc ON fc.id = s.failure_class_id
     WHERE s.deleted_at IS NULL
     GROUP BY s.id, gen.shots ORDER BY s.name, s.id, gen.shots`,
    { modelId },
  );
}

/** Probes per suite, and the check kinds its verdicts came from. */
export function cardSuiteFacts(db: ReadableDB, modelId: number): { suite_id: number; probes: number; kinds: string }[] {
  return all(
    db,
    `WITH gen AS (${LIVE_GENERATIONS})
     SELECT p.suite_id, count(*) AS probes,
            (SELECT group_concat(kind, ',') FROM (SELECT DISTINCT v.kind FROM probe_verdicts v JOIN gen ON gen.id = v.generation_id
                                                  WHERE v.suite_id = p.suite_id ORDER BY v.kind)) AS kinds
     FROM probes p GROUP BY p.suite_id ORDER BY p.suite_id`,
    { modelId },
  );
}

export interface VariantRateRow {
  suite_id: number;
  set_name: string;
  value: string;
  shots: number;
  checked: number;
  failures: number;
}

/** Per suite, variant set, value and number of shots: the model's checked outputs and failures (the minimal-pair gaps' counts). */
export function cardVariantRates(db: ReadableDB, modelId: number): VariantRateRow[] {
  return all(
    db,
    `WITH gen AS (${SHOTS})
     SELECT v.suite_id, pv.set_name, pv.value, gen.shots, count(*) AS checked, coalesce(sum(v.passed = 0), 0) AS failures
     FROM probe_verdicts v JOIN gen ON gen.id = v.generation_id JOIN probe_variants pv ON pv.probe_id = v.probe_id
     GROUP BY v.suite_id, pv.set_name, pv.value, gen.shots ORDER BY v.suite_id, pv.set_name, pv.value, gen.shots`,
    { modelId },
  );
}
