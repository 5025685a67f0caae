import type { Leaderboard, PairChoice } from '../../contract/comparisons';
import { labelsForStats, modelNames, type LabelFilter, type StatsLabel, type StatsOutput } from '../../db/comparisons';
import type { ReadableDB } from '../../db/handles';
import { bootstrapBradleyTerry, cohensKappa, krippendorffAlpha, median, PairTally, pairTables, positionBias, toRating } from '../stats';
import { expandLabel } from './outcomes';

/**
 * The leaderboard: labels → pairwise outcomes per model → Bradley–Terry with bootstrap intervals,
 * the win-rate matrix and counts, position bias, per-reviewer figures and agreement.
 *
 * What counts as an outcome between two models:
 * - A / B: a win for the model shown on that side (the stored shown order undoes the side
 *   randomization: position → generation → model).
 * - tie: half a win each (the issue: "a tie counts half").
 * - both_bad: left out of the fit and the win-rate matrix. Neither output is preferred, and both
 *   may be bad in different ways; counting it as a tie would pull the two models together on
 *   exactly the prompts where both failed, which says nothing about which is better. (Exports use
 *   it differently: with a correction, the correction wins over both.)
 * - N-way rankings: the K(K−1)/2 pairs of shown positions, the better rank group wins, the same
 *   group is a tie.
 * - Two generations of the same model (samples of one model) carry no information about models
 *   and are left out of the fit; they still count for position bias when pairwise.
 */

export interface ModelOutcome {
  /** Indexes into the leaderboard's model list. */
  a: number;
  b: number;
  /** 1: a preferred, 0: b preferred, 0.5: tie. */
  score: number;
}

export interface Prepared {
  modelIds: number[];
  /** Outcomes per label (a label is the bootstrap's unit: an N-way ranking is resampled whole). */
  units: ModelOutcome[][];
  /** Pairwise labels that picked a side, and how many picked the left. */
  leftWins: number;
  decided: number;
}

/** Expands labels into model outcomes (see the header comment for what counts). */
export function prepare(labels: readonly StatsLabel[], outputs: ReadonlyMap<number, readonly StatsOutput[]>): Prepared {
  const index = new Map<number, number>();
  const modelIds: number[] = [];
  const indexOf = (modelId: number) => {
    let i = index.get(modelId);
    if (i === undefined) {
      index.set(modelId, (i = modelIds.length));
      modelIds.push(modelId);
    }
    return i;
  };
  const units: ModelOutcome[][] = [];
  let leftWins = 0;
  let decided = 0;
  for (const label of labels) {
    if (label.kind === 'pair' && label.sidesSeen && (label.choice === 'A' || label.choice === 'B')) {
      decided++;
      if (label.choice === 'A') leftWins++;
    }
    const unit: ModelOutcome[] = [];
    for (const o of expandLabel(label, outputs.get(label.taskId) ?? [])) {
      if (o.bothBad || o.first.modelId === o.second.modelId) continue;
      unit.push({ a: indexOf(o.first.modelId), b: indexOf(o.second.modelId), score: o.score });
    }
    if (unit.length > 0) units.push(unit);
  }
  return { modelIds, units, leftWins, decided };
}

/**
 * Per reviewer: live labels in the filter and the median time per label. Labels with no recorded
 * time (0 ms: made before timing, or imported) are counted but left out of the median.
 */
export function reviewerFigures(labels: readonly StatsLabel[]): Leaderboard['reviewers'] {
  const by = new Map<number, { name: string; labels: number; times: number[] }>();
  for (const l of labels) {
    let r = by.get(l.reviewerId);
    if (!r) by.set(l.reviewerId, (r = { name: l.reviewerName, labels: 0, times: [] }));
    r.labels++;
    if (l.timeSpentMs > 0) r.times.push(l.timeSpentMs);
  }
  return [...by.entries()]
    .map(([reviewerId, r]) => ({ reviewerId, name: r.name, labels: r.labels, medianTimeMs: median(r.times) }))
    .sort((a, b) => b.labels - a.labels || a.name.localeCompare(b.name));
}

/**
 * Agreement data: for each item labeled by two or more reviewers, each reviewer's category.
 * Pairwise tasks: the item is the task, the category its choice (A/B/tie/both_bad; reviewers of a
 * task all saw the same stored order, so A means the same output for each). N-way tasks: the item
 * is a pair of shown positions of a task, the category which of the two was ranked higher, or tie.
 */
export function agreementItems(labels: readonly StatsLabel[], kind: 'pair' | 'rank'): { items: Map<string, Map<number, string>>; reviewers: Set<number> } {
  const all = new Map<string, Map<number, string>>();
  for (const l of labels) {
    if (l.kind !== kind) continue;
    const put = (key: string, category: string) => {
      let item = all.get(key);
      if (!item) all.set(key, (item = new Map()));
      item.set(l.reviewerId, category);
    };
    if (kind === 'pair') {
      if (l.choice !== null) put(String(l.taskId), l.choice satisfies PairChoice);
    } else if (l.ranks) {
      for (let i = 0; i < l.ranks.length; i++) {
        for (let j = i + 1; j < l.ranks.length; j++) {
          const ri = l.ranks[i]!;
          const rj = l.ranks[j]!;
          put(`${l.taskId}:${i}:${j}`, ri < rj ? 'first' : ri > rj ? 'second' : 'tie');
        }
      }
    }
  }
  const items = new Map<string, Map<number, string>>();
  const reviewers = new Set<number>();
  for (const [key, item] of all) {
    if (item.size < 2) continue;
    items.set(key, item);
    for (const r of item.keys()) reviewers.add(r);
  }
  return { items, reviewers };
}

