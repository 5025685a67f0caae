import type { Leaderboard } from '../../contract/comparisons';
import type { ModelCardOptions } from '../../contract/datasets';
import { AppError } from '../../contract/result';
import { ModelSettings } from '../../contract/runner';
import type { ReadableDB } from '../../db/handles';
import {
  cardClassRates,
  cardCounts,
  cardExample,
  cardFailureTags,
  cardModel,
  cardProvenance,
  cardSteps,
  cardSuiteFacts,
  cardSuiteRates,
  cardVariantRates,
  comparisonLabelCount,
  modelsWithOutputs,
  type CardCounts,
  type ProvenanceRow,
} from '../../db/model-card';
import { hasProbeTables } from '../../db/meta';
import { buildLeaderboard } from '../comparisons/leaderboard';
import { minimalPairs, pairGap, variantOrder } from '../rates/gaps';
import { toRating, wilsonInterval, type Proportion, type ProportionDifference } from '../stats';

/**
 * Everything a model card says, read from one workspace snapshot (core/model-card/render.ts turns
 * it into README.md). Every figure comes from core/stats and the services the app's own views use
 * (the leaderboard, failure tags as the Taxonomy view counts them), so the card and the app agree.
 */

export interface CardClass {
  id: number;
  name: string;
  description: string;
  retired: boolean;
  /** Outputs tagged with the class over reviewed outputs, with its Wilson 95% interval. */
  rate: Proportion;
  /** The same per number of shots (only the shot counts that have reviewed outputs). */
  byShots: Map<number, Proportion>;
}

export interface CardExample {
  className: string;
  generationId: number;
  promptId: string;
  prompt: string;
  output: string;
  /** The tagged span's text, or null for a tag on the whole output. */
  quote: string | null;
  note: string;
  verdict: string | null;
  comment: string;
  reviewerRole: 'sme' | 'nlp';
  steps: string[];
}

export interface CardOpponent {
  name: string;
  /** Outcomes between the two models (a tie is one, counting half a win). */
  comparisons: number;
  /** Share won by this model, ties half, with a Wilson 95% interval over the outcomes. */
  winRate: Proportion;
}

export type CardComparisons =
  | { kind: 'none'; reason: string }
  | {
      kind: 'ranked';
      rank: number;
      models: number;
      /** Elo-like rating and its bootstrap 95% interval on the same scale. */
      rating: number;
      low: number;
      high: number;
      comparisons: number;
      bootstrap: number;
      totalComparisons: number;
      opponents: CardOpponent[];
      positionBias: Leaderboard['positionBias'];
      agreement: Leaderboard['agreement'];
    };

/**
 * A minimal-pair gap: the failure rate of probes with `value` minus that of probes with the set's
 * first value (`reference`), the other variant sets alike, with Newcombe's hybrid score interval.
 * `shots` null: over every number of shots.
 */
export interface CardGap {
  set: string;
  value: string;
  reference: string;
  shots: number | null;
  gap: ProportionDifference;
}

export interface CardSuite {
  id: number;
  name: string;
  /** The failure class the suite probes, if it names one. */
  className: string | null;
  probes: number;
  /** Check kinds behind the verdicts (exact, numeric, …). */
  kinds: string[];
  /** Checked outputs whose verdict is a reviewer's overrule. */
  overruled: number;
  /** Failed checks over checked outputs (overrules counted over the check), Wilson 95%. */
  rate: Proportion;
  byShots: Map<number, Proportion>;
  gaps: CardGap[];
}

export interface ModelCardData {
  model: { id: number; name: string; kind: 'llama' | 'openai' | 'import'; fileName: string | null; remoteModel: string | null; retired: boolean };
  license: string | null;
  intendedUse: string;
  limitations: string;
  provenance: ProvenanceRow[];
  counts: CardCounts;
  /** Review labels with a verdict: the share of each verdict. */
  verdicts: { good: Proportion; acceptable: Proportion; bad: Proportion };
  /** The numbers of shots among reviewed outputs, ascending, and how many outputs each has. */
  shots: { shots: number; reviewed: number }[];
  classes: CardClass[];
  comparisons: CardComparisons;
  examples: CardExample[];
  /** Probe suites with checked outputs of this model; null when the workspace has no probe tables. */
  suites: CardSuite[] | null;
}

