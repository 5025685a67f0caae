import type { ReadableDB } from './handles';
import { all } from './statements';

/**
 * The Rates view's counts (core/rates/): verdicts of probe checks (`probe_verdicts`: a reviewer's
 * live overrule over the check) per suite × model × shots, and per variant value for the
 * minimal-pair gaps. probe_check_results carries suite, model and shots itself (migration 0017), so
 * no generation or prompt row is read: a probe counts while its suite is live.
 *
 * Filters are JSON arrays (null: no filter), so one prepared statement serves every combination.
 */

export interface RatesFilter {
  suiteIds: number[] | null;
  modelIds: number[] | null;
  shots: number[] | null;
}

const params = (f: RatesFilter) => ({
  suites: f.suiteIds && JSON.stringify(f.suiteIds),
  models: f.modelIds && JSON.stringify(f.modelIds),
  shots: f.shots && JSON.stringify(f.shots),
});

/** Check results `r` of live suites, within the filter. */
const FILTER = `(@suites IS NULL OR r.suite_id IN (SELECT value FROM json_each(@suites)))
  AND (@models IS NULL OR r.model_id IN (SELECT value FROM json_each(@models)))
  AND (@shots IS NULL OR r.shots IN (SELECT value FROM json_each(@shots)))
  AND r.suite_id IN (SELECT id FROM probe_suites WHERE deleted_at IS NULL)`;

/** A variant set's value whose verdicts are counted in a column of its own. */
export interface VariantColumn {
  set: string;
  value: string;
}

export interface VerdictCountRow {
  suite_id: number;
  model_id: number;
  shots: number;
  checked: number;
  failures: number;
  overruled: number;
  /** Per column asked for, in that order: the verdicts of probes with that set's value. */
  variants: { checked: number; failures: number }[];
}

/** Variant sets joined per query: each is one primary-key seek per check result. */
const SETS_PER_SCAN = 8;

/**
 * Verdict counts per suite × model × shots, with one count per variant column, in one scan of the
 * (suite_id, model_id, shots, passed) index: its order is the GROUP BY's, so nothing is sorted, and
 * each variant set is a seek by probe_variants' full key. (GROUP BY set and value instead would sort
 * a million rows: three times slower.) Overrules are few: they are read from probe_overrules and
 * applied as corrections (a failure the reviewer passed, or the reverse), so the sums are exactly
 * those of probe_verdicts without a join per check result (test/rates.test.ts checks they agree).
 */
export function verdictCounts(db: ReadableDB, filter: RatesFilter, columns: VariantColumn[]): VerdictCountRow[] {
  const sets = [...new Set(columns.map((c) => c.set))];
  const chunks: string[][] = [];
  for (let i = 0; i < Math.max(1, sets.length); i += SETS_PER_SCAN) chunks.push(sets.slice(i, i + SETS_PER_SCAN));
  const rows = new Map<string, VerdictCountRow>();
  const key = (r: { suite_id: number; model_id: number; shots: number }) => `${r.suite_id}/${r.model_id}/${r.shots}`;
  for (const chunk of chunks) {
    const mine = columns.map((c, i) => ({ ...c, i })).filter((c) => chunk.includes(c.set));
    const bind: Record<string, string | null> = { ...params(filter) };
    const joins = chunk
      .map((set, j) => {
        bind[`set${j}`] = set;
        return `LEFT JOIN probe_variants pv${j} ON pv${j}.probe_id = r.probe_id AND pv${j}.set_name = @set${j}`;
      })
      .join('\n');
    for (const c of mine) bind[`value${c.i}`] = c.value;
    const pv = (c: (typeof mine)[number]) => `pv${chunk.indexOf(c.set)}.value = @value${c.i}`;
    const counted = mine.map((c) => `, coalesce(sum(${pv(c)}), 0) AS n${c.i}, coalesce(sum(${pv(c)} AND r.passed = 0), 0) AS f${c.i}`).join('');
    const corrected = mine.map((c) => `, 0 AS n${c.i}, coalesce(sum(${pv(c)} AND o.passed = 0), 0) - coalesce(sum(${pv(c)} AND r.passed = 0), 0) AS f${c.i}`).join('');
    const checks = all<Record<string, number>>(
      db,
      `SELECT r.suite_id, r.model_id, r.shots, count(*) AS checked, coalesce(sum(r.passed = 0), 0) AS failures, 0 AS overruled${counted}
       FROM probe_check_results r ${joins} WHERE ${FILTER} GROUP BY r.suite_id, r.model_id, r.shots`,
      bind,
    );
    // CROSS JOIN keeps SQLite from scanning the check results for the few overrules.
    const overrules = all<Record<string, number>>(
      db,
      `SELECT r.suite_id, r.model_id, r.shots, 0 AS checked, coalesce(sum(o.passed = 0), 0) - coalesce(sum(r.passed = 0), 0) AS failures, count(*) AS overruled${corrected}
       FROM probe_overrules o CROSS JOIN probe_check_results r ON r.generation_id = o.generation_id AND r.probe_id = o.probe_id ${joins}
       WHERE o.deleted_at IS NULL AND ${FILTER} GROUP BY r.suite_id, r.model_id, r.shots`,
      bind,
    );
    const first = chunk === chunks[0];
    for (const raw of [...checks, ...overrules]) {
      const k = key(raw as unknown as VerdictCountRow);
      let row = rows.get(k);
      if (!row) {
        row = { suite_id: raw.suite_id!, model_id: raw.model_id!, shots: raw.shots!, checked: 0, failures: 0, overruled: 0, variants: columns.map(() => ({ checked: 0, failures: 0 })) };
        rows.set(k, row);
      }
      // Every scan counts the totals again: take them from the first.
      if (first) {
        row.checked += raw.checked!;
        row.failures += raw.failures!;
        row.overruled += raw.overruled!;
      }
      for (const c of mine) {
        row.variants[c.i]!.checked += raw[`n${c.i}`]!;
        row.variants[c.i]!.failures += raw[`f${c.i}`]!;
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.suite_id - b.suite_id || a.model_id - b.model_id || a.shots - b.shots);
}

export interface RateSuiteRow {
  id: number;
  name: string;
  /** The suite's class, followed through merges to the live class that absorbed it; null without one. */
  class_id: number | null;
  class_name: string | null;
  variant_sets: string;
}

/** Live suites with their class (merges followed, as the Taxonomy view counts tags). */
export function rateSuites(db: ReadableDB): RateSuiteRow[] {
  return all(
    db,
    `WITH RECURSIVE target(id, final) AS (
       SELECT id, id FROM failure_classes WHERE merged_into_id IS NULL
       UNION ALL
       SELECT c.id, t.final FROM failure_classes c JOIN target t ON c.merged_into_id = t.id
     )
     SELECT s.id, s.name, t.final AS class_id, fc.name AS class_name, s.variant_sets
     FROM probe_suites s LEFT JOIN target t ON t.id = s.failure_class_id LEFT JOIN failure_classes fc ON fc.id = t.final
     WHERE s.deleted_at IS NULL ORDER BY s.name COLLATE NOCASE, s.id`,
  );
}

export function modelNames(db: ReadableDB, ids: number[]): { id: number; name: string }[] {
  return all(db, 'SELECT id, name FROM models WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name COLLATE NOCASE, id', JSON.stringify(ids));
}
