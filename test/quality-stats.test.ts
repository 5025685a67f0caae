import { describe, expect, it } from 'vitest';
import {
  alphaOf,
  classPresenceAgreement,
  kendallsW,
  krippendorffAlpha,
  leniency,
  lengthPreference,
  meanKendallsW,
  preferenceAgreement,
  rankPairUnits,
  reviewerVsRest,
  spanOverlap,
  toUnits,
  type Span,
  type Units,
} from '../core/stats';

// K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: 4 observers ×
// 12 units with missing data. The paper gives nominal 0.743, ordinal 0.815, interval 0.849.
const byObserver = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];
const paperUnits = byObserver[0]!.map((_, u) => byObserver.map((row) => row[u]!));
const paperAsUnits: Units<number> = toUnits(
  byObserver.flatMap((row, r) => row.flatMap((value, u) => (value === null ? [] : [{ item: u, reviewer: r + 1, value }]))),
);

describe("Krippendorff's α, interval and ordinal, on the 2011 worked example", () => {
  it('interval α = 0.849 (D_o and D_e as the paper defines them, δ² = (c − k)²)', () => {
    const a = krippendorffAlpha(paperUnits, { level: 'interval' });
    expect(a.value!.toFixed(3)).toBe('0.849');
    expect(a.method).toBe("Krippendorff's α (4 raters, interval)");
    expect(() => krippendorffAlpha([['a', 'b']], { level: 'interval' })).toThrow(/numeric/);
  });

  it('alphaOf over units keyed by item and reviewer gives the same nominal, ordinal and interval values', () => {
    expect(alphaOf(paperAsUnits, { level: 'nominal' }).value).toBeCloseTo(113 / 152, 12);
    expect(alphaOf(paperAsUnits, { level: 'ordinal' }).value!.toFixed(3)).toBe('0.815');
    expect(alphaOf(paperAsUnits, { level: 'interval' }).value!.toFixed(3)).toBe('0.849');
    expect(alphaOf(paperAsUnits, { level: 'nominal' })).toMatchObject({ items: 11, method: "Krippendorff's α (4 reviewers, nominal)" });
  });

  it('verdicts are ordinal in the order bad < acceptable < good (hand-computed)', () => {
    // Two reviewers, three items: (good, good), (good, acceptable), (bad, bad).
    // Coincidences: o_gg = 2, o_ga = o_ag = 1, o_bb = 2; n_bad = 2, n_acc = 1, n_good = 3, n = 6.
    // δ²(acc, good) = (n_acc + n_good − (n_acc + n_good)/2)² = (4 − 2)² = 4;
    // δ²(bad, acc) = (2 + 1 − 1.5)² = 2.25; δ²(bad, good) = (2 + 1 + 3 − 2.5)² = 12.25.
    // D_o = (1·4 + 1·4) / 6 = 4/3; D_e = 2·(2·1·2.25 + 2·3·12.25 + 1·3·4) / (6·5) = 2·90/30 = 6.
    // α = 1 − (4/3)/6 = 7/9.
    const units = toUnits([
      { item: 1, reviewer: 1, value: 'good' },
      { item: 1, reviewer: 2, value: 'good' },
      { item: 2, reviewer: 1, value: 'good' },
      { item: 2, reviewer: 2, value: 'acceptable' },
      { item: 3, reviewer: 1, value: 'bad' },
      { item: 3, reviewer: 2, value: 'bad' },
      { item: 4, reviewer: 1, value: 'bad' }, // one reviewer only: left out
    ]);
    const a = alphaOf(units, { level: 'ordinal', order: ['bad', 'acceptable', 'good'] });
    expect(a.value).toBeCloseTo(7 / 9, 12);
    expect(a.items).toBe(3);
  });
});

