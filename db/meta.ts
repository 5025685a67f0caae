import type { ReadableDB, WritableDB } from './handles';

/** workspace_meta (migration 0001): small facts about the workspace file itself, by key. */
export function getMeta(db: ReadableDB, key: string): string | null {
  return (db.prepare('SELECT value FROM workspace_meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
}

export function setMeta(db: WritableDB, key: string, value: string): void {
  db.prepare('INSERT INTO workspace_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
