import type { Leaderboard } from '../../contract/comparisons';
import type { PairChoice } from '../../contract/comparisons';
import { AppError } from '../../contract/result';
import { labelsForStats, modelNames, type LabelFilter, type StatsLabel, type StatsOutput } from '../../db/comparisons';
import type { ReadableDB } from '../../db/handles';
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
    if (label.kind === 'pair' && (label.choice === 'A' || label.choice === 'B')) {
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

/** winRate[i][j] (ties half; null without data) and counts[i][j] over outcomes among `n` models. */
export function winMatrix(n: number, outcomes: Iterable<ModelOutcome>): { winRate: (number | null)[][]; counts: number[][] } {
  const wins = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const o of outcomes) {
    wins[o.a]![o.b]! += o.score;
    wins[o.b]![o.a]! += 1 - o.score;
    counts[o.a]![o.b]!++;
    counts[o.b]![o.a]!++;
  }
  const winRate = wins.map((row, i) => row.map((w, j) => (counts[i]![j]! > 0 ? w / counts[i]![j]! : null)));
  return { winRate, counts };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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

export function buildLeaderboard(
  db: ReadableDB,
  input: LabelFilter & { bootstrap: number; seed: number },
): Leaderboard {
  const { labels, outputs } = labelsForStats(db, { tag: input.tag, reviewerId: input.reviewerId, templateId: input.templateId });
  const prepared = prepare(labels, outputs);
  void modelNames;
  void prepared;
  throw new AppError('internal', 'The leaderboard statistics are not built yet.');
}