describe('failure classes per item', () => {
  it('α nominal on presence per class, and overall over the classes used (hand-computed)', () => {
    // Class 1: item 1 (1, 1), item 2 (1, 0), item 3 (0, 0) → n_0 = n_1 = 3, n = 6, D_o = 2/6,
    // D_e = 2·3·3/30 = 0.6, α = 1 − (1/3)/0.6 = 4/9.
    // Class 2 only on item 3 by both: (0,0), (0,0), (1,1) → perfect: α = 1.
    // Overall: the six units together: o_01 = o_10 = 1, n_0 = 7, n_1 = 5, n = 12;
    // D_o = 2/12, D_e = 2·7·5/(12·11) = 70/132, α = 1 − (1/6)/(70/132) = 1 − 22/70 = 24/35.
    const s = (...c: number[]) => new Set(c);
    const labels = toUnits<ReadonlySet<number>>([
      { item: 1, reviewer: 1, value: s(1) },
      { item: 1, reviewer: 2, value: s(1) },
      { item: 2, reviewer: 1, value: s(1) },
      { item: 2, reviewer: 2, value: s() },
      { item: 3, reviewer: 1, value: s(2) },
      { item: 3, reviewer: 2, value: s(2) },
      { item: 4, reviewer: 1, value: s(3) }, // alone: class 3 is not used on a shared item
    ]);
    const r = classPresenceAgreement(labels);
    expect(r.items).toBe(3);
    expect([...r.perClass.keys()]).toEqual([1, 2]);
    expect(r.perClass.get(1)!.value).toBeCloseTo(4 / 9, 12);
    expect(r.perClass.get(2)!.value).toBe(1);
    expect(r.overall.value).toBeCloseTo(24 / 35, 12);
  });
});

describe('span overlap (character-level F1)', () => {
  it('per class and overall, micro over pairs; overlapping spans of one reviewer are one union', () => {
    const labels = toUnits<readonly Span[]>([
      // Reviewer 1 marks [0,10) of class 1 in two overlapping spans, and [20,30) of class 2.
      { item: 'g1', reviewer: 1, value: [{ classId: 1, start: 0, end: 6 }, { classId: 1, start: 4, end: 10 }, { classId: 2, start: 20, end: 30 }] },
      // Reviewer 2 marks [5,15) of class 1 and nothing of class 2.
      { item: 'g1', reviewer: 2, value: [{ classId: 1, start: 5, end: 15 }] },
      // An item where both labelled and neither marked a span: no pair counts.
      { item: 'g2', reviewer: 1, value: [] },
      { item: 'g2', reviewer: 2, value: [] },
    ]);
    const r = spanOverlap(labels);
    // Class 1: |A ∩ B| = 5, |A| + |B| = 20 → 0.5. Class 2: 0 of 10 → 0. Overall 2·5/30 = 1/3.
    expect(r.perClass.get(1)).toMatchObject({ value: 0.5, overlap: 5, marked: 20, items: 1, pairs: 1 });
    expect(r.perClass.get(2)).toMatchObject({ value: 0, overlap: 0, marked: 10 });
    expect(r.overall.value).toBeCloseTo(1 / 3, 12);
    expect(r.overall).toMatchObject({ items: 1, pairs: 1 });
  });

  it('three reviewers: every pair counts; identical spans give 1; no spans anywhere gives null', () => {
    const same = [{ classId: 7, start: 3, end: 8 }];
    const r = spanOverlap(toUnits([
      { item: 1, reviewer: 1, value: same },
      { item: 1, reviewer: 2, value: same },
      { item: 1, reviewer: 3, value: [{ classId: 7, start: 3, end: 5 }] },
    ]));
    // Pairs: (1,2) 5 of 10 → 2·5; (1,3) 2 of 7; (2,3) 2 of 7 → 2·(5+2+2) / (10+7+7) = 18/24.
    expect(r.overall.value).toBeCloseTo(18 / 24, 12);
    expect(r.overall.pairs).toBe(3);
    expect(spanOverlap(toUnits([{ item: 1, reviewer: 1, value: [] }, { item: 1, reviewer: 2, value: [] }])).overall.value).toBeNull();
  });
});

