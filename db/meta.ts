import type { ReadableDB, WritableDB } from './handles';

/** workspace_meta (migration 0001): small facts about the workspace file itself, by key. */
export function getMeta(db: ReadableDB, key: string): string | null {
  return (db.prepare('SELECT value FROM workspace_meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
}

export function setMeta(db: WritableDB, key: string, value: string): void {
  db.prepare('INSERT INTO workspace_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

/**
 * Whether this workspace has the probe-suite tables (`probe_suites`, `probes`, `probe_variants`, and
 * the `probe_verdicts` view: a check's verdict, or a reviewer's overrule over it). They come with the
 * probes migration; the model card and sweep results read them only where it has run.
 */
export function hasProbeTables(db: ReadableDB): boolean {
  const n = db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('probe_suites', 'probes', 'probe_variants', 'probe_verdicts')").pluck().get() as number;
  return n === 4;
}
