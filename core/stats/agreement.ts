/**
 * Inter-rater agreement, each result carrying a `method` string to print beside the number.
 *
 * - Cohen's κ (Cohen 1960), two raters, nominal categories: κ = (p_o − p_e) / (1 − p_e), with
 *   p_o the share of items both raters put in the same category and p_e = Σ_c (row_c/N)(col_c/N)
 *   the agreement expected from each rater's own category frequencies.
 * - Krippendorff's α, any number of raters, missing ratings allowed, nominal, ordinal or interval:
 *   α = 1 − D_o / D_e from the coincidence matrix o_ck = Σ_u (pairs of values c, k within unit u,
 *   ordered, from different raters) / (m_u − 1), where m_u is the number of values unit u got;
 *   n_c = Σ_k o_ck, n = Σ_c n_c; D_o = Σ o_ck δ²_ck / n, D_e = Σ n_c n_k δ²_ck / (n(n − 1)).
 *   Nominal δ² is 0 for equal values and 1 otherwise; ordinal δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²
 *   over the values in order; interval δ²_ck = (c − k)² on the numeric values themselves. Units
 *   with fewer than two values carry no information on agreement and are left out.
 *   (K. Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011, https://repository.upenn.edu/asc_papers/43.)
 *
 * Both are undefined (value null) when there is nothing to compare or when chance agreement is
 * already perfect (every rating is the same category: p_e = 1, D_e = 0); the method string is
 * still given so the UI can print "—" beside it.
 */

export type Category = string | number;

export interface AgreementResult {
  /** κ or α; null when undefined (see the module comment). */
  value: number | null;
  /** To print beside the number, e.g. "Cohen's κ (2 raters, nominal)". */
  method: string;
  /** Items (units) that counted: rated by both raters (κ), or by at least two raters (α). */
  items: number;
}

export interface CohensKappa extends AgreementResult {
  /** p_o: observed share of agreeing items. */
  observed: number | null;
  /** p_e: agreement expected by chance. */
  expected: number | null;
}

/**
 * Cohen's κ from a square contingency table: table[a][b] = items rater 1 put in category a and
 * rater 2 in category b (same category order on both axes).
 */
export function cohensKappaFromTable(table: readonly (readonly number[])[], options: { noun?: string } = {}): CohensKappa {
  const method = `Cohen's κ (2 ${options.noun ?? 'raters'}, nominal)`;
  const k = table.length;
  let total = 0;
  let diagonal = 0;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  for (let a = 0; a < k; a++) {
    const row = table[a]!;
    if (row.length !== k) throw new RangeError('the contingency table must be square');
    for (let b = 0; b < k; b++) {
      const v = row[b]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError('table counts must be finite and ≥ 0');
      total += v;
      rows[a]! += v;
      cols[b]! += v;
      if (a === b) diagonal += v;
    }
  }
  if (total === 0) return { value: null, method, items: 0, observed: null, expected: null };
  const observed = diagonal / total;
  let expected = 0;
  for (let c = 0; c < k; c++) expected += (rows[c]! / total) * (cols[c]! / total);
  const value = expected >= 1 ? null : (observed - expected) / (1 - expected);
  return { value, method, items: total, observed, expected };
}

/**
 * Cohen's κ from items rated by two raters: each entry is [rater 1's category, rater 2's]; an
 * entry with a missing side (null/undefined) is skipped.
 */
export function cohensKappa(
  ratings: readonly (readonly [Category | null | undefined, Category | null | undefined])[],
  options: { noun?: string } = {},
): CohensKappa {
  const index = new Map<Category, number>();
  const both: [number, number][] = [];
  const id = (c: Category) => {
    let k = index.get(c);
    if (k === undefined) {
      k = index.size;
      index.set(c, k);
    }
    return k;
  };
  for (const [a, b] of ratings) {
    if (a === null || a === undefined || b === null || b === undefined) continue;
    both.push([id(a), id(b)]);
  }
  const table = Array.from({ length: index.size }, () => new Array<number>(index.size).fill(0));
  for (const [a, b] of both) table[a]![b]! += 1;
  return cohensKappaFromTable(table, options);
}

export type AlphaLevel = 'nominal' | 'ordinal' | 'interval';

export interface AlphaOptions {
  level?: AlphaLevel;
  /**
   * Ordinal only: every category in order, lowest first. Default: the numeric values seen, in
   * ascending order (string categories need an explicit order). Interval takes numbers only and
   * ignores `order` (the distance is the difference of the values).
   */
  order?: readonly Category[];
  /** Raters, for the method string. Default: the longest unit row. */
  raters?: number;
  noun?: string;
}

export interface KrippendorffsAlpha extends AgreementResult {
  level: AlphaLevel;
  /** Pairable values n (values in units with at least two). */
  values: number;
  observedDisagreement: number | null;
  expectedDisagreement: number | null;
}

/**
 * Krippendorff's α. `units[u]` lists the values given to unit u, one per rater; null/undefined
 * marks a rater who did not rate it (which rater gave which value does not enter α).
 */
export function krippendorffAlpha(
  units: readonly (readonly (Category | null | undefined)[])[],
  options: AlphaOptions = {},
): KrippendorffsAlpha {
  const level = options.level ?? 'nominal';
  let order: readonly Category[] | undefined;
  // Ordinal and interval fix the categories' order before the first unit: the given one (ordinal),
  // else the numeric values seen, ascending (string categories need an explicit order).
  if (level === 'ordinal' || level === 'interval') {
    order = level === 'ordinal' ? options.order : undefined;
    if (!order) {
      const seen = new Set<Category>();
      for (const u of units) for (const v of u) if (v !== null && v !== undefined) seen.add(v);
      if ([...seen].some((v) => typeof v !== 'number')) {
        throw new RangeError(level === 'interval' ? 'interval α needs numeric values' : 'ordinal α with string categories needs `order`');
      }
      order = [...(seen as Set<number>)].sort((a, b) => a - b);
    }
  }
  const c = new Coincidences(level, order);
  for (const u of units) c.addUnit(u);
  return c.alpha({ raters: options.raters ?? units.reduce((m, u) => Math.max(m, u.length), 0), noun: options.noun });
}