/** The task a unit of agreementItems belongs to (a pair task's key is its id; an N-way unit's `task:i:j`). */
const taskOfUnit = (key: string): string => key.split(':', 1)[0]!;

/**
 * Agreement for one kind of task: Cohen's κ when exactly two reviewers overlap, Krippendorff's α
 * (nominal) for more. `items` is the number of tasks labeled by two or more reviewers: an N-way
 * task is computed over its pairs of positions, but it is one item (the method string says how
 * many position pairs), so the count reads the same as for pairs.
 */
function agreementFor(labels: readonly StatsLabel[], kind: 'pair' | 'rank'): Leaderboard['agreement'][number] | null {
  if (!labels.some((l) => l.kind === kind)) return null;
  const { items, reviewers } = agreementItems(labels, kind);
  const tasks = new Set([...items.keys()].map(taskOfUnit)).size;
  const what =
    kind === 'pair'
      ? 'pairwise choices (A/B/tie/both bad)'
      : `N-way rankings, per pair of positions (first/second/tie${items.size > 0 ? `; ${items.size.toLocaleString()} position pair${items.size === 1 ? '' : 's'}` : ''})`;
  if (items.size === 0) {
    return { value: null, method: `No ${kind === 'pair' ? 'pairwise' : 'N-way'} task has labels from two reviewers yet (${what})`, items: 0 };
  }
  if (reviewers.size === 2) {
    const [r1, r2] = [...reviewers].sort((a, b) => a - b) as [number, number];
    const k = cohensKappa(
      [...items.values()].map((item) => [item.get(r1), item.get(r2)] as const),
      { noun: 'reviewers' },
    );
    return { value: k.value, method: `${k.method} on ${what}`, items: k.items === 0 ? 0 : tasks };
  }
  const order = [...reviewers].sort((a, b) => a - b);
  const a = krippendorffAlpha(
    [...items.values()].map((item) => order.map((r) => item.get(r))),
    { level: 'nominal', raters: order.length, noun: 'reviewers' },
  );
  return { value: a.value, method: `${a.method} on ${what}`, items: a.items === 0 ? 0 : tasks };
}

export function buildLeaderboard(db: ReadableDB, input: LabelFilter & { bootstrap: number; seed: number }): Leaderboard {
  const { labels, outputs } = labelsForStats(db, { tag: input.tag, reviewerId: input.reviewerId, templateId: input.templateId });
  const prepared = prepare(labels, outputs);
  const n = prepared.modelIds.length;
  const bias = positionBias(prepared.leftWins, prepared.decided - prepared.leftWins);
  const positionFigures = { leftWinRate: bias.leftWinRate, low: bias.low, high: bias.high, decided: bias.decided };
  const agreement = [agreementFor(labels, 'pair'), agreementFor(labels, 'rank')].filter((a) => a !== null);
  const reviewers = reviewerFigures(labels);
  if (n === 0) return { models: [], winRate: [], counts: [], positionBias: positionFigures, reviewers, agreement, comparisons: 0 };

  const tally = new PairTally(n);
  for (const unit of prepared.units) for (const o of unit) tally.add(o.a, o.b, o.score);
  const pairs = tally.pairs();
  // The default prior of the fit (one virtual tie per model against a reference) keeps a model
  // that never lost finite; the bootstrap resamples comparisons with the same options.
  const { fit, low, high } = bootstrapBradleyTerry(n, pairs, { samples: input.bootstrap, seed: input.seed });
  const tables = pairTables(n, pairs);
  const names = modelNames(db, prepared.modelIds);

  // Strongest first; the matrices follow the same order.
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => fit.strengths[b]! - fit.strengths[a]! || names.get(prepared.modelIds[a]!)!.localeCompare(names.get(prepared.modelIds[b]!)!),
  );
  // Without resamples the interval is the estimate itself.
  const interval = (bounds: number[], i: number) => (input.bootstrap > 0 && Number.isFinite(bounds[i]!) ? bounds[i]! : fit.strengths[i]!);
  return {
    models: order.map((i) => ({
      modelId: prepared.modelIds[i]!,
      name: names.get(prepared.modelIds[i]!) ?? `model ${prepared.modelIds[i]}`,
      strength: fit.strengths[i]!,
      low: interval(low, i),
      high: interval(high, i),
      rating: toRating(fit.strengths[i]!),
      comparisons: tables.games[i]!,
    })),
    winRate: order.map((i) => order.map((j) => tables.winRate[i]![j]!)),
    counts: order.map((i) => order.map((j) => tables.counts[i]![j]!)),
    positionBias: positionFigures,
    reviewers,
    agreement,
    comparisons: tally.comparisons,
  };
}
