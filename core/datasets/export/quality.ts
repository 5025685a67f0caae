/**
 * Label-quality figures for the dataset card, accumulated while the export streams (constant
 * memory: one item's labels at a time, a few counters overall).
 *
 * - Agreement: for each item labeled by two or more reviewers (a pairwise task; a pair of shown
 *   positions of an N-way task; a generation's verdict), the share of items where every reviewer
 *   gave the same category, and Krippendorff's α for nominal data from the coincidence matrix
 *   (o_ck += n_uc·n_uk/(m_u − 1) per unit; α = 1 − D_o/D_e). α is undefined (null) when every
 *   value is the same category.
 * - Position bias: among pairwise labels that chose a side while a person saw the sides (not
 *   imports whose left/right order Assay assigned), the share that chose the left (A), with a
 *   Wilson 95% interval; 0.5 means no bias.
 */

export class NominalAgreement {
  private readonly coincidence = new Map<string, Map<string, number>>();
  units = 0;
  unanimous = 0;

  /** One item's categories, one per reviewer. Items with fewer than two values carry no information. */
  addUnit(values: readonly string[]): void {
    const m = values.length;
    if (m < 2) return;
    this.units++;
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 1) this.unanimous++;
    for (const [c, nc] of counts) {
      let row = this.coincidence.get(c);
      if (!row) this.coincidence.set(c, (row = new Map()));
      for (const [k, nk] of counts) {
        const pairs = c === k ? nc * (nc - 1) : nc * nk;
        row.set(k, (row.get(k) ?? 0) + pairs / (m - 1));
      }
    }
  }

  /** Share of multi-labeled items where all reviewers agreed. */
  percent(): number | null {
    return this.units === 0 ? null : this.unanimous / this.units;
  }

  alpha(): number | null {
    const categories = [...this.coincidence.keys()].sort();
    const nc = new Map<string, number>();
    let n = 0;
    let observed = 0;
    for (const c of categories) {
      let sum = 0;
      for (const k of categories) {
        const o = this.coincidence.get(c)?.get(k) ?? 0;
        sum += o;
        if (c !== k) observed += o;
      }
      nc.set(c, sum);
      n += sum;
    }
    if (n <= 1) return null;
    let expected = 0;
    for (const c of categories) for (const k of categories) if (c !== k) expected += nc.get(c)! * nc.get(k)!;
    const dO = observed / n;
    const dE = expected / (n * (n - 1));
    return dE === 0 ? null : 1 - dO / dE;
  }
}

export function wilson(successes: number, n: number, z = 1.959964): { low: number; high: number } | null {
  if (n === 0) return null;
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export class LabelQuality {
  readonly pairChoices = new NominalAgreement();
  readonly rankPairs = new NominalAgreement();
  readonly verdicts = new NominalAgreement();
  leftWins = 0;
  decided = 0;
}
