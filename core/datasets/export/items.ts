import { AdjudicatedLabel } from '../../../contract/adjudication';
import type { ExportCounts, ExportOptions } from '../../../contract/datasets';
import type { Verdict } from '../../../contract/review';
import { sliceCodePoints } from '../../../contract/spans';
import {
  adjudicationLookup,
  comparisonLabelCursor,
  correctionCursor,
  nameMaps,
  rankGroups,
  reviewCursor,
  reviewDetails,
  taskOutputs,
  type ComparisonLabelRow,
  type CorrectionRow,
  type ExportAdjudication,
  type FailureTagRow,
  type ReviewRow,
  type StepRow,
  type TaskOutputRow,
} from '../../../db/exports';
import type { ReadableDB } from '../../../db/handles';
import { MARGIN } from '../../comparisons/outcomes';
import { reviewReasons, type SpanRange } from '../../adjudication/service';
import { promptOf, type PromptData } from './prompt';
import type { LabelQuality } from './quality';

/**
 * Labels → dataset items, the step every format shares. Each source walks its cursor once, in a
 * stable order, holding one item's labels at a time (a comparison task's labels, a generation's
 * reviews): memory stays flat whatever the size of the workspace.
 *
 * The rules (see docs/EXPORTS.md):
 * - A pairwise A/B label is one pair: the chosen side ≻ the other, `margin` from the strength
 *   (slightly 1, clearly 2, much 3; 0 when not graded). The shown order is undone through the
 *   stored task outputs, so "A" always resolves to the right generation.
 * - An N-way ranking of K outputs expands to its K(K−1)/2 pairs of positions; each carries the
 *   ranking's id (`rank-<label id>`); pairs inside one rank group are ties.
 * - Ties are not pairs. both_bad is not a pair unless the label carries a correction; then the
 *   correction ≻ each of the two outputs (policy `bothBad: 'correction'`).
 * - A review correction (the latest version of a generation's correction) is an SFT example and a
 *   (correction ≻ original) pair.
 * - Agreement: for a row from a comparison label, the share of the task's live labels (every
 *   reviewer, whatever the filters) that imply the same pair (for KTO and both-bad rows: the same
 *   choice or ranking); for a row from a review, the share of the generation's submitted reviews
 *   with the same verdict. Items labeled once have agreement 1; a correction counts as one label.
 */

export interface Provenance {
  assayId: string;
  reviewer: string | null;
  guidelineVersion: number | null;
  /** The model that wrote the chosen (or only) text; null when a person wrote it. */
  modelA: string | null;
  /** The model that wrote the rejected text, or the output a correction replaces. */
  modelB: string | null;
  createdAt: number;
  rankingId: string | null;
}

export interface FailureSpan {
  class: string;
  start: number | null;
  end: number | null;
  quote: string | null;
  note: string;
}

export interface FailureStep {
  body: string;
  class: string | null;
}

interface Base {
  prompt: PromptData;
  /** The prompt row, so the split can reuse the last prompt's hash. */
  promptSeq: number;
  prov: Provenance;
}

export type Item =
  | (Base & { type: 'pair'; chosen: string; rejected: string; margin: number })
  | (Base & { type: 'unpaired'; completion: string; label: boolean })
  | (Base & { type: 'sft'; completion: string })
  /** Chain-of-thought SFT: the corrector's think-aloud steps (in order), then the corrected answer. */
  | (Base & { type: 'cot'; steps: string[]; completion: string })
  | (Base & {
      type: 'failure';
      output: string;
      verdict: Verdict | null;
      comment: string;
      classes: string[];
      spans: FailureSpan[];
      steps: FailureStep[];
      correction: string | null;
    });

export type Purpose = 'pairs' | 'kto' | 'sft' | 'cot' | 'failures';

export type SkipSource = 'cmp' | 'rank' | 'fix' | 'rev' | 'adj';

/** What `labels` adjudicated / majority did, item by item (the report's `counts.labels`). */
export type LabelRuleCounts = NonNullable<ExportCounts['labels']>;

export const newLabelCounts = (rule: ExportOptions['labels']): LabelRuleCounts => ({ rule, items: 0, adjudicated: 0, agreed: 0, single: 0, majority: 0, dropped: 0 });

export interface SourceContext {
  db: ReadableDB;
  /** Receives each item as it is made (no generators in the hot loop). */
  emit(item: Item): void;
  options: ExportOptions;
  /**
   * Something left out, and why. `source` and `id` name it (`cmp-12`, `rank-3`, `fix-5`, `rev-9`,
   * as provenance's assay_id; null when only the prompt is known) for the report's examples.
   */
  skip(reason: string, count?: number, source?: SkipSource | null, id?: number, promptSeq?: number): void;
  /** One source row (label, correction, review) read. */
  tick(): void;
  quality: LabelQuality;
  labelCounts: LabelRuleCounts;
}