describe('pairwise preference agreement (MT-Bench style) beside α', () => {
  const undecided = (v: string) => v === 'tie' || v === 'both_bad';
  it('with ties counts every pair of votes; without ties only pairs that both picked a side; both_bad agrees only with both_bad', () => {
    const units = toUnits([
      // Item 1: A, A, tie → pairs (A,A) ✓, (A,tie) ✗ ×2; without ties: (A,A) ✓ only.
      { item: 1, reviewer: 1, value: 'A' },
      { item: 1, reviewer: 2, value: 'A' },
      { item: 1, reviewer: 3, value: 'tie' },
      // Item 2: A vs B: ✗ both ways.
      { item: 2, reviewer: 1, value: 'A' },
      { item: 2, reviewer: 2, value: 'B' },
      // Item 3: both_bad twice: agrees with ties, left out without.
      { item: 3, reviewer: 1, value: 'both_bad' },
      { item: 3, reviewer: 3, value: 'both_bad' },
      // Item 4: tie vs both_bad: disagree with ties (different categories), left out without.
      { item: 4, reviewer: 2, value: 'tie' },
      { item: 4, reviewer: 3, value: 'both_bad' },
    ]);
    const r = preferenceAgreement(units, undecided);
    expect(r.withTies).toEqual({ value: 2 / 6, agreeing: 2, pairs: 6 });
    expect(r.withoutTies).toEqual({ value: 1 / 2, agreeing: 1, pairs: 2 });
    expect(r.items).toBe(4);
    expect(r.alpha.method).toBe("Krippendorff's α (3 reviewers, nominal)");
    expect(r.alpha.value).toBeCloseTo(alphaOf(units, { level: 'nominal' }).value!, 12);
  });

  it("reproduces MT-Bench's two figures' shape: the same votes give 63% with ties and 81% without when ties are common", () => {
    // 100 pairs of votes: 63 agree (of which 42 on a side and 21 both tie); 37 disagree, of which
    // 10 are A vs B and 27 involve a tie. Without ties: 42 / (42 + 10) = 80.8%.
    const rows: { item: number; reviewer: number; value: string }[] = [];
    const add = (a: string, b: string) => {
      const item = rows.length / 2;
      rows.push({ item, reviewer: 1, value: a }, { item, reviewer: 2, value: b });
    };
    for (let i = 0; i < 42; i++) add(i % 2 ? 'A' : 'B', i % 2 ? 'A' : 'B');
    for (let i = 0; i < 21; i++) add('tie', 'tie');
    for (let i = 0; i < 10; i++) add('A', 'B');
    for (let i = 0; i < 27; i++) add('tie', 'A');
    const r = preferenceAgreement(toUnits(rows), undecided);
    expect(Math.round(r.withTies.value! * 100)).toBe(63);
    expect(Math.round(r.withoutTies.value! * 100)).toBe(81);
  });
});

describe('rankings', () => {
  it("Kendall's W by hand, without and with ties", () => {
    // Ranks 1,2,3 / 1,3,2 / 2,1,3 → R = 4, 6, 8; 12·116 − 3·9·3·16 = 96; 9·3·8 = 216 → 4/9.
    expect(kendallsW([[0, 1, 2], [0, 2, 1], [1, 0, 2]])).toBeCloseTo(4 / 9, 12);
    // Ranks 1.5,1.5,3 / 1,2,3 → R = 2.5, 3.5, 6; 12·54.5 − 3·4·3·16 = 78; 4·3·8 − 2·(2³ − 2) = 84 → 13/14.
    expect(kendallsW([[0, 0, 1], [0, 1, 2]])).toBeCloseTo(13 / 14, 12);
    expect(kendallsW([[0, 1, 2, 3], [3, 2, 1, 0]])).toBe(0);
    expect(kendallsW([[0, 1, 2], [0, 1, 2], [0, 1, 2]])).toBe(1);
    expect(kendallsW([[0, 0], [0, 0]])).toBeNull();
    expect(kendallsW([[0, 1]])).toBeNull();
  });

  it('mean W over tasks, and pairwise-implied agreement over pairs of positions', () => {
    const units = toUnits<readonly number[]>([
      { item: 10, reviewer: 1, value: [0, 1, 2] },
      { item: 10, reviewer: 2, value: [0, 2, 1] },
      { item: 10, reviewer: 3, value: [1, 0, 2] },
      { item: 11, reviewer: 1, value: [0, 0, 1] },
      { item: 11, reviewer: 2, value: [0, 1, 2] },
      { item: 12, reviewer: 1, value: [0, 1, 2] }, // one reviewer: left out
    ]);
    const w = meanKendallsW(units);
    expect(w.value).toBeCloseTo((4 / 9 + 13 / 14) / 2, 12);
    expect(w.items).toBe(2);
    const pairs = rankPairUnits(units);
    expect(pairs.get('10:0:1')).toEqual(new Map([[1, 'first'], [2, 'first'], [3, 'second']]));
    expect(pairs.get('11:0:1')).toEqual(new Map([[1, 'tie'], [2, 'first']]));
    const r = preferenceAgreement(pairs, (v) => v === 'tie');
    // Task 10: (0,1) f f s → 1 of 3; (0,2) f f f → 3 of 3; (1,2) f s f → 1 of 3.
    // Task 11: (0,1) t f → 0 of 1 (left out without ties); (0,2) f f ✓; (1,2) f f ✓.
    expect(r.withTies).toMatchObject({ agreeing: 7, pairs: 12 });
    expect(r.withoutTies).toMatchObject({ agreeing: 7, pairs: 11 });
  });
});