/** Bootstrap resamples and seed of the Bradley–Terry interval: the Leaderboard view's defaults, so the two show the same interval. */
export const CARD_BOOTSTRAP = 200;
export const CARD_BOOTSTRAP_SEED = 1;
/** The leaderboard holds every label in memory; past this many the card leaves it to the Leaderboard view (as the dataset card does). */
export const CARD_MAX_COMPARISON_LABELS = 50_000;
/** Failure examples per class, and think-aloud steps quoted per example. */
export const EXAMPLES_PER_CLASS = 2;

/** The model the card is about: the one named, else the only model with outputs. */
function chooseModel(db: ReadableDB, modelId: number | null): number {
  if (modelId !== null) {
    if (!cardModel(db, modelId)) throw new AppError('not_found', `modelCard.modelId: no model with id ${modelId} in this workspace.`);
    return modelId;
  }
  const models = modelsWithOutputs(db);
  if (models.length === 1) return models[0]!.id;
  if (models.length === 0) throw new AppError('invalid_input', 'A model card needs a model with outputs, and this workspace has none: generate outputs in Batch, or import them, first.');
  throw new AppError(
    'invalid_input',
    `modelCard.modelId: the workspace has ${models.length} models with outputs (${models.map((m) => m.name).join(', ')}); choose the one the card is about (--model NAME).`,
  );
}