export const SKIP = {
  filtered: 'filtered out (reviewer, date or guidelines)',
  fewLabels: 'fewer labels on the item than the minimum',
  agreement: 'agreement below the minimum',
  model: 'a model outside the model filter',
  tie: 'tie (not a pair)',
  rankTie: 'tie inside a ranking (not a pair)',
  bothBadNoCorrection: 'both bad without a correction (not a pair)',
  bothBadDropped: 'both bad (dropped by policy)',
  noChoice: 'label without a choice',
  sameAsOutput: 'correction identical to the output',
  noVerdict: 'review without a verdict',
  acceptable: 'acceptable verdict (policy: skip)',
  rankMiddle: 'middle of a ranking (neither best nor worst)',
  disagree: 'reviewers disagree and no adjudication (labels: adjudicated; item)',
  noMajority: 'no strict majority of reviewers (labels: majority; item)',
  noSteps: 'a correction whose author left no think-aloud steps in a submitted review',
} as const;

/**
 * `labels: majority`: the key a strict majority (more than half of the voting labels) shares, and
 * the index of its first label; null when no key has one.
 */
export function strictMajority(keys: readonly string[]): { key: string; first: number; count: number } | null {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const [key, count] of counts) if (count * 2 > keys.length) return { key, first: keys.indexOf(key), count };
  return null;
}

function inRange(v: number | null, min: number | null, max: number | null): boolean {
  if (min === null && max === null) return true;
  if (v === null) return false;
  return (min === null || v >= min) && (max === null || v <= max);
}

// ── Comparisons ──────────────────────────────────────────────────────────────────────────────

interface LabelOutcome {
  label: ComparisonLabelRow;
  /** Pair keys this label implies: `g1>g2` (g1 preferred), `g1=g2` (tie), `both_bad`. */
  keys: string[];
  /** The whole choice or ranking, for KTO and both-bad rows. */
  signature: string;
  ranks: number[] | null;
}

const NO_KEYS: string[] = [];
const NO_COUNTS: ReadonlyMap<string, number> = new Map();

/** `needKeys` false: only the ranks (agreement is not asked for, or the task has one label). */
function outcomeOf(label: ComparisonLabelRow, outs: readonly TaskOutputRow[], ranksOf: (id: number) => number[], needKeys: boolean): LabelOutcome {
  if (label.kind === 'pair') {
    if (!needKeys) return { label, keys: NO_KEYS, signature: '', ranks: null };
    const [a, b] = outs;
    if (!a || !b || label.choice === null) return { label, keys: [], signature: 'none', ranks: null };
    const key =
      label.choice === 'A' ? `${a.generation_id}>${b.generation_id}`
      : label.choice === 'B' ? `${b.generation_id}>${a.generation_id}`
      : label.choice === 'tie' ? `${a.generation_id}=${b.generation_id}`
      : 'both_bad';
    return { label, keys: [key], signature: key, ranks: null };
  }
  const ranks = ranksOf(label.id);
  if (!needKeys) return { label, keys: NO_KEYS, signature: '', ranks };
  const keys: string[] = [];
  for (let i = 0; i < outs.length; i++) {
    for (let j = i + 1; j < outs.length; j++) {
      const ri = ranks[outs[i]!.position];
      const rj = ranks[outs[j]!.position];
      if (ri === undefined || rj === undefined) continue;
      const gi = outs[i]!.generation_id;
      const gj = outs[j]!.generation_id;
      keys.push(ri < rj ? `${gi}>${gj}` : ri > rj ? `${gj}>${gi}` : `${gi}=${gj}`);
    }
  }
  return { label, keys, signature: ranks.join(','), ranks };
}

// What was left out, with the label (and its prompt) as an example: assay ids as provenance writes them.
const skipLabel = (ctx: SourceContext, reason: string, l: ComparisonLabelRow, n = 1) => ctx.skip(reason, n, l.adjudicated ? 'adj' : l.kind === 'rank' ? 'rank' : 'cmp', l.id, l.prompt_seq);
/** The assay id of a comparison label (`cmp-12`), or of the adjudication standing for its task (`adj-3`). */
const cmpId = (l: ComparisonLabelRow) => (l.adjudicated ? `adj-${l.id}` : `cmp-${l.id}`);
const skipCorrection = (ctx: SourceContext, reason: string, c: CorrectionRow, n = 1) => ctx.skip(reason, n, 'fix', c.id, c.prompt_seq);
const skipReview = (ctx: SourceContext, reason: string, r: ReviewRow, n = 1) => ctx.skip(reason, n, r.adjudicated ? 'adj' : 'rev', r.id, r.prompt_seq);

