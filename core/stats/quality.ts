/**
 * Label-quality figures over any kind of label: agreement between reviewers on the same items,
 * each reviewer against the rest, and calibration. Pure functions: the caller reads the labels
 * (db/quality.ts) and says which items form the set (a session, a filter, the whole workspace).
 *
 * The data shape is `Units<V>`: item key → reviewer id → that reviewer's value on the item. An
 * item only one reviewer labelled carries no information on agreement and is left out everywhere.
 *
 * - `alphaOf`: Krippendorff's α (agreement.ts) over units, at the level the label's scale has:
 *   verdicts (bad < acceptable < good) and Likert ratings ordinal (interval beside), pass/fail nominal.
 * - `classPresenceAgreement`: failure classes per item. Each reviewer who labelled an item says, for
 *   every class, present (1) or absent (0): a label with no tag of the class is an "absent". α nominal
 *   per class over those 0/1 values, and overall over the (item, class) units of every class anyone
 *   used in the set (a class nobody used would only add units of agreeing zeros).
 * - `spanOverlap`: character-level F1 between two reviewers' span tags on the same output, per class
 *   and overall. Spans are half-open [start, end) in the stored code points; a reviewer's characters
 *   of class c are the union of their spans of c. For each pair of reviewers on an item and each
 *   class, |A ∩ B| and |A| + |B| are summed (micro average), and F1 = 2 Σ|A ∩ B| / Σ(|A| + |B|).
 *   Overall sums the same over every class, so a character counts as agreed only under the same
 *   class. Whole-output tags (no span) are class presence, not spans, and are left out here.
 * - `preferenceAgreement`: the share of agreeing pairs of votes, MT-Bench style (Zheng et al. 2023,
 *   "Judging LLM-as-a-Judge", §4.2, where human–human agreement is 63% with ties and 81% without):
 *   over every item and every unordered pair of reviewers who both voted on it, "with ties" counts
 *   every pair (a tie agrees only with a tie); "without ties" counts only the pairs where both
 *   picked a side. **both_bad**: with ties it is a category of its own (it agrees only with
 *   both_bad); without ties it is left out like a tie, since it picks no side.
 * - Rankings: `preferenceAgreement` over each pair of shown positions of an N-way task (first /
 *   second / tie, the order each reviewer's ranking implies: "pairwise-implied agreement"), and
 *   `kendallsW` per task (Kendall & Babington Smith 1939, with the tie correction), reported as the
 *   mean W over tasks ranked by two or more reviewers.
 * - `reviewerVsRest`: per reviewer, Krippendorff's α over the pairs (this reviewer's value, another
 *   reviewer's value) on the items they share (each such pair a two-value unit), and the observed
 *   share of those pairs that agree; n is the items shared and the pairs.
 * - `leniency`: per reviewer, the mean over shared items of (their value − the mean of the others'
 *   values on that item), on a numeric scale (verdicts bad 0, acceptable 1, good 2; ratings as
 *   stored). Positive: more lenient than the rest.
 * - `lengthPreference`: how often the longer of two outputs is chosen, with its Wilson interval
 *   (proportion.ts); pairs of equal length are left out.
 */
import { krippendorffAlpha, type AlphaLevel, type Category, type KrippendorffsAlpha } from './agreement';
import { wilsonInterval, type Proportion } from './proportion';

/** item key → reviewer id → value. */
export type Units<V> = Map<string, Map<number, V>>;

/** Builds `Units` from (item, reviewer, value) rows; a later row for the same item and reviewer wins. */
export function toUnits<V>(rows: Iterable<{ item: string | number; reviewer: number; value: V }>): Units<V> {
  const units: Units<V> = new Map();
  for (const r of rows) {
    const key = String(r.item);
    let u = units.get(key);
    if (!u) units.set(key, (u = new Map()));
    u.set(r.reviewer, r.value);
  }
  return units;
}

/** The units with two or more reviewers, and those reviewers in id order. */
export function sharedUnits<V>(units: Units<V>): { units: Units<V>; reviewers: number[] } {
  const shared: Units<V> = new Map();
  const reviewers = new Set<number>();
  for (const [key, u] of units) {
    if (u.size < 2) continue;
    shared.set(key, u);
    for (const r of u.keys()) reviewers.add(r);
  }
  return { units: shared, reviewers: [...reviewers].sort((a, b) => a - b) };
}

