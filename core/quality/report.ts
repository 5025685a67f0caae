import type { AgreementRow, QualityFigure, QualityReport, QualityScope } from '../../contract/quality';
import type { CriterionScale, Verdict } from '../../contract/review';
import { labelsForStats, type StatsLabel } from '../../db/comparisons';
import type { ReadableDB } from '../../db/handles';
import { classesForQuality, criteriaForQuality, reviewerNames, reviewLabelsForQuality, sessionName, taskOutputLengths, type QualityRatingRow, type QualityReviewRow, type QualityTagRow } from '../../db/quality';
import { AppError } from '../../contract/result';
import {
  alphaOf,
  classPresenceAgreement,
  leniency,
  lengthPreference,
  meanKendallsW,
  preferenceAgreement,
  rankPairUnits,
  reviewerVsRest,
  sharedUnits,
  spanOverlap,
  wilsonInterval,
  type AlphaLevel,
  type Category,
  type KrippendorffsAlpha,
  type Proportion,
  type Span,
  type SpanF1,
  type Units,
} from '../stats';

/**
 * `quality.report`: reads the labels in the scope (db/quality.ts, db/comparisons.ts) and computes
 * every figure with core/stats (definitions there). What is compared on each kind of label:
 * - Verdicts: ordinal α in the order bad < acceptable < good, and interval α on bad 0,
 *   acceptable 1, good 2 beside it.
 * - Rubric ratings, per criterion: Likert scales ordinal α with interval α beside; pass/fail nominal.
 * - Failure classes: presence per item (α nominal per class and overall) and span tags
 *   (character-level F1 per class and overall).
 * - Pairwise choices: α nominal on A/B/tie/both_bad, and MT-Bench's agreement with and without
 *   ties (both_bad counts with ties as its own category; without ties it is left out with the ties).
 * - N-way rankings: pairwise-implied agreement over each pair of shown positions (α nominal, with
 *   and without ties) and Kendall's W per task, mean over tasks.
 * Every figure counts only items labelled by two or more reviewers.
 */

const VERDICT_ORDER: readonly Verdict[] = ['bad', 'acceptable', 'good'];
const VERDICT_SCORE: Record<Verdict, number> = { bad: 0, acceptable: 1, good: 2 };
const undecided = (v: string) => v === 'tie' || v === 'both_bad';

/** The labels of an untagged review: shared by every such label and never written to. */
const NO_CLASSES: Set<number> = new Set();
const NO_SPANS: Span[] = [];

/** `units`' reviewer map of `key`, made when missing (as toUnits does: items in order of first appearance). */
function unitOf<V>(units: Units<V>, key: string): Map<number, V> {
  let u = units.get(key);
  if (!u) units.set(key, (u = new Map()));
  return u;
}

const alphaFigure = (a: KrippendorffsAlpha): QualityFigure => ({ value: a.value, items: a.items, method: a.method });
const spanFigure = (f: SpanF1): QualityFigure => ({ value: f.value, items: f.items, pairs: f.pairs, method: f.method });
const withMethod = (p: Proportion, method: string) => ({ value: p.value, low: p.low, high: p.high, successes: p.successes, trials: p.trials, method });

function levelsOf(scale: CriterionScale): AlphaLevel[] {
  return scale === 'passfail' ? ['nominal'] : ['ordinal', 'interval'];
}

/** What agreement is computed from: the labels in scope, as the quality report reads them (db/quality.ts, labelsForStats). */
export interface AgreementInputs {
  /** Submitted, live, on outputs of live prompts; in id order. */
  reviews: QualityReviewRow[];
  /** Of those reviews, in (review id, criterion id) order. */
  ratings: QualityRatingRow[];
  /** Live tags of those reviews, in tag id order. */
  tags: QualityTagRow[];
  /** Live comparison labels on tasks of live prompts, in id order; ranks on rankings. */
  labels: Pick<StatsLabel, 'id' | 'taskId' | 'kind' | 'reviewerId' | 'choice' | 'ranks'>[];
}