function countOf(map: ReadonlyMap<string, number>, key: string): number {
  return map.get(key) ?? 0;
}

// Small helpers kept at module level: the hot loop makes no closures per label.
const nameOf = (map: Map<number, string>, id: number) => map.get(id) ?? `#${id}`;
const agrees = (count: number, n: number, min: number) => min === 0 || count / n >= min;
const modelsOk = (models: Set<number> | null, ...sides: TaskOutputRow[]) => models === null || sides.every((s) => models.has(s.model_id));

function provOf(l: ComparisonLabelRow, reviewer: string, assayId: string, modelA: string | null, modelB: string | null, rankingId: string | null = null): Provenance {
  return { assayId, reviewer, guidelineVersion: l.guideline_version, modelA, modelB, createdAt: l.created_at, rankingId };
}

function baseOf(l: ComparisonLabelRow, prompt: PromptData, reviewer: string, assayId: string, modelA: string | null, modelB: string | null, rankingId: string | null = null) {
  return { prompt, promptSeq: l.prompt_seq, prov: provOf(l, reviewer, assayId, modelA, modelB, rankingId) };
}

/** Items from comparison labels, task by task. */
export function comparisonItems(ctx: SourceContext, purpose: Exclude<Purpose, 'failures'>): void {
  const { db, options } = ctx;
  const f = options.filters;
  const models = f.modelIds.length > 0 ? new Set(f.modelIds) : null;
  const names = nameMaps(db);
  const ranksOf = rankGroups(db);
  const outputsOf = taskOutputs(db);
  const adjudicationOf = options.labels === 'adjudicated' ? adjudicationLookup(db) : null;
  const labels = comparisonLabelCursor(db, f);
  try {
    let cur = labels.next();
    while (!cur.done) {
      const taskId = cur.value.task_id;
      const group: ComparisonLabelRow[] = [];
      while (!cur.done && cur.value.task_id === taskId) {
        group.push(cur.value);
        cur = labels.next();
      }
      taskItems(ctx, purpose, group, pairOutputs(group[0]!) ?? outputsOf(taskId), ranksOf, models, names, adjudicationOf);
    }
  } finally {
    labels.return?.();
  }
}

/** A pairwise task's outputs from its label row; null for an N-way task. */
function pairOutputs(l: ComparisonLabelRow): TaskOutputRow[] | null {
  if (l.kind !== 'pair') return null;
  if (l.a_generation_id === null || l.b_generation_id === null) return [];
  return [
    { task_id: l.task_id, position: 0, generation_id: l.a_generation_id, output: l.a_output!, model_id: l.a_model_id! },
    { task_id: l.task_id, position: 1, generation_id: l.b_generation_id, output: l.b_output!, model_id: l.b_model_id! },
  ];
}