/** Krippendorff's α over units (items with one reviewer are left out). */
export function alphaOf(
  units: Units<Category>,
  options: { level: AlphaLevel; order?: readonly Category[]; noun?: string },
): KrippendorffsAlpha {
  const { units: shared, reviewers } = sharedUnits(units);
  return krippendorffAlpha(
    [...shared.values()].map((u) => reviewers.map((r) => u.get(r))),
    { level: options.level, order: options.order, raters: reviewers.length, noun: options.noun ?? 'reviewers' },
  );
}

// ── Failure classes per item ─────────────────────────────────────────────────────────────────

export interface ClassPresence {
  /** α nominal on present/absent, per class id. */
  perClass: Map<number, KrippendorffsAlpha>;
  /** α nominal over every (item, class) unit of the classes used. */
  overall: KrippendorffsAlpha;
  /** Items labelled by two or more reviewers. */
  items: number;
}

/**
 * `labels`: item → reviewer → the classes their label tagged (an empty set: labelled, no class).
 */
export function classPresenceAgreement(labels: Units<ReadonlySet<number>>): ClassPresence {
  const { units: shared, reviewers } = sharedUnits(labels);
  const classes = new Set<number>();
  for (const u of shared.values()) for (const set of u.values()) for (const c of set) classes.add(c);
  const perClass = new Map<number, KrippendorffsAlpha>();
  const all: (number | undefined)[][] = [];
  const noun = 'reviewers';
  for (const c of [...classes].sort((a, b) => a - b)) {
    const rows = [...shared.values()].map((u) => reviewers.map((r) => { const s = u.get(r); return s === undefined ? undefined : s.has(c) ? 1 : 0; }));
    all.push(...rows);
    perClass.set(c, krippendorffAlpha(rows, { level: 'nominal', raters: reviewers.length, noun }));
  }
  const overall = krippendorffAlpha(all, { level: 'nominal', raters: reviewers.length, noun });
  return { perClass, overall: { ...overall, items: shared.size }, items: shared.size };
}

// ── Spans ────────────────────────────────────────────────────────────────────────────────────

export interface Span {
  classId: number;
  /** Code points, half-open. */
  start: number;
  end: number;
}

