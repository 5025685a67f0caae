import type { ReadableDB } from './handles';
import type { JobRow } from './runner';

/** Jobs made by sweeps.create (their spec carries a `sweep` record), newest first. */
export function sweepJobRows(db: ReadableDB): JobRow[] {
  return db.prepare("SELECT * FROM jobs WHERE json_type(spec, '$.sweep') = 'object' ORDER BY id DESC").all() as JobRow[];
}

export interface SweepCountRow {
  model_id: number;
  model_name: string;
  arm: number;
  items: number;
  done: number;
  failed: number;
  checked: number;
  failures: number;
}

/**
 * A sweep job's items per model × arm, and (where probe checks exist) how many of their
 * generations have a verdict and how many failed it (a reviewer's overrule counts over the check's).
 */
export function sweepCounts(db: ReadableDB, jobId: number, withVerdicts: boolean): SweepCountRow[] {
  const verdicts = withVerdicts
    ? 'count(v.generation_id) AS checked, coalesce(sum(v.passed = 0), 0) AS failures FROM job_items i LEFT JOIN probe_verdicts v ON v.generation_id = i.generation_id'
    : '0 AS checked, 0 AS failures FROM job_items i';
  return db
    .prepare(
      `SELECT i.model_id, m.name AS model_name, i.arm, count(*) AS items, coalesce(sum(i.status = 'done'), 0) AS done,
              coalesce(sum(i.status = 'failed'), 0) AS failed, ${verdicts}
       JOIN models m ON m.id = i.model_id
       WHERE i.job_id = ? GROUP BY i.model_id, i.arm ORDER BY i.model_id, i.arm`,
    )
    .all(jobId) as SweepCountRow[];
}
