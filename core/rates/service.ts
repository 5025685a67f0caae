import type { ParsedInput } from '../../contract';
import type { GapRow, RateRow, Rates } from '../../contract/rates';
import type { ReadableDB } from '../../db/handles';
import { hasProbeTables } from '../../db/meta';
import { modelNames, rateSuites, verdictCounts, type RatesFilter, type VariantColumn } from '../../db/rates';
import { wilsonInterval, wilsonSampleSize } from '../stats';
import { minimalPairs, pairGap, variantOrder, type VariantCount } from './gaps';

/**
 * rates.get and rates.sampleSize (contract/rates.ts): the Rates view's figures. SQL counts verdicts
 * per suite × model × shots and per variant value (db/rates.ts); this pools suites into their
 * failure class and puts intervals on the counts, from core/stats only.
 */

function rateOf(failures: number, checked: number) {
  const w = wilsonInterval(failures, checked);
  return { checked, failures, rate: w.value, low: w.low, high: w.high };
}

function filterOf(input: ParsedInput<'rates.get'>): RatesFilter {
  return { suiteIds: input.suiteIds ?? null, modelIds: input.modelIds ?? null, shots: input.shots ?? null };
}

export function getRates(db: ReadableDB, input: ParsedInput<'rates.get'>): Rates {
  if (!hasProbeTables(db)) return { available: false, rows: [], gaps: [] };
  const filter = filterOf(input);
  const suites = new Map(rateSuites(db).map((s) => [s.id, s]));
  const orders = new Map([...suites.values()].map((s) => [s.id, variantOrder(s.variant_sets)]));
  // A column per variant value the suites in view define (values of one set name shared across suites).
  const columns: VariantColumn[] = [];
  const seen = new Set<string>();
  for (const [id, order] of orders) {
    if (filter.suiteIds && !filter.suiteIds.includes(id)) continue;
    for (const [set, values] of order) {
      for (const value of values) {
        const key = JSON.stringify([set, value]);
        if (!seen.has(key)) columns.push({ set, value });
        seen.add(key);
      }
    }
  }
  const counts = verdictCounts(db, filter, columns);
  const models = new Map(modelNames(db, [...new Set(counts.map((c) => c.model_id))]).map((m) => [m.id, m.name]));
  const modelName = (id: number) => models.get(id) ?? `model ${id}`;

  // Suites of one class pool into one row per model × shots; a suite without a class is its own row.
  const pooled = new Map<string, RateRow>();
  for (const c of counts) {
    const suite = suites.get(c.suite_id)!;
    const key = `${suite.class_id === null ? `s${suite.id}` : `c${suite.class_id}`}/${c.model_id}/${c.shots}`;
    let row = pooled.get(key);
    if (!row) {
      row = { classId: suite.class_id, name: suite.class_name ?? suite.name, modelId: c.model_id, modelName: modelName(c.model_id), shots: c.shots, ...rateOf(0, 0), overruled: 0, suites: [] };
      pooled.set(key, row);
    }
    Object.assign(row, rateOf(row.failures + c.failures, row.checked + c.checked));
    row.overruled += c.overruled;
    row.suites.push({ suiteId: suite.id, suiteName: suite.name, ...rateOf(c.failures, c.checked) });
  }
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' });
  const rows = [...pooled.values()].sort(
    (a, b) => byName(a.name, b.name) || (a.classId ?? 0) - (b.classId ?? 0) || byName(a.modelName, b.modelName) || a.modelId - b.modelId || a.shots - b.shots,
  );
  for (const row of rows) row.suites.sort((a, b) => byName(a.suiteName, b.suiteName) || a.suiteId - b.suiteId);

  // Gaps per suite: its pairs from every value it has verdicts for, then each model × shots slice.
  const gaps: GapRow[] = [];
  const variantsOf = (c: (typeof counts)[number]): VariantCount[] =>
    columns.map((col, i) => ({ ...col, ...c.variants[i]! })).filter((v) => v.checked > 0);
  for (const suite of suites.values()) {
    const slices = counts
      .filter((c) => c.suite_id === suite.id)
      .map((c) => ({ modelId: c.model_id, shots: c.shots, variants: variantsOf(c) }))
      .sort((a, b) => byName(modelName(a.modelId), modelName(b.modelId)) || a.modelId - b.modelId || a.shots - b.shots);
    const pairs = minimalPairs(orders.get(suite.id)!, slices.flatMap((s) => s.variants));
    for (const pair of pairs) {
      for (const { modelId, shots, variants } of slices) {
        const g = pairGap(pair, variants);
        if (g.a.trials + g.b.trials === 0) continue;
        gaps.push({
          suiteId: suite.id,
          suiteName: suite.name,
          ...pair,
          modelId,
          modelName: modelName(modelId),
          shots,
          gap: g.value,
          low: g.low,
          high: g.high,
          a: { checked: g.a.trials, failures: g.a.successes, rate: g.a.value },
          b: { checked: g.b.trials, failures: g.b.successes, rate: g.b.value },
        });
      }
    }
  }
  return { available: true, rows, gaps };
}

export function sampleSize(input: ParsedInput<'rates.sampleSize'>) {
  const n = wilsonSampleSize(input.width, input.rate);
  const variants = input.variants ?? 1;
  return { n, variants, total: n * variants };
}

export function rateHandlers(reader: ReadableDB) {
  return {
    'rates.get': (input: ParsedInput<'rates.get'>) => getRates(reader, input),
    'rates.sampleSize': (input: ParsedInput<'rates.sampleSize'>) => sampleSize(input),
  };
}