/**
 * `agreementOnly`: just the agreement table (and the scope), with no per-class, per-reviewer or
 * calibration figures: what a pack merge reports (core/packs/service.ts), at a fraction of the cost.
 */
export function buildQualityReport(db: ReadableDB, scope: QualityScope, options: { agreementOnly?: boolean } = {}): QualityReport {
  return build(db, scope, options, null);
}

/**
 * The agreement table over labels the caller already holds, the same as
 * `buildQualityReport(db, scope, { agreementOnly: true }).agreement` would compute reading them:
 * a merge passes the rows it has just written with the workspace's other labels on those items.
 */
export function agreementOver(db: ReadableDB, scope: QualityScope, inputs: AgreementInputs): AgreementRow[] {
  return build(db, scope, { agreementOnly: true }, inputs).agreement;
}

function build(db: ReadableDB, scope: QualityScope, options: { agreementOnly?: boolean }, inputs: AgreementInputs | null): QualityReport {
  const session = scope.sessionId === undefined ? null : sessionName(db, scope.sessionId);
  if (scope.sessionId !== undefined && session === null) {
    throw new AppError('not_found', `There is no review session ${scope.sessionId}; choose one from the Sessions list, or leave the session out for the whole workspace.`);
  }
  const names = reviewerNames(db);
  const { reviews, ratings, tags } = inputs ?? reviewLabelsForQuality(db, { sessionId: scope.sessionId, generationIds: scope.generationIds });
  const criteria = criteriaForQuality(db);
  const classes = classesForQuality(db);
  // Labels given by the caller are only ever agreement's (agreementOnly): the rest of the report reads every field.
  const labels = (inputs?.labels as StatsLabel[] | undefined) ?? labelsForStats(db, { sessionId: scope.sessionId, taskIds: scope.taskIds }, { outputs: false }).labels;

  // Tags of a merged class count for the live class it was merged into (following merges of merges).
  const classById = new Map(classes.map((c) => [c.id, c]));
  const liveClass = (id: number): number => {
    let c = classById.get(id);
    for (let hops = 0; c && c.mergedIntoId !== null && hops < 1000; hops++) c = classById.get(c.mergedIntoId);
    return c?.id ?? id;
  };

  // ── Review labels as units ── (one pass over each list; an untagged label shares one empty
  // set and one empty list, read-only, so a merge of 100,000 labels makes no 200,000 of them)
  const reviewOf = new Map<number, { key: string; reviewerId: number }>();
  const verdicts: Units<Category> = new Map();
  const verdictScores: Units<number> = new Map();
  const classSets: Units<Set<number>> = new Map();
  const spans: Units<Span[]> = new Map();
  for (const r of reviews) {
    const key = String(r.generationId);
    reviewOf.set(r.reviewId, { key, reviewerId: r.reviewerId });
    if (r.verdict !== null) {
      unitOf(verdicts, key).set(r.reviewerId, r.verdict);
      unitOf(verdictScores, key).set(r.reviewerId, VERDICT_SCORE[r.verdict]);
    }
    unitOf(classSets, key).set(r.reviewerId, NO_CLASSES);
    unitOf(spans, key).set(r.reviewerId, NO_SPANS);
  }
  const ratingUnits = new Map<number, Units<number>>();
  for (const x of ratings) {
    const r = reviewOf.get(x.reviewId)!;
    let u = ratingUnits.get(x.criterionId);
    if (!u) ratingUnits.set(x.criterionId, (u = new Map()));
    unitOf(u, r.key).set(r.reviewerId, x.value);
  }
  for (const t of tags) {
    const r = reviewOf.get(t.reviewId)!;
    const classId = liveClass(t.classId);
    const sets = classSets.get(r.key)!;
    let set = sets.get(r.reviewerId)!;
    if (set === NO_CLASSES) sets.set(r.reviewerId, (set = new Set()));
    set.add(classId);
    if (t.spanStart !== null && t.spanEnd !== null) {
      const lists = spans.get(r.key)!;
      let list = lists.get(r.reviewerId)!;
      if (list === NO_SPANS) lists.set(r.reviewerId, (list = []));
      list.push({ classId, start: t.spanStart, end: t.spanEnd });
    }
  }

  // ── Comparison labels as units ──
  const pairChoices: Units<Category> = new Map();
  const rankings: Units<readonly number[]> = new Map();
  for (const l of labels) {
    if (l.kind === 'pair') {
      if (l.choice !== null) unitOf(pairChoices, String(l.taskId)).set(l.reviewerId, l.choice);
    } else if (l.kind === 'rank' && l.ranks !== null && l.ranks.every((g) => g !== undefined)) {
      unitOf(rankings, String(l.taskId)).set(l.reviewerId, l.ranks);
    }
  }
  const rankPairs = rankPairUnits(rankings);

  // ── Agreement table ──
  const agreement: AgreementRow[] = [];
  const alphaRows = (kind: AgreementRow['kind'], label: string, units: Units<Category>, levels: AlphaLevel[], order?: readonly Category[]) => {
    for (const level of levels) {
      agreement.push({ kind, label, measure: `α ${level}`, ...alphaFigure(alphaOf(units, { level, order: level === 'ordinal' ? order : undefined })) });
    }
  };
  alphaRows('verdict', 'Verdict', verdicts, ['ordinal'], VERDICT_ORDER);
  agreement.push({
    kind: 'verdict',
    label: 'Verdict',
    measure: 'α interval',
    ...alphaFigure(alphaOf(verdictScores, { level: 'interval' })),
    method: "Krippendorff's α (interval, bad 0 · acceptable 1 · good 2)",
  });
  const criterionName = new Map(criteria.map((c) => [c.id, c]));
  for (const c of criteria) {
    const u = ratingUnits.get(c.id);
    if (!u) continue;
    alphaRows('rating', `Rating: ${c.name} (${c.scale})`, u, levelsOf(c.scale));
  }

  const presence = classPresenceAgreement(classSets);
  agreement.push({ kind: 'classes', label: 'Failure classes (presence per item)', measure: 'α nominal', ...alphaFigure(presence.overall), method: `${presence.overall.method}, present/absent per item and class, over the classes used` });
  const spanResult = spanOverlap(spans);
  agreement.push({ kind: 'spans', label: 'Span tags', measure: 'span F1', ...spanFigure(spanResult.overall) });

  const pairwise = preferenceAgreement(pairChoices as Units<string>, undecided);
  agreement.push(
    { kind: 'pairwise', label: 'Pairwise choice (A/B/tie/both bad)', measure: 'α nominal', ...alphaFigure(pairwise.alpha) },
    {
      kind: 'pairwise',
      label: 'Pairwise choice (A/B/tie/both bad)',
      measure: 'agreement with ties',
      value: pairwise.withTies.value,
      items: pairwise.items,
      pairs: pairwise.withTies.pairs,
      method: 'MT-Bench: share of agreeing pairs of votes on the same task; every pair counts; both bad agrees only with both bad',
    },
    {
      kind: 'pairwise',
      label: 'Pairwise choice (A/B/tie/both bad)',
      measure: 'agreement without ties',
      value: pairwise.withoutTies.value,
      items: pairwise.items,
      pairs: pairwise.withoutTies.pairs,
      method: 'MT-Bench: share of agreeing pairs of votes on the same task, only pairs where both picked a side (tie and both bad left out)',
    },
  );
  const rankAgreement = preferenceAgreement(rankPairs, (v) => v === 'tie');
  const rankTasks = sharedUnits(rankings).units.size;
  const rankLabel = 'N-way ranking (per pair of positions)';
  agreement.push(
    { kind: 'ranking', label: rankLabel, measure: 'α nominal', ...alphaFigure(rankAgreement.alpha), items: rankTasks, method: `${rankAgreement.alpha.method} on first/second/tie per pair of positions (${rankAgreement.items} position pairs)` },
    {
      kind: 'ranking',
      label: rankLabel,
      measure: 'agreement with ties',
      value: rankAgreement.withTies.value,
      items: rankTasks,
      pairs: rankAgreement.withTies.pairs,
      method: 'pairwise-implied: share of agreeing pairs of votes on the order of two positions (first/second/tie)',
    },
    {
      kind: 'ranking',
      label: rankLabel,
      measure: 'agreement without ties',
      value: rankAgreement.withoutTies.value,
      items: rankTasks,
      pairs: rankAgreement.withoutTies.pairs,
      method: 'pairwise-implied: the same, only pairs of votes where both ranked the two positions apart',
    },
  );
  const w = meanKendallsW(rankings);
  agreement.push({ kind: 'ranking', label: 'N-way ranking (whole ranking)', measure: "Kendall's W", value: w.value, items: w.items, method: w.method });

  const scopeOf = (): QualityReport['scope'] => {
    const generations = new Set(reviews.map((r) => r.generationId)).size;
    const tasks = new Set(labels.map((l) => l.taskId)).size;
    const parts: string[] = [];
    parts.push(scope.generationIds ? `${scope.generationIds.length} chosen outputs` : 'every reviewed output');
    parts.push(scope.taskIds ? `${scope.taskIds.length} chosen comparison tasks` : 'every comparison task');
    return {
      generations,
      tasks,
      sharedGenerations: sharedUnits(classSets).units.size,
      sharedTasks: new Set([...sharedUnits(pairChoices).units.keys(), ...sharedUnits(rankings).units.keys()]).size,
      description: `${parts.join(' and ')} ${session === null ? 'in the workspace' : `of session “${session}” (gold items included)`}; submitted review labels and live comparison labels`,
    };
  };
  if (options.agreementOnly) return { scope: scopeOf(), agreement, classes: [], reviewers: [] };

  // ── Per class ──
  const className = new Map(classes.map((c) => [c.id, c.name]));
  const classIds = new Set([...presence.perClass.keys(), ...spanResult.perClass.keys()]);
  const classRows = [...classIds]
    .sort((a, b) => a - b)
    .map((classId) => {
      const p = presence.perClass.get(classId);
      const s = spanResult.perClass.get(classId);
      return {
        classId,
        name: className.get(classId) ?? `class ${classId}`,
        presence: p ? alphaFigure(p) : { value: null, items: 0, method: "Krippendorff's α (nominal)" },
        spans: s ? spanFigure(s) : null,
      };
    });

  // ── Each reviewer against the rest ──
  const presenceUnits: Units<Category> = new Map();
  for (const [item, u] of sharedUnits(classSets).units) {
    for (const c of presence.perClass.keys()) {
      presenceUnits.set(`${item}:${c}`, new Map([...u].map(([r, set]) => [r, set.has(c) ? 1 : 0])));
    }
  }
  type VsRest = QualityReport['reviewers'][number]['vsRest'][number];
  const vsRest = new Map<number, VsRest[]>();
  const addVsRest = (kind: VsRest['kind'], label: string, units: Units<Category>, level: AlphaLevel, order?: readonly Category[], itemOf?: (k: string) => string) => {
    for (const r of reviewerVsRest(units, { level, order, itemOf })) {
      let list = vsRest.get(r.reviewerId);
      if (!list) vsRest.set(r.reviewerId, (list = []));
      list.push({ kind, label, alpha: r.alpha.value, agreement: r.agreement.value, items: r.items, pairs: r.agreement.pairs, method: r.alpha.method });
    }
  };
  addVsRest('verdict', 'Verdict', verdicts, 'ordinal', VERDICT_ORDER);
  for (const c of criteria) {
    const u = ratingUnits.get(c.id);
    if (u) addVsRest('rating', `Rating: ${c.name}`, u, levelsOf(c.scale)[0]!);
  }
  const before = (k: string) => k.split(':', 1)[0]!;
  addVsRest('classes', 'Failure classes (presence)', presenceUnits, 'nominal', undefined, before);
  addVsRest('pairwise', 'Pairwise choice', pairChoices, 'nominal');
  addVsRest('ranking', 'N-way ranking (position pairs)', rankPairs, 'nominal', undefined, before);
  // Spans: this reviewer's F1 against each other reviewer on the items they share.
  for (const me of sharedUnits(spans).reviewers) {
    const pairsWithMe: Units<Span[]> = new Map();
    for (const [item, u] of spans) {
      const mine = u.get(me);
      if (!mine) continue;
      for (const [r, theirs] of u) if (r !== me) pairsWithMe.set(`${item}:${r}`, new Map([[me, mine], [r, theirs]]));
    }
    const f = spanOverlap(pairsWithMe).overall;
    // Items where this reviewer or another marked a span.
    const items = new Set([...pairsWithMe].filter(([, u]) => [...u.values()].some((l) => l.length > 0)).map(([k]) => before(k))).size;
    let list = vsRest.get(me);
    if (!list) vsRest.set(me, (list = []));
    list.push({ kind: 'spans', label: 'Span tags', alpha: null, agreement: f.value, items, pairs: f.pairs, method: `${f.method}, pairs with this reviewer only` });
  }

  // ── Calibration ──
  const lengths = taskOutputLengths(db, [...new Set(labels.filter((l) => l.kind === 'pair').map((l) => l.taskId))]);
  const lenient = new Map<number, QualityReport['reviewers'][number]['leniency']>();
  const addLeniency = (label: string, units: Units<number>, method: string) => {
    for (const l of leniency(units)) {
      let list = lenient.get(l.reviewerId);
      if (!list) lenient.set(l.reviewerId, (list = []));
      list.push({ label, value: l.meanDifference, items: l.items, method });
    }
  };
  addLeniency('Verdict', verdictScores, 'mean of (own − mean of the others) on shared items; bad 0 · acceptable 1 · good 2');
  for (const [criterionId, u] of ratingUnits) {
    const c = criterionName.get(criterionId);
    addLeniency(`Rating: ${c?.name ?? criterionId}`, u, `mean of (own − mean of the others) on shared items, on the ${c?.scale ?? ''} scale as stored`);
  }

  const reviewerIds = new Set<number>([...reviews.map((r) => r.reviewerId), ...labels.map((l) => l.reviewerId)]);
  const reviewers = [...reviewerIds]
    .map((reviewerId) => {
      const mine = labels.filter((l) => l.reviewerId === reviewerId);
      let left = 0;
      let decided = 0;
      const lengthChoices: { chosenLength: number; otherLength: number }[] = [];
      for (const l of mine) {
        if (l.kind !== 'pair' || (l.choice !== 'A' && l.choice !== 'B')) continue;
        if (l.sidesSeen) {
          decided++;
          if (l.choice === 'A') left++;
        }
        const len = lengths.get(l.taskId);
        if (len && len[0] !== undefined && len[1] !== undefined) {
          const [chosen, other] = l.choice === 'A' ? [len[0], len[1]] : [len[1], len[0]];
          lengthChoices.push({ chosenLength: chosen, otherLength: other });
        }
      }
      return {
        reviewerId,
        name: names.get(reviewerId) ?? `reviewer ${reviewerId}`,
        reviews: reviews.filter((r) => r.reviewerId === reviewerId).length,
        comparisons: mine.length,
        vsRest: vsRest.get(reviewerId) ?? [],
        leftWinRate: withMethod(wilsonInterval(left, decided), 'left side’s share of decided pairwise labels (A or B; sides seen by a person), Wilson 95% interval'),
        lengthPreference: withMethod(
          lengthPreference(lengthChoices),
          'share of decided pairwise labels that chose the longer output (code points; equal lengths left out), Wilson 95% interval',
        ),
        leniency: lenient.get(reviewerId) ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.reviewerId - b.reviewerId);

  return { scope: scopeOf(), agreement, classes: classRows, reviewers };
}