describe('each reviewer against the rest', () => {
  it('α over (reviewer, other) pairs and the share that agree, with n', () => {
    const units = toUnits([
      { item: 1, reviewer: 1, value: 'x' },
      { item: 1, reviewer: 2, value: 'x' },
      { item: 1, reviewer: 3, value: 'y' },
      { item: 2, reviewer: 1, value: 'y' },
      { item: 2, reviewer: 2, value: 'y' },
      { item: 3, reviewer: 3, value: 'x' }, // alone
    ]);
    const [r1, r2, r3] = reviewerVsRest(units, { level: 'nominal' });
    expect(r1).toMatchObject({ reviewerId: 1, items: 2, agreement: { agreeing: 2, pairs: 3 } });
    expect(r3).toMatchObject({ reviewerId: 3, items: 1, agreement: { agreeing: 0, pairs: 2, value: 0 } });
    // Reviewer 1's pairs as two-value units: (x,x), (x,y), (y,y): n_x = 3, n_y = 3, n = 6;
    // D_o = 2/6, D_e = 18/30 → α = 4/9.
    expect(r1!.alpha.value).toBeCloseTo(4 / 9, 12);
    expect(r2!.alpha.value).toBeCloseTo(r1!.alpha.value!, 12);
    expect(r1!.alpha.method).toMatch(/pairs \(this reviewer, another\)/);
  });
});

describe('calibration', () => {
  it('leniency: mean of (own − mean of the others) over shared items', () => {
    const units = toUnits([
      { item: 1, reviewer: 1, value: 2 },
      { item: 1, reviewer: 2, value: 1 },
      { item: 1, reviewer: 3, value: 0 },
      { item: 2, reviewer: 1, value: 2 },
      { item: 2, reviewer: 2, value: 2 },
      { item: 3, reviewer: 2, value: 0 },
    ]);
    const [r1, r2, r3] = leniency(units);
    // r1: (2 − 0.5) and (2 − 2) → 0.75 over 2 items. r2: (1 − 1) and (2 − 2) → 0. r3: 0 − 1.5.
    expect(r1).toEqual({ reviewerId: 1, meanDifference: 0.75, items: 2 });
    expect(r2).toEqual({ reviewerId: 2, meanDifference: 0, items: 2 });
    expect(r3).toEqual({ reviewerId: 3, meanDifference: -1.5, items: 1 });
  });

  it('length preference: longer chosen with a Wilson interval; equal lengths left out', () => {
    const p = lengthPreference([
      { chosenLength: 10, otherLength: 5 },
      { chosenLength: 10, otherLength: 5 },
      { chosenLength: 3, otherLength: 5 },
      { chosenLength: 4, otherLength: 4 },
    ]);
    expect(p).toMatchObject({ value: 2 / 3, successes: 2, trials: 3 });
    // Wilson 95% for 2 of 3: (0.2077, 0.9385).
    expect(p.low!).toBeCloseTo(0.2077, 4);
    expect(p.high!).toBeCloseTo(0.9385, 4);
    expect(lengthPreference([])).toMatchObject({ value: null, trials: 0 });
  });
});
