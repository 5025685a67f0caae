import { newcombeDifference, type ProportionDifference } from '../stats';

/**
 * Minimal-pair gaps (docs/PROBES.md): within a variant set, the failure rate of probes with a value
 * minus that of probes with the set's reference, its first value in the suite's definition, with
 * Newcombe's interval. The Rates view and the model card both compute them here.
 */

/** Verdicts of one variant value (in whatever slice the caller chose: a model, a number of shots). */
export interface VariantCount {
  set: string;
  value: string;
  checked: number;
  failures: number;
}

/** A value and the reference it is measured against. */
export interface MinimalPair {
  set: string;
  value: string;
  reference: string;
}

/** The values of each variant set in the order the suite defines them (probe_suites.variant_sets). */
export function variantOrder(json: string): Map<string, string[]> {
  const order = new Map<string, string[]>();
  try {
    const sets = JSON.parse(json) as { name?: unknown; values?: { value?: unknown }[] }[];
    for (const set of Array.isArray(sets) ? sets : []) {
      if (typeof set.name !== 'string' || !Array.isArray(set.values)) continue;
      order.set(set.name, set.values.map((v) => v.value).filter((v): v is string => typeof v === 'string'));
    }
  } catch {
    // A definition Assay cannot read has no order: values are then taken as sorted.
  }
  return order;
}

/**
 * The minimal pairs of one suite's variant counts: sets by name; per set the values seen, in
 * definition order (values the definition does not name after them, sorted), the first being the
 * reference. A set with fewer than two values seen has no pair.
 */
export function minimalPairs(order: Map<string, string[]>, counts: VariantCount[]): MinimalPair[] {
  const pairs: MinimalPair[] = [];
  for (const set of [...new Set(counts.map((c) => c.set))].sort()) {
    const seen = [...new Set(counts.filter((c) => c.set === set).map((c) => c.value))];
    const defined = order.get(set) ?? [];
    const values = [...defined.filter((v) => seen.includes(v)), ...seen.filter((v) => !defined.includes(v)).sort()];
    const [reference, ...others] = values;
    if (reference === undefined) continue;
    for (const value of others) pairs.push({ set, value, reference });
  }
  return pairs;
}

/** The pair's gap over `counts` (rows of one set and value are summed: pass the slice wanted). */
export function pairGap(pair: MinimalPair, counts: VariantCount[]): ProportionDifference {
  const total = (value: string) =>
    counts
      .filter((c) => c.set === pair.set && c.value === value)
      .reduce((acc, c) => ({ checked: acc.checked + c.checked, failures: acc.failures + c.failures }), { checked: 0, failures: 0 });
  const a = total(pair.value);
  const b = total(pair.reference);
  return newcombeDifference(a.failures, a.checked, b.failures, b.checked);
}