/**
 * The coincidence matrix of Krippendorff's α, filled one unit at a time (so a caller streaming
 * labels holds a few counters, never the units): `krippendorffAlpha` is this over a list. Nominal
 * categories are indexed in order of appearance and the matrix grows as new ones come; ordinal and
 * interval take every category, in order, up front and refuse one not in it. Also counts the
 * units whose values were all the same category (the "all agreed" share beside α).
 */
export class Coincidences {
  private readonly index = new Map<Category, number>();
  private readonly categories: Category[] = [];
  private capacity = 0;
  private o = new Float64Array(0);
  private inUnit = new Float64Array(0);
  private readonly present: number[] = [];
  /** Units with two or more values (the ones that count). */
  items = 0;
  /** Of those, units where every value was the same category. */
  unanimous = 0;
  /** The most values any unit had (the raters in the method string, unless given). */
  widest = 0;

  constructor(
    readonly level: AlphaLevel = 'nominal',
    order?: readonly Category[],
  ) {
    if (level !== 'nominal' && !order) throw new RangeError(`${level} α needs every category, in order`);
    if (order) {
      this.grow(order.length);
      for (const c of order) {
        if (this.index.has(c)) throw new RangeError(`category ${String(c)} appears twice in order`);
        if (level === 'interval' && typeof c !== 'number') throw new RangeError('interval α needs numeric values');
        this.index.set(c, this.categories.length);
        this.categories.push(c);
      }
    }
  }

  private grow(size: number): void {
    if (size <= this.capacity) return;
    const cap = Math.max(size, this.capacity * 2, 4);
    const o = new Float64Array(cap * cap);
    for (let c = 0; c < this.capacity; c++) o.set(this.o.subarray(c * this.capacity, (c + 1) * this.capacity), c * cap);
    this.o = o;
    this.inUnit = new Float64Array(cap);
    this.capacity = cap;
  }

  private id(c: Category): number {
    let k = this.index.get(c);
    if (k === undefined) {
      if (this.level !== 'nominal') throw new RangeError(`category ${String(c)} is not in order`);
      k = this.categories.length;
      this.grow(k + 1);
      this.index.set(c, k);
      this.categories.push(c);
    }
    return k;
  }

  /** One unit's values, one per rater (null/undefined: not rated). A unit with fewer than two values carries no information. */
  addUnit(values: readonly (Category | null | undefined)[]): void {
    let m = 0;
    const present = this.present;
    present.length = 0;
    for (const v of values) {
      if (v === null || v === undefined) continue;
      const c = this.id(v);
      m++;
      if (this.inUnit[c] === 0) present.push(c);
      this.inUnit[c]! += 1;
    }
    this.widest = Math.max(this.widest, values.length);
    const inUnit = this.inUnit;
    if (m >= 2) {
      this.items++;
      if (present.length === 1) this.unanimous++;
      const cap = this.capacity;
      for (const c of present) {
        const nc = inUnit[c]!;
        for (const k of present) {
          const nk = inUnit[k]!;
          this.o[c * cap + k]! += (c === k ? nc * (nc - 1) : nc * nk) / (m - 1);
        }
      }
    }
    for (const c of present) inUnit[c] = 0;
  }

  /** Share of counted units where every value agreed; null with none. */
  unanimousShare(): number | null {
    return this.items === 0 ? null : this.unanimous / this.items;
  }

  /** α = 1 − D_o / D_e over the units added so far (see the module comment). */
  alpha(options: { raters?: number; noun?: string } = {}): KrippendorffsAlpha {
    const { level, items } = this;
    const method = `Krippendorff's α (${options.raters ?? this.widest} ${options.noun ?? 'raters'}, ${level})`;
    const V = this.categories.length;
    const cap = this.capacity;
    const o = this.o;
    const marg = new Float64Array(V);
    let n = 0;
    for (let c = 0; c < V; c++) {
      for (let k = 0; k < V; k++) marg[c]! += o[c * cap + k]!;
      n += marg[c]!;
    }
    const none = { value: null, method, items, level, values: n, observedDisagreement: null, expectedDisagreement: null };
    if (items === 0 || n <= 1) return none;

    const delta2 = (c: number, k: number): number => {
      if (c === k) return 0;
      if (level === 'nominal') return 1;
      if (level === 'interval') {
        const d = (this.categories[c] as number) - (this.categories[k] as number);
        return d * d;
      }
      const lo = Math.min(c, k);
      const hi = Math.max(c, k);
      let s = 0;
      for (let g = lo; g <= hi; g++) s += marg[g]!;
      const d = s - (marg[lo]! + marg[hi]!) / 2;
      return d * d;
    };
    let observed = 0;
    let expected = 0;
    for (let c = 0; c < V; c++) {
      for (let k = 0; k < V; k++) {
        if (c === k) continue;
        const d = delta2(c, k);
        observed += o[c * cap + k]! * d;
        expected += marg[c]! * marg[k]! * d;
      }
    }
    const Do = observed / n;
    const De = expected / (n * (n - 1));
    if (De === 0) return { ...none, observedDisagreement: Do, expectedDisagreement: 0 };
    return { value: 1 - Do / De, method, items, level, values: n, observedDisagreement: Do, expectedDisagreement: De };
  }
}