/** Sorted, disjoint intervals covering the union of `spans`. */
function union(spans: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

const covered = (u: readonly (readonly [number, number])[]) => u.reduce((n, [s, e]) => n + (e - s), 0);

function intersection(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (hi > lo) n += hi - lo;
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return n;
}

export interface SpanF1 {
  /** 2 Σ|A ∩ B| / Σ(|A| + |B|); null when no reviewer pair marked any character. */
  value: number | null;
  /** Σ|A ∩ B| and Σ(|A| + |B|), in characters (code points). */
  overlap: number;
  marked: number;
  /** Items with two or more reviewers where at least one marked a span (of this class). */
  items: number;
  /** Pairs of reviewers (per item) that counted. */
  pairs: number;
  method: string;
}

export interface SpanOverlap {
  perClass: Map<number, SpanF1>;
  overall: SpanF1;
}

/** `labels`: item → reviewer → that reviewer's span tags on the item (empty: labelled, no spans). */
export function spanOverlap(labels: Units<readonly Span[]>): SpanOverlap {
  const { units: shared } = sharedUnits(labels);
  const method = 'character-level F1 between pairs of reviewers (micro average over items and pairs; code points)';
  type Acc = { overlap: number; marked: number; items: Set<string>; pairs: number };
  const acc = new Map<number, Acc>();
  const total: Acc = { overlap: 0, marked: 0, items: new Set(), pairs: 0 };
  for (const [key, u] of shared) {
    const byReviewer = [...u.entries()].map(([r, spans]) => {
      const byClass = new Map<number, [number, number][]>();
      for (const s of spans) {
        if (!(s.end > s.start)) continue;
        let l = byClass.get(s.classId);
        if (!l) byClass.set(s.classId, (l = []));
        l.push([s.start, s.end]);
      }
      return { r, byClass: new Map([...byClass].map(([c, l]) => [c, union(l)] as const)) };
    });
    const classes = new Set<number>();
    for (const x of byReviewer) for (const c of x.byClass.keys()) classes.add(c);
    if (classes.size === 0) continue;
    let itemPairs = 0;
    for (let i = 0; i < byReviewer.length; i++) {
      for (let j = i + 1; j < byReviewer.length; j++) {
        const a = byReviewer[i]!.byClass;
        const b = byReviewer[j]!.byClass;
        let pairCounted = false;
        for (const c of classes) {
          const ua = a.get(c) ?? [];
          const ub = b.get(c) ?? [];
          const marked = covered(ua) + covered(ub);
          if (marked === 0) continue;
          pairCounted = true;
          const overlap = intersection(ua, ub);
          let x = acc.get(c);
          if (!x) acc.set(c, (x = { overlap: 0, marked: 0, items: new Set(), pairs: 0 }));
          x.overlap += overlap;
          x.marked += marked;
          x.items.add(key);
          x.pairs++;
          total.overlap += overlap;
          total.marked += marked;
        }
        if (pairCounted) itemPairs++;
      }
    }
    if (itemPairs > 0) {
      total.items.add(key);
      total.pairs += itemPairs;
    }
  }
  const f1 = (x: Acc): SpanF1 => ({
    value: x.marked === 0 ? null : (2 * x.overlap) / x.marked,
    overlap: x.overlap,
    marked: x.marked,
    items: x.items.size,
    pairs: x.pairs,
    method,
  });
  return { perClass: new Map([...acc].sort((a, b) => a[0] - b[0]).map(([c, x]) => [c, f1(x)])), overall: f1(total) };
}

// ── Preferences ──────────────────────────────────────────────────────────────────────────────

export interface PairShare {
  /** agreeing / pairs; null with no pairs. */
  value: number | null;
  agreeing: number;
  pairs: number;
}

export interface PreferenceAgreement {
  withTies: PairShare;
  withoutTies: PairShare;
  /** Krippendorff's α nominal over the same units (every category, ties and both_bad included). */
  alpha: KrippendorffsAlpha;
  items: number;
  method: string;
}

/**
 * MT-Bench's agreement between votes (see the module comment). `undecided(v)` says which values
 * pick no side (a tie; both_bad): they count with ties, and are left out without ties.
 */
export function preferenceAgreement(units: Units<string>, undecided: (v: string) => boolean): PreferenceAgreement {
  const { units: shared } = sharedUnits(units);
  let agreeT = 0;
  let pairsT = 0;
  let agreeN = 0;
  let pairsN = 0;
  for (const u of shared.values()) {
    const votes = [...u.values()];
    for (let i = 0; i < votes.length; i++) {
      for (let j = i + 1; j < votes.length; j++) {
        const a = votes[i]!;
        const b = votes[j]!;
        pairsT++;
        if (a === b) agreeT++;
        if (undecided(a) || undecided(b)) continue;
        pairsN++;
        if (a === b) agreeN++;
      }
    }
  }
  const share = (agreeing: number, pairs: number): PairShare => ({ value: pairs === 0 ? null : agreeing / pairs, agreeing, pairs });
  return {
    withTies: share(agreeT, pairsT),
    withoutTies: share(agreeN, pairsN),
    alpha: alphaOf(units, { level: 'nominal' }),
    items: shared.size,
    method:
      'share of agreeing pairs of votes on the same item (MT-Bench): with ties every pair counts; without ties only pairs where both picked a side',
  };
}

/**
 * Kendall's W for m reviewers ranking the same n objects. `rankings[r][i]` is reviewer r's rank
 * group of object i (0 = best; equal groups are ties, given their mid-rank). With ties:
 *     W = (12 Σ R_i² − 3 m² n (n+1)²) / (m² n (n² − 1) − m Σ_r Σ_t (t³ − t)),
 * R_i the sum of object i's ranks, t the size of each tie group. null when n < 2, m < 2, or every
 * reviewer tied everything (the denominator is 0).
 */
export function kendallsW(rankings: readonly (readonly number[])[]): number | null {
  const m = rankings.length;
  const n = rankings[0]?.length ?? 0;
  if (m < 2 || n < 2) return null;
  const R = new Array<number>(n).fill(0);
  let T = 0;
  for (const groups of rankings) {
    if (groups.length !== n) throw new RangeError('every ranking must rank the same objects');
    const order = [...groups.keys()].sort((a, b) => groups[a]! - groups[b]!);
    let i = 0;
    while (i < n) {
      let j = i;
      while (j + 1 < n && groups[order[j + 1]!] === groups[order[i]!]) j++;
      const t = j - i + 1;
      const mid = (i + 1 + j + 1) / 2;
      for (let k = i; k <= j; k++) R[order[k]!]! += mid;
      T += t * t * t - t;
      i = j + 1;
    }
  }
  const sumSq = R.reduce((s, x) => s + x * x, 0);
  const num = 12 * sumSq - 3 * m * m * n * (n + 1) * (n + 1);
  const den = m * m * n * (n * n - 1) - m * T;
  return den === 0 ? null : num / den;
}

export interface MeanKendallsW {
  /** Mean of W over the tasks where it is defined; null with none. */
  value: number | null;
  /** Tasks ranked by two or more reviewers (W defined). */
  items: number;
  method: string;
}

/** `units`: task → reviewer → rank group per shown position. */
export function meanKendallsW(units: Units<readonly number[]>): MeanKendallsW {
  const { units: shared } = sharedUnits(units);
  let sum = 0;
  let items = 0;
  for (const u of shared.values()) {
    const w = kendallsW([...u.values()]);
    if (w === null) continue;
    sum += w;
    items++;
  }
  return { value: items === 0 ? null : sum / items, items, method: "Kendall's W with tie correction, per task, mean over tasks" };
}

/** An N-way ranking as units over pairs of positions: `task:i:j` → reviewer → first/second/tie. */
export function rankPairUnits(units: Units<readonly number[]>): Units<string> {
  const out: Units<string> = new Map();
  for (const [task, u] of units) {
    for (const [reviewer, ranks] of u) {
      for (let i = 0; i < ranks.length; i++) {
        for (let j = i + 1; j < ranks.length; j++) {
          const key = `${task}:${i}:${j}`;
          let p = out.get(key);
          if (!p) out.set(key, (p = new Map()));
          p.set(reviewer, ranks[i]! < ranks[j]! ? 'first' : ranks[i]! > ranks[j]! ? 'second' : 'tie');
        }
      }
    }
  }
  return out;
}

// ── Each reviewer against the rest ───────────────────────────────────────────────────────────

export interface ReviewerVsRest {
  reviewerId: number;
  alpha: KrippendorffsAlpha;
  /** Share of (this reviewer, other reviewer) pairs on shared items with the same value. */
  agreement: PairShare;
  /** Items this reviewer shares with at least one other. */
  items: number;
}

export function reviewerVsRest(
  units: Units<Category>,
  options: {
    level: AlphaLevel;
    order?: readonly Category[];
    /** The item a unit belongs to, when units are parts of items (an item's classes, a task's position pairs). Default: the unit. */
    itemOf?: (unitKey: string) => string;
  },
): ReviewerVsRest[] {
  const { units: shared, reviewers } = sharedUnits(units);
  const itemOf = options.itemOf ?? ((k: string) => k);
  return reviewers.map((me) => {
    const pairs: [Category, Category][] = [];
    const itemSet = new Set<string>();
    for (const [key, u] of shared) {
      const mine = u.get(me);
      if (mine === undefined) continue;
      itemSet.add(itemOf(key));
      for (const [r, v] of u) if (r !== me) pairs.push([mine, v]);
    }
    const items = itemSet.size;
    const alpha = krippendorffAlpha(pairs, { level: options.level, order: options.order, raters: 2, noun: 'reviewers' });
    const agreeing = pairs.filter(([a, b]) => a === b).length;
    return {
      reviewerId: me,
      alpha: { ...alpha, items, method: `Krippendorff's α (${options.level}) over pairs (this reviewer, another) on shared items` },
      agreement: { value: pairs.length === 0 ? null : agreeing / pairs.length, agreeing, pairs: pairs.length },
      items,
    };
  });
}

// ── Calibration ──────────────────────────────────────────────────────────────────────────────

export interface Leniency {
  reviewerId: number;
  /** Mean over shared items of (own value − mean of the others' values); null with none shared. */
  meanDifference: number | null;
  items: number;
}

export function leniency(units: Units<number>): Leniency[] {
  const { units: shared, reviewers } = sharedUnits(units);
  return reviewers.map((me) => {
    let sum = 0;
    let items = 0;
    for (const u of shared.values()) {
      const mine = u.get(me);
      if (mine === undefined) continue;
      let others = 0;
      let k = 0;
      for (const [r, v] of u) {
        if (r === me) continue;
        others += v;
        k++;
      }
      sum += mine - others / k;
      items++;
    }
    return { reviewerId: me, meanDifference: items === 0 ? null : sum / items, items };
  });
}

/** How often the longer output was chosen (equal lengths left out), with its Wilson 95% interval. */
export function lengthPreference(choices: Iterable<{ chosenLength: number; otherLength: number }>): Proportion {
  let longer = 0;
  let n = 0;
  for (const c of choices) {
    if (c.chosenLength === c.otherLength) continue;
    n++;
    if (c.chosenLength > c.otherLength) longer++;
  }
  return wilsonInterval(longer, n);
}