function taskItems(
  ctx: SourceContext,
  purpose: Exclude<Purpose, 'failures'>,
  group: ComparisonLabelRow[],
  outs: TaskOutputRow[],
  ranksOf: (id: number) => number[],
  models: Set<number> | null,
  names: ReturnType<typeof nameMaps>,
  adjudicationOf: ((kind: 'compare', itemId: number) => ExportAdjudication | undefined) | null,
): void {
  const { options, quality } = ctx;
  const f = options.filters;
  const n = group.length;
  // Agreement counts, only when a minimum asks for them (a task labeled once always agrees).
  const needKeys = n > 1 && f.minAgreement > 0;
  const outcomes = group.map((l) => outcomeOf(l, outs, ranksOf, needKeys));
  let keyCount = NO_COUNTS;
  let sigCount = NO_COUNTS;
  if (needKeys) {
    const keys = (keyCount = new Map<string, number>());
    const sigs = (sigCount = new Map<string, number>());
    for (const o of outcomes) {
      for (const k of o.keys) keys.set(k, countOf(keys, k) + 1);
      sigs.set(o.signature, countOf(sigs, o.signature) + 1);
    }
  }
  const minAll = n === 1 ? 0 : f.minAgreement;
  const withProvenance = options.provenance;

  // Label quality over the labels that pass the filters.
  const first = group[0]!;
  let passingCount = 0;
  for (const l of group) if (l.passes === 1) passingCount++;
  if (first.kind === 'pair') {
    for (const l of group) {
      if (l.passes === 1 && l.sides_seen === 1 && (l.choice === 'A' || l.choice === 'B')) {
        quality.decided++;
        if (l.choice === 'A') quality.leftWins++;
      }
    }
    if (passingCount > 1) quality.pairChoices.addUnit(group.filter((l) => l.passes === 1 && l.choice !== null).map((l) => l.choice!));
  } else if (passingCount > 1) {
    const passing = outcomes.filter((o) => o.label.passes === 1);
    for (let i = 0; i < outs.length; i++) {
      for (let j = i + 1; j < outs.length; j++) {
        const values: string[] = [];
        for (const o of passing) {
          const ri = o.ranks?.[outs[i]!.position];
          const rj = o.ranks?.[outs[j]!.position];
          if (ri !== undefined && rj !== undefined) values.push(ri < rj ? 'first' : ri > rj ? 'second' : 'tie');
        }
        quality.rankPairs.addUnit(values);
      }
    }
  }

  // labels adjudicated / majority: the task's one label, or none (the item is dropped and counted).
  let rows = outcomes;
  if (options.labels !== 'all' && n >= f.minLabels && passingCount > 0) {
    const resolved = resolveTask(ctx, group, outcomes, outs, needKeys, adjudicationOf);
    for (let i = resolved ? 1 : 0; i < group.length; i++) ctx.tick();
    if (!resolved) return;
    rows = [resolved];
  }

  for (const o of rows) {
    ctx.tick();
    const l = o.label;
    if (l.passes !== 1) {
      skipLabel(ctx, SKIP.filtered, l);
      continue;
    }
    if (n < f.minLabels) {
      skipLabel(ctx, SKIP.fewLabels, l);
      continue;
    }
    // An adjudicated label settles its item: the agreement minimum does not apply to it.
    const min = l.adjudicated ? 0 : minAll;
    const prompt = promptOf(l);
    const who = nameOf(names.reviewers, l.reviewer_id);
    const a = outs[0];
    const b = outs[1];

    if (l.kind === 'pair') {
      if (!a || !b || l.choice === null) {
        skipLabel(ctx, SKIP.noChoice, l);
        continue;
      }
      if (l.choice === 'A' || l.choice === 'B') {
        const win = l.choice === 'A' ? a : b;
        const lose = l.choice === 'A' ? b : a;
        if (purpose === 'sft') continue;
        if (!modelsOk(models, win, lose)) {
          skipLabel(ctx, SKIP.model, l);
          continue;
        }
        if (purpose === 'pairs') {
          if (!agrees(countOf(keyCount, o.keys[0]!), n, min)) {
            skipLabel(ctx, SKIP.agreement, l);
            continue;
          }
          // The hottest row of all: one literal, provenance strings made only when they are written.
          ctx.emit({
            type: 'pair',
            prompt,
            promptSeq: l.prompt_seq,
            prov: withProvenance
              ? provOf(l, who, cmpId(l), nameOf(names.models, win.model_id), nameOf(names.models, lose.model_id))
              : provOf(l, who, '', null, null),
            chosen: win.output,
            rejected: lose.output,
            margin: l.strength ? MARGIN[l.strength] : 0,
          });
        } else {
          if (!agrees(countOf(sigCount, o.signature), n, min)) {
            skipLabel(ctx, SKIP.agreement, l, 2);
            continue;
          }
          ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${cmpId(l)}-g${win.generation_id}`, nameOf(names.models, win.model_id), null), completion: win.output, label: true });
          ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${cmpId(l)}-g${lose.generation_id}`, nameOf(names.models, lose.model_id), null), completion: lose.output, label: false });
        }
      } else if (l.choice === 'tie') {
        if (purpose === 'sft') continue;
        if (purpose === 'pairs' || options.ties === 'drop') {
          skipLabel(ctx, SKIP.tie, l);
          continue;
        }
        if (!modelsOk(models, a, b)) {
          skipLabel(ctx, SKIP.model, l);
          continue;
        }
        if (!agrees(countOf(sigCount, o.signature), n, min)) {
          skipLabel(ctx, SKIP.agreement, l, 2);
          continue;
        }
        for (const side of [a, b]) {
          ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${cmpId(l)}-g${side.generation_id}`, nameOf(names.models, side.model_id), null), completion: side.output, label: true });
        }
      } else {
        // both_bad
        if (options.bothBad === 'drop') {
          skipLabel(ctx, SKIP.bothBadDropped, l);
          continue;
        }
        if (purpose !== 'kto' && l.correction === null) {
          skipLabel(ctx, SKIP.bothBadNoCorrection, l);
          continue;
        }
        if (!modelsOk(models, a, b)) {
          skipLabel(ctx, SKIP.model, l);
          continue;
        }
        if (!agrees(countOf(sigCount, o.signature), n, min)) {
          skipLabel(ctx, SKIP.agreement, l);
          continue;
        }
        if (purpose === 'pairs') {
          for (const side of [a, b]) {
            ctx.emit({ type: 'pair', ...baseOf(l, prompt, who, `${cmpId(l)}-fix-g${side.generation_id}`, null, nameOf(names.models, side.model_id)), chosen: l.correction!, rejected: side.output, margin: 0 });
          }
        } else if (purpose === 'sft') {
          ctx.emit({ type: 'sft', ...baseOf(l, prompt, who, `${cmpId(l)}-fix`, null, null), completion: l.correction! });
        } else {
          for (const side of [a, b]) {
            ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${cmpId(l)}-g${side.generation_id}`, nameOf(names.models, side.model_id), null), completion: side.output, label: false });
          }
          if (l.correction !== null) ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${cmpId(l)}-fix`, null, null), completion: l.correction, label: true });
        }
      }
      continue;
    }

    // N-way ranking.
    if (purpose === 'sft') continue;
    const ranks = o.ranks ?? [];
    const rankingId = l.adjudicated ? `adj-${l.id}` : `rank-${l.id}`;
    if (purpose === 'pairs') {
      for (let i = 0; i < outs.length; i++) {
        for (let j = i + 1; j < outs.length; j++) {
          const ri = ranks[outs[i]!.position];
          const rj = ranks[outs[j]!.position];
          if (ri === undefined || rj === undefined) continue;
          if (ri === rj) {
            skipLabel(ctx, SKIP.rankTie, l);
            continue;
          }
          const win = ri < rj ? outs[i]! : outs[j]!;
          const lose = ri < rj ? outs[j]! : outs[i]!;
          if (!modelsOk(models, win, lose)) {
            skipLabel(ctx, SKIP.model, l);
            continue;
          }
          if (!agrees(countOf(keyCount, `${win.generation_id}>${lose.generation_id}`), n, min)) {
            skipLabel(ctx, SKIP.agreement, l);
            continue;
          }
          ctx.emit({
            type: 'pair',
            ...baseOf(l, prompt, who, `${rankingId}-g${win.generation_id}-g${lose.generation_id}`, nameOf(names.models, win.model_id), nameOf(names.models, lose.model_id), rankingId),
            chosen: win.output,
            rejected: lose.output,
            margin: 0,
          });
        }
      }
      continue;
    }
    // KTO from a ranking: the best group is desirable, the worst undesirable, the middle left out;
    // a ranking that ties everything follows the tie policy.
    const defined = outs.filter((x) => ranks[x.position] !== undefined);
    const best = Math.min(...defined.map((x) => ranks[x.position]!));
    const worst = Math.max(...defined.map((x) => ranks[x.position]!));
    if (best === worst && options.ties === 'drop') {
      skipLabel(ctx, SKIP.tie, l);
      continue;
    }
    if (!agrees(countOf(sigCount, o.signature), n, min)) {
      skipLabel(ctx, SKIP.agreement, l, defined.length);
      continue;
    }
    for (const x of defined) {
      const r = ranks[x.position]!;
      const label = r === best ? true : r === worst ? false : null;
      if (label === null) {
        skipLabel(ctx, SKIP.rankMiddle, l);
        continue;
      }
      if (!modelsOk(models, x)) {
        skipLabel(ctx, SKIP.model, l);
        continue;
      }
      ctx.emit({ type: 'unpaired', ...baseOf(l, prompt, who, `${rankingId}-g${x.generation_id}`, nameOf(names.models, x.model_id), null, rankingId), completion: x.output, label });
    }
  }
}

/** The vote of a comparison label: its choice, or its whole ranking (strength is not compared). */
const voteOf = (o: LabelOutcome) => (o.label.kind === 'pair' ? (o.label.choice ?? 'none') : (o.ranks ?? []).join(','));

/**
 * `labels` adjudicated / majority for one task (docs/EXPORTS.md, "Which labels"): the one label
 * that stands for it, or null when the rule drops it (counted as one item). Votes are the labels
 * that pass the filters. The row carries the strength, correction and reviewer of the first
 * label of the winning vote; an adjudicated row is the adjudicator's (no strength, so margin 0;
 * a both-bad adjudication takes the first reviewer's both-bad correction).
 */
function resolveTask(
  ctx: SourceContext,
  group: readonly ComparisonLabelRow[],
  outcomes: readonly LabelOutcome[],
  outs: readonly TaskOutputRow[],
  needKeys: boolean,
  adjudicationOf: ((kind: 'compare', itemId: number) => ExportAdjudication | undefined) | null,
): LabelOutcome | null {
  const counts = ctx.labelCounts;
  counts.items++;
  const voting = outcomes.filter((o) => o.label.passes === 1);
  const votes = voting.map(voteOf);
  const first = voting[0]!.label;
  if (ctx.options.labels === 'adjudicated') {
    const adj = adjudicationOf?.('compare', first.task_id);
    if (adj) {
      const label = AdjudicatedLabel.parse(JSON.parse(adj.label));
      const choice = label.type === 'pair' ? label.choice : null;
      const ranks = label.type === 'rank' ? label.ranks : null;
      const synthetic: ComparisonLabelRow = {
        ...first,
        id: adj.id,
        reviewer_id: adj.adjudicator_id,
        choice,
        strength: null,
        correction: choice === 'both_bad' ? (voting.find((o) => o.label.choice === 'both_bad' && o.label.correction !== null)?.label.correction ?? null) : null,
        guideline_version: Math.max(...voting.map((o) => o.label.guideline_version)),
        created_at: adj.updated_at,
        passes: 1,
        adjudicated: true,
      };
      counts.adjudicated++;
      return outcomeOf(synthetic, outs, () => ranks ?? [], needKeys || synthetic.kind === 'rank');
    }
    if (new Set(votes).size === 1) {
      // One label is not agreement: it is counted apart so the card does not call it checked.
      if (voting.length === 1) counts.single++;
      else counts.agreed++;
      return voting[0]!;
    }
    counts.dropped++;
    skipLabel(ctx, SKIP.disagree, first);
    return null;
  }
  const winner = strictMajority(votes);
  if (winner) {
    if (voting.length === 1) counts.single++;
    else counts.majority++;
    return voting[winner.first]!;
  }
  counts.dropped++;
  skipLabel(ctx, SKIP.noMajority, first);
  return null;
}

// ── Review corrections ───────────────────────────────────────────────────────────────────────

/** Items from the latest correction of each generation. */
export function correctionItems(ctx: SourceContext, purpose: Exclude<Purpose, 'failures'>): void {
  const f = ctx.options.filters;
  const names = nameMaps(ctx.db);
  const rows = correctionCursor(ctx.db, f, { steps: purpose === 'cot' });
  try {
    for (const c of rows) {
      ctx.tick();
      if (!inRange(c.guideline_version, f.guidelineMin, f.guidelineMax)) {
        skipCorrection(ctx, SKIP.filtered, c);
        continue;
      }
      if (f.minLabels > 1) {
        skipCorrection(ctx, SKIP.fewLabels, c);
        continue;
      }
      const base = {
        prompt: promptOf(c),
        promptSeq: c.prompt_seq,
        prov: {
          assayId: `fix-${c.id}`,
          reviewer: names.reviewers.get(c.reviewer_id) ?? `#${c.reviewer_id}`,
          guidelineVersion: c.guideline_version,
          modelA: null,
          modelB: names.models.get(c.model_id) ?? `#${c.model_id}`,
          createdAt: c.created_at,
          rankingId: null,
        },
      };
      if (purpose === 'pairs') {
        if (c.text === c.output) {
          skipCorrection(ctx, SKIP.sameAsOutput, c);
          continue;
        }
        ctx.emit({ type: 'pair', ...base, chosen: c.text, rejected: c.output, margin: 0 });
      } else if (purpose === 'kto') {
        ctx.emit({ type: 'unpaired', ...base, completion: c.text, label: true });
      } else if (purpose === 'cot') {
        const steps = JSON.parse(c.steps ?? '[]') as string[];
        if (steps.length === 0) {
          skipCorrection(ctx, SKIP.noSteps, c);
          continue;
        }
        ctx.emit({ type: 'cot', ...base, steps, completion: c.text });
      } else {
        ctx.emit({ type: 'sft', ...base, completion: c.text });
      }
    }
  } finally {
    rows.return?.();
  }
}