function promptOfInput(input: string): string {
  const parsed = JSON.parse(input) as { text?: string; messages?: { role: string; content: string }[] };
  if (typeof parsed.text === 'string') return parsed.text;
  return (parsed.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
}

function comparisonsFor(db: ReadableDB, modelId: number): CardComparisons {
  const labels = comparisonLabelCount(db);
  if (labels === 0) return { kind: 'none', reason: 'No comparison labels in this workspace.' };
  if (labels > CARD_MAX_COMPARISON_LABELS) {
    return { kind: 'none', reason: `Not computed here (${labels} comparison labels; the card keeps its memory flat): see the Leaderboard view.` };
  }
  const lb = buildLeaderboard(db, { bootstrap: CARD_BOOTSTRAP, seed: CARD_BOOTSTRAP_SEED });
  const i = lb.models.findIndex((m) => m.modelId === modelId);
  if (i < 0) return { kind: 'none', reason: 'No comparison in this workspace sets an output of this model against another model’s.' };
  const me = lb.models[i]!;
  const opponents: CardOpponent[] = [];
  lb.models.forEach((other, j) => {
    const n = lb.counts[i]![j]!;
    if (j === i || n === 0) return;
    // winRate counts a tie as half a win, so the score may be a half: Wilson takes it as is.
    opponents.push({ name: other.name, comparisons: n, winRate: wilsonInterval(lb.winRate[i]![j]! * n, n) });
  });
  return {
    kind: 'ranked',
    rank: i + 1,
    models: lb.models.length,
    rating: me.rating,
    // The leaderboard's interval is on the log-strength scale; the card shows ratings.
    low: toRating(me.low),
    high: toRating(me.high),
    comparisons: me.comparisons,
    bootstrap: CARD_BOOTSTRAP,
    totalComparisons: lb.comparisons,
    opponents,
    positionBias: lb.positionBias,
    agreement: lb.agreement,
  };
}

/** Up to EXAMPLES_PER_CLASS outputs per class: those whose reviewer thought aloud first, then in output order. */
function examplesFor(db: ReadableDB, modelId: number, classes: CardClass[]): CardExample[] {
  const tags = cardFailureTags(db, modelId);
  const out: CardExample[] = [];
  for (const c of classes) {
    const mine = tags.filter((t) => t.class_id === c.id);
    const ordered = [...mine.filter((t) => t.steps > 0), ...mine.filter((t) => t.steps === 0)];
    const seen = new Set<number>();
    for (const t of ordered) {
      if (seen.size >= EXAMPLES_PER_CLASS) break;
      if (seen.has(t.generation_id)) continue;
      seen.add(t.generation_id);
      const row = cardExample(db, t.tag_id);
      const steps = cardSteps(db, t.review_id);
      // The steps explaining this tag first (in order), then the rest of the reviewer's reasoning.
      const ordered = [...steps.filter((s) => s.tag_id === t.tag_id), ...steps.filter((s) => s.tag_id !== t.tag_id)];
      out.push({
        className: c.name,
        generationId: row.generation_id,
        promptId: row.prompt_id,
        prompt: promptOfInput(row.input),
        output: row.output,
        quote: row.span_start === null ? null : row.quote,
        note: row.note,
        verdict: row.verdict,
        comment: row.comment,
        reviewerRole: row.reviewer_role,
        steps: ordered.map((s) => s.body),
      });
    }
  }
  return out;
}

function suitesFor(db: ReadableDB, modelId: number): CardSuite[] | null {
  if (!hasProbeTables(db)) return null;
  const rows = cardSuiteRates(db, modelId);
  const facts = new Map(cardSuiteFacts(db, modelId).map((f) => [f.suite_id, f]));
  const variants = cardVariantRates(db, modelId);
  const suites: CardSuite[] = [];
  for (const row of rows) {
    if (suites.at(-1)?.id === row.suite_id) continue;
    const mine = rows.filter((r) => r.suite_id === row.suite_id);
    const sum = (xs: { checked: number; failures: number }[]) => xs.reduce((acc, x) => ({ checked: acc.checked + x.checked, failures: acc.failures + x.failures }), { checked: 0, failures: 0 });
    const total = sum(mine);
    const byShots = new Map(mine.map((r) => [r.shots, wilsonInterval(r.failures, r.checked)]));
    const vs = variants.filter((v) => v.suite_id === row.suite_id).map((v) => ({ set: v.set_name, value: v.value, shots: v.shots, checked: v.checked, failures: v.failures }));
    const gaps: CardGap[] = [];
    for (const pair of minimalPairs(variantOrder(row.variant_sets), vs)) {
      gaps.push({ ...pair, shots: null, gap: pairGap(pair, vs) });
      // Per number of shots too where the set was run at more than one.
      const setShots = [...new Set(vs.filter((v) => v.set === pair.set).map((v) => v.shots))].sort((a, b) => a - b);
      if (setShots.length > 1) for (const shots of setShots) gaps.push({ ...pair, shots, gap: pairGap(pair, vs.filter((v) => v.shots === shots)) });
    }
    const f = facts.get(row.suite_id);
    suites.push({
      id: row.suite_id,
      name: row.name,
      className: row.class_name,
      probes: f?.probes ?? 0,
      kinds: f?.kinds ? f.kinds.split(',') : [],
      overruled: mine.reduce((s, r) => s + r.overruled, 0),
      rate: wilsonInterval(total.failures, total.checked),
      byShots,
      gaps,
    });
  }
  return suites;
}

export function gatherModelCard(db: ReadableDB, options: ModelCardOptions & { license?: string }): ModelCardData {
  const modelId = chooseModel(db, options.modelId);
  const m = cardModel(db, modelId)!;
  const settings = ModelSettings.safeParse(JSON.parse(m.settings));
  const own = settings.success ? (settings.data.card ?? {}) : {};

  const counts = cardCounts(db, modelId);
  const withVerdict = counts.good + counts.acceptable + counts.bad;
  const rates = cardClassRates(db, modelId);
  const reviewedAt = new Map(rates.reviewed.map((r) => [r.shots, r.reviewed]));
  const reviewed = rates.reviewed.reduce((s, r) => s + r.reviewed, 0);
  const classes: CardClass[] = rates.classes.map((c) => {
    const mine = rates.tagged.filter((t) => t.class_id === c.id);
    const byShots = new Map<number, Proportion>();
    for (const [shots, n] of reviewedAt) byShots.set(shots, wilsonInterval(mine.find((t) => t.shots === shots)?.tagged ?? 0, n));
    const tagged = mine.reduce((s, t) => s + t.tagged, 0);
    return { id: c.id, name: c.name, description: c.description, retired: c.retired === 1, rate: wilsonInterval(tagged, reviewed), byShots };
  });

  return {
    model: {
      id: m.id,
      name: m.name,
      kind: m.kind,
      // The file's name only: a path says where it sits on one machine, not what the model is.
      fileName: m.model_path === null ? null : m.model_path.split(/[\\/]/).pop()!,
      remoteModel: m.remote_model,
      retired: m.retired_at !== null,
    },
    license: options.license ?? own.license ?? null,
    intendedUse: options.intendedUse || own.intendedUse || '',
    limitations: options.limitations || own.limitations || '',
    provenance: cardProvenance(db, modelId),
    counts,
    verdicts: { good: wilsonInterval(counts.good, withVerdict), acceptable: wilsonInterval(counts.acceptable, withVerdict), bad: wilsonInterval(counts.bad, withVerdict) },
    shots: rates.reviewed.map((r) => ({ shots: r.shots, reviewed: r.reviewed })),
    classes,
    comparisons: comparisonsFor(db, modelId),
    examples: examplesFor(db, modelId, classes),
    suites: suitesFor(db, modelId),
  };
}