// ── Reviews ──────────────────────────────────────────────────────────────────────────────────

interface ClassInfo {
  name: string;
  mergedInto: number | null;
}

/** Items from submitted reviews, generation by generation: KTO examples or failure-class rows. */
export function reviewItems(ctx: SourceContext, purpose: 'kto' | 'failures'): void {
  const { db, options, quality } = ctx;
  const f = options.filters;
  const details = reviewDetails(db);
  const names = nameMaps(db);
  const classes = new Map<number, ClassInfo>();
  for (const c of details.classes()) classes.set(c.id, { name: c.name, mergedInto: c.merged_into_id });
  /** A merged class counts for the class that absorbed it (followed to the end of the chain). */
  const className = (id: number): string => {
    let cur = id;
    for (let hops = 0; hops < 100; hops++) {
      const c = classes.get(cur);
      if (!c) return `class ${id}`;
      if (c.mergedInto === null) return c.name;
      cur = c.mergedInto;
    }
    return classes.get(id)?.name ?? `class ${id}`;
  };
  const ktoLabel = (v: Verdict | null): boolean | 'skip' | 'none' =>
    v === null ? 'none'
    : v === 'good' ? true
    : v === 'bad' ? false
    : options.acceptable === 'desirable' ? true
    : options.acceptable === 'undesirable' ? false
    : 'skip';

  /** A merged class counts as its live target: the id the agreement rules compare. */
  const classRoot = (id: number): number => {
    let cur = id;
    for (let hops = 0; hops < 100; hops++) {
      const next = classes.get(cur)?.mergedInto;
      if (next == null) return cur;
      cur = next;
    }
    return cur;
  };
  const adjudicationOf = options.labels === 'adjudicated' ? adjudicationLookup(db) : null;

  /** One row from a review (a reviewer's, or one made from an adjudication). */
  const emitReview = (r: ReviewRow, tags: FailureTagRow[] | null, steps: StepRow[] | null): void => {
    const base = {
      prompt: promptOf(r),
      promptSeq: r.prompt_seq,
      prov: {
        assayId: r.adjudicated ? `adj-${r.id}` : `rev-${r.id}`,
        reviewer: names.reviewers.get(r.reviewer_id) ?? `#${r.reviewer_id}`,
        guidelineVersion: r.guideline_version,
        modelA: names.models.get(r.model_id) ?? `#${r.model_id}`,
        modelB: null,
        createdAt: r.created_at,
        rankingId: null,
      },
    };
    if (purpose === 'kto') {
      const label = ktoLabel(r.verdict);
      if (label === 'none') skipReview(ctx, SKIP.noVerdict, r);
      else if (label === 'skip') skipReview(ctx, SKIP.acceptable, r);
      else ctx.emit({ type: 'unpaired', ...base, completion: r.output, label });
      return;
    }
    const tagRows = tags ?? details.tags(r.id);
    const tagClass = new Map(tagRows.map((t) => [t.id, className(t.class_id)]));
    const classNames: string[] = [];
    for (const t of tagRows) {
      const name = tagClass.get(t.id)!;
      if (!classNames.includes(name)) classNames.push(name);
    }
    ctx.emit({
      type: 'failure',
      ...base,
      output: r.output,
      verdict: r.verdict,
      comment: r.comment,
      classes: classNames,
      spans: tagRows.map((t) => ({
        class: tagClass.get(t.id)!,
        start: t.span_start,
        end: t.span_end,
        quote: t.span_start === null ? null : (t.quote ?? sliceCodePoints(r.output, t.span_start, t.span_end!)),
        note: t.note,
      })),
      steps: (steps ?? details.steps(r.id)).map((s) => ({ body: s.body, class: s.tag_id === null ? null : (tagClass.get(s.tag_id) ?? null) })),
      correction: details.correction(r.generation_id),
    });
  };

  /**
   * `labels` adjudicated / majority for one output: the review that stands for it (with its tags
   * and steps when made from an adjudication), or null when the rule drops it (counted). Votes are
   * the reviews that pass the filters. adjudicated: the adjudication, else the first review when
   * the reviews agree by the Adjudication queue's rules (verdict, ratings, classes, spans), else
   * dropped. majority: kto votes the verdict; failures the verdict and the set of classes; the
   * first review of a strict majority stands for it.
   */
  const resolveReview = (group: ReviewRow[]): { row: ReviewRow; tags: FailureTagRow[] | null; steps: StepRow[] | null } | null => {
    const counts = ctx.labelCounts;
    counts.items++;
    const voting = group.filter((r) => r.passes === 1);
    const first = voting[0]!;
    if (options.labels === 'adjudicated') {
      const adj = adjudicationOf?.('review', first.generation_id);
      if (adj) {
        const label = AdjudicatedLabel.parse(JSON.parse(adj.label));
        if (label.type !== 'review') return null;
        counts.adjudicated++;
        const tags: FailureTagRow[] = [
          ...label.classIds.map((classId, i) => ({ id: -1 - i, class_id: classId, span_start: null, span_end: null, quote: null, note: '' })),
          ...label.spans.map((sp, i) => ({ id: -1 - label.classIds.length - i, class_id: sp.classId, span_start: sp.start, span_end: sp.end, quote: null, note: '' })),
        ];
        const row: ReviewRow = {
          ...first,
          id: adj.id,
          reviewer_id: adj.adjudicator_id,
          verdict: label.verdict,
          comment: adj.rationale,
          guideline_version: Math.max(...voting.map((r) => r.guideline_version)),
          created_at: adj.updated_at,
          passes: 1,
          adjudicated: true,
        };
        return { row, tags, steps: [] };
      }
      if (voting.length === 1) {
        counts.single++;
        return { row: first, tags: null, steps: null };
      }
      const labels = voting.map((r) => {
        const classSet = new Set<number>();
        const spans = new Map<number, SpanRange[]>();
        for (const t of details.tags(r.id)) {
          const c = classRoot(t.class_id);
          classSet.add(c);
          if (t.span_start !== null && t.span_end !== null) {
            let list = spans.get(c);
            if (!list) spans.set(c, (list = []));
            list.push({ start: t.span_start, end: t.span_end });
          }
        }
        return { verdict: r.verdict as string | null, ratings: new Map(details.ratings(r.id).map((x) => [x.criterion_id, x.value])), classes: classSet, spans };
      });
      if (reviewReasons(labels).length === 0) {
        counts.agreed++;
        return { row: first, tags: null, steps: null };
      }
      counts.dropped++;
      skipReview(ctx, SKIP.disagree, first);
      return null;
    }
    const votes = voting.map((r) =>
      purpose === 'kto' ? (r.verdict ?? 'none') : `${r.verdict ?? 'none'}|${[...new Set(details.tags(r.id).map((t) => classRoot(t.class_id)))].sort((a, b) => a - b).join(',')}`,
    );
    const winner = strictMajority(votes);
    if (winner) {
      if (voting.length === 1) counts.single++;
      else counts.majority++;
      return { row: voting[winner.first]!, tags: null, steps: null };
    }
    counts.dropped++;
    skipReview(ctx, SKIP.noMajority, first);
    return null;
  };

  const rows = reviewCursor(db, f);
  try {
    let cur = rows.next();
    while (!cur.done) {
      const generationId = cur.value.generation_id;
      const group: ReviewRow[] = [];
      while (!cur.done && cur.value.generation_id === generationId) {
        group.push(cur.value);
        cur = rows.next();
      }
      const n = group.length;
      const verdictKey = (r: ReviewRow) => (purpose === 'kto' ? String(ktoLabel(r.verdict)) : (r.verdict ?? 'none'));
      const counts = new Map<string, number>();
      for (const r of group) counts.set(verdictKey(r), countOf(counts, verdictKey(r)) + 1);
      quality.verdicts.addUnit(group.filter((r) => r.passes === 1).map((r) => r.verdict ?? 'none'));

      if (options.labels !== 'all' && n >= f.minLabels && group.some((r) => r.passes === 1)) {
        const resolved = resolveReview(group);
        for (let i = resolved ? 1 : 0; i < n; i++) ctx.tick();
        if (!resolved) continue;
        ctx.tick();
        if (!resolved.row.adjudicated && countOf(counts, verdictKey(resolved.row)) / n < f.minAgreement) {
          skipReview(ctx, SKIP.agreement, resolved.row);
          continue;
        }
        emitReview(resolved.row, resolved.tags, resolved.steps);
        continue;
      }

      for (const r of group) {
        ctx.tick();
        if (r.passes !== 1) {
          skipReview(ctx, SKIP.filtered, r);
          continue;
        }
        if (n < f.minLabels) {
          skipReview(ctx, SKIP.fewLabels, r);
          continue;
        }
        if (countOf(counts, verdictKey(r)) / n < f.minAgreement) {
          skipReview(ctx, SKIP.agreement, r);
          continue;
        }
        emitReview(r, null, null);
      }
    }
  } finally {
    rows.return?.();
  }
}

/** The items of a format, sources in a fixed order. */
export function itemsFor(ctx: SourceContext): void {
  const o = ctx.options;
  switch (o.format) {
    case 'trl':
    case 'openrlhf':
    case 'openai':
    case 'hh':
      comparisonItems(ctx, 'pairs');
      correctionItems(ctx, 'pairs');
      return;
    case 'kto':
      if (o.ktoSources.includes('reviews')) reviewItems(ctx, 'kto');
      if (o.ktoSources.includes('comparisons')) comparisonItems(ctx, 'kto');
      if (o.ktoSources.includes('corrections')) correctionItems(ctx, 'kto');
      return;
    case 'sft':
    case 'sft-messages':
      comparisonItems(ctx, 'sft');
      correctionItems(ctx, 'sft');
      return;
    case 'sft-cot':
    case 'sft-cot-messages':
      // Comparison labels' corrections have no think-aloud steps: reviews' corrections only.
      correctionItems(ctx, 'cot');
      return;
    case 'failures':
      reviewItems(ctx, 'failures');
      return;
    case 'full':
    case 'model-card':
      return;
  }
}
